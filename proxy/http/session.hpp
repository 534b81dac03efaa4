// One client connection on a forward or transparent-http listener: state of
// the session coroutine, shared by the request loop, the plain-HTTP exchange
// and the CONNECT tunnel. Lives in the coroutine frame.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/identity.hpp"
#include "http/local_reply.hpp"
#include "net/asio.hpp"
#include "net/server.hpp"

namespace gh {

using ClientParser = http::request_parser<http::buffer_body>;

// The upstream connection kept between requests (keep-alive reuse).
struct Upstream {
  std::unique_ptr<beast::tcp_stream> stream;
  std::string key;  // "host:port" or "ip:port"
  beast::flat_buffer buffer;
  bool reusable = false;
  std::weak_ptr<const RuleSet> opened_under;  // the rules its connect was checked against
  // The origin's address for the audit record (dest_of), asked of the kernel
  // once per connection, not once per request on it.
  std::optional<std::string> dest;
};

// Where a session is in its life (docs/architecture.md "Life of a request").
enum class Phase : unsigned char {
  first_head,  // reading the connection's first request head
  idle,        // waiting for the next request head (drain may close it)
  handling,    // deciding, answering or forwarding a request
  tunnel,      // relaying a tunnel: no more request heads
  closing,     // drain or shutdown closed it
};

// A session's phase and its one deadline (the current request head must be
// complete by then), shared with the deadline timer's handler, which may run
// after the session has ended. The timer waits at most once per header
// timeout: a keep-alive request only moves the deadline.
struct SessionClock {
  SessionClock(const asio::any_io_executor& ex, tcp::socket* s) : timer(ex), socket(s) {}
  asio::steady_timer timer;
  tcp::socket* socket;  // null once the session has ended
  Phase phase = Phase::first_head;
  std::chrono::steady_clock::time_point deadline;
  bool timer_waiting = false;

  bool reading_head() const { return phase == Phase::first_head || phase == Phase::idle; }
  bool expired() const { return std::chrono::steady_clock::now() >= deadline; }
};

struct Session {
  Connection& conn;
  Runtime& rt;
  beast::tcp_stream client;
  StreamSink sink;                           // local replies to `client`
  beast::flat_buffer buffer;                 // bytes read from the client, not yet parsed
  std::shared_ptr<const RuleSet> rules;      // snapshot for the current request
  std::shared_ptr<const Settings> settings;  // idem
  Upstream upstream;
  std::shared_ptr<SessionClock> clock;
  ConnectionAuth auth;  // README "Identity": who this connection is (forward listeners)

  Session(Connection& c, tcp::socket s);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Phase phase() const { return clock->phase; }
  void set_phase(Phase p) { clock->phase = p; }
  // For good: the connection reads no more request heads (a tunnel, the end).
  void stop_reading_heads();
  const LimitSettings& limits() const { return settings->limits; }
  // Local replies of the current request, against its snapshots.
  ReplyContext reply_ctx() {
    sink.set_idle(limits().idle_timeout);
    return ReplyContext{rt, rules.get(), *settings, conn.info, &sink};
  }
};

// Sessions per listener mode (the Server's SessionHandlers).
asio::awaitable<void> forward_session(Connection c);
asio::awaitable<void> transparent_http_session(Connection c);
// admission.cpp: the Server's RefusalHandler.
asio::awaitable<void> refuse_connection(Connection& c, const Refusal& refusal);

// Writes bytes to the client: at once when the socket takes them, else
// asynchronously within the idle timeout. False when the client is gone.
asio::awaitable<bool> write_client(Session& s, std::string_view data);

// exchange.cpp: closes the upstream connection, or parks it in this
// thread's UpstreamPool when its last response ended cleanly.
void close_upstream(Upstream& u);
void park_upstream(Upstream& u);

// exchange.cpp: one absolute-form (or transparent origin-form) request.
asio::awaitable<bool> forward_http(Session& s, ClientParser& p, std::string_view host,
                                   bool host_is_ip, std::uint16_t port, std::string_view path);
// tunnel.cpp: CONNECT. A tunnel ends the connection; a refused CONNECT may
// leave it open for the next request (returns true then).
asio::awaitable<bool> connect_tunnel(Session& s, ClientParser& p);

}  // namespace gh
