// Listeners, event loops and the path from accept() to a session: PROXY
// header, original destination, connection limits, drain registry.
//
// Event model (see README "Event model"): by default one io_context per
// thread, each with its own SO_REUSEPORT acceptor per listener, so the
// kernel spreads connections and a session never changes thread; the
// alternative, one io_context run by a thread pool with a strand per
// session, is kept selectable for measurement (GATEHOUSE_EVENT_MODEL=pool).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/asio.hpp"
#include "net/conn_info.hpp"
#include "net/connection_tracker.hpp"
#include "net/resolver.hpp"
#include "net/upstream.hpp"
#include "runtime/runtime.hpp"

namespace gh {

class Server;

// Everything a session owns: its socket, who the client is, bytes already
// read past a PROXY header, and its place in the limits and drain registry.
struct Connection {
  tcp::socket socket;
  ConnInfo info;
  std::string prefix;
  ConnectionTracker::Ticket ticket;
  std::shared_ptr<LiveConnection> live;
  Server* server = nullptr;
};

using SessionHandler = std::function<asio::awaitable<void>(Connection)>;

// A connection refused before its session starts (a bad PROXY header, a
// client outside clients.allow on a transparent listener, connection
// limits). net/ knows no pages: the http layer audits and answers it
// (http/local_reply.hpp), with an HTTP page on forward listeners only.
struct Refusal {
  Reason reason = Reason::bad_request;
  int status = 0;     // 0: no status (nothing is answered)
  bool page = false;  // an HTTP answer can be written (forward listeners)
  std::string host;   // audit `host`/`port` when known (the original destination)
  std::uint16_t port = 0;
};
using RefusalHandler = std::function<asio::awaitable<void>(Connection&, const Refusal&)>;

struct SessionHandlers {
  SessionHandler forward;
  SessionHandler transparent_tls;
  SessionHandler transparent_http;
  RefusalHandler refuse;
};

enum class EventModel : unsigned char { per_thread_reuseport, shared_pool };

class Server {
 public:
  Server(Runtime& rt, SessionHandlers handlers, EventModel model, unsigned threads);
  ~Server();

  // Binds every listener of `settings`; throws std::runtime_error naming the
  // address on failure.
  void bind(const Settings& settings);
  // Runs the event loops on their threads; returns at once.
  void start();
  void stop_accepting();  // drain step 1 (thread-safe)
  void stop();            // stop the loops and join the threads
  void wait();            // join the threads (after stop)

  Runtime& runtime() { return rt_; }
  // The resolver and our own endpoints, for connect_upstream().
  UpstreamContext& upstreams() { return upstreams_; }
  ConnectionTracker& tracker() { return tracker_; }
  std::vector<std::string> bound_addresses() const;

 private:
  struct Listener;
  asio::awaitable<void> accept_loop(Listener& l);
  asio::awaitable<void> admit(Listener& l, tcp::socket sock);
  // Source address, PROXY header, original destination, clients.allow and
  // connection limits; false: refused (audited) or gone.
  asio::awaitable<bool> prepare(Listener& l, Connection& c);

  Runtime& rt_;
  SessionHandlers handlers_;
  EventModel model_;
  unsigned threads_;
  // Declared first, destroyed last: session frames destroyed with the loops
  // still hand their tickets back to the tracker.
  ConnectionTracker tracker_;
  Resolver resolver_;  // settings' resolver block, read once at start
  UpstreamContext upstreams_{resolver_, {}};
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::thread> pool_;
};

EventModel event_model_from_env();

}  // namespace gh
