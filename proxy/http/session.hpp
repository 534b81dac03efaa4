// One client connection on a forward or transparent-http listener: state of
// the session coroutine, shared by the request loop, the plain-HTTP exchange
// and the CONNECT tunnel. Lives in the coroutine frame.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/identity.hpp"
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
};

// The request-head deadline of one connection (see read_head). Shared with
// the timer's handler, which may run after the session has ended.
struct HeadWatch {
  HeadWatch(const asio::any_io_executor& ex, tcp::socket* s) : timer(ex), socket(s) {}
  asio::steady_timer timer;
  tcp::socket* socket;  // valid while !gone
  std::chrono::steady_clock::time_point deadline;
  bool armed = false;    // a wait is pending
  bool reading = false;  // a request head is being read
  bool expired = false;  // the deadline passed while reading: the read was cancelled
  bool gone = false;     // the session has ended
};

struct Session {
  Connection& conn;
  Runtime& rt;
  beast::tcp_stream client;
  beast::flat_buffer buffer;                 // bytes read from the client, not yet parsed
  std::shared_ptr<const RuleSet> rules;      // snapshot for the current request
  std::shared_ptr<const Settings> settings;  // idem
  Upstream upstream;
  bool idle = false;  // waiting for the next request (drain may close)
  bool closing = false;
  std::chrono::steady_clock::time_point head_deadline;

  std::shared_ptr<HeadWatch> head_watch;
  ConnectionAuth auth;  // README "Identity": who this connection is (forward listeners)

  Session(Connection& c, tcp::socket s);
  ~Session();
  void stop_head_watch();  // for good: the connection reads no more request heads
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  const LimitSettings& limits() const { return settings->limits; }
};

// Sessions per listener mode (the Server's SessionHandlers).
asio::awaitable<void> forward_session(Connection c);
asio::awaitable<void> transparent_http_session(Connection c);

// Writes bytes to the client: at once when the socket takes them, else
// asynchronously within the idle timeout. False when the client is gone.
asio::awaitable<bool> write_client(Session& s, std::string_view data);

// Writes a complete response with an HTML (or other) body.
asio::awaitable<bool> send_page(Session& s, unsigned version, int status, std::string body,
                                bool keep_alive,
                                std::string_view content_type = "text/html; charset=utf-8");

// Answers a denied/blocked request after auditing it; returns false when the
// connection must close. `d` must be a non-allow decision or a failure.
asio::awaitable<bool> answer_refusal(Session& s, const Decision& d, const Request& req, int status,
                                     unsigned version, bool keep_alive);

// Audits a refusal that has no policy decision (bad input, timeouts).
asio::awaitable<void> answer_error(Session& s, Reason reason, int status, unsigned version);

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
