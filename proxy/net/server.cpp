#include "net/server.hpp"

#include <ifaddrs.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "base/log.hpp"
#include "net/original_dst.hpp"
#include "net/proxy_protocol.hpp"

namespace gh {
namespace {

using namespace std::chrono_literals;

tcp::endpoint to_tcp(const Endpoint& e) {
  return tcp::endpoint(asio::ip::make_address(e.host), e.port);  // e.ip is set: ip_only
}

IpAddress to_ip(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  auto v6 = a.to_v6();
  if (v6.is_v4_mapped())
    return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_uint());
  auto b = v6.to_bytes();
  std::array<std::uint8_t, 16> out;
  std::copy(b.begin(), b.end(), out.begin());
  return IpAddress::v6(out);
}

// Every address of this machine's interfaces, for listeners bound to
// 0.0.0.0 or :: (loop guard). Read at bind time.
std::vector<IpAddress> local_addresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.push_back(IpAddress::v4(ntohl(sin->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      out.push_back(IpAddress::v6(b));
    }
  }
  ::freeifaddrs(list);
  return out;
}

// Records where a listener (or the admin port) accepts, for the loop guard.
void add_own_endpoint(OwnEndpoints& own, const tcp::endpoint& ep) {
  if (ep.address().is_unspecified()) {
    own.any_ports.push_back(ep.port());
    if (own.local_addresses.empty()) own.local_addresses = local_addresses();
  } else {
    own.exact.push_back({to_ip(ep.address()), ep.port()});
  }
}

// Reads a PROXY v1/v2 header within `timeout`; fills `info` and `rest`.
asio::awaitable<bool> read_proxy_header(tcp::socket& s, ConnInfo& info, std::string& rest,
                                        Millis timeout) {
  std::array<std::byte, 4200> buf;
  std::size_t size = 0;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(timeout);
  auto done = std::make_shared<bool>(false);
  timer.async_wait([done, &s](const boost::system::error_code& ec) {
    if (ec || *done) return;
    boost::system::error_code ignored;
    s.cancel(ignored);
  });
  ProxyHeader h;
  for (;;) {
    h = parse_proxy_header(std::span<const std::byte>(buf.data(), size));
    if (h.status != ProxyHeaderStatus::need_more || size == buf.size()) break;
    boost::system::error_code ec;
    size += co_await s.async_read_some(asio::buffer(buf.data() + size, buf.size() - size),
                                       asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  *done = true;
  timer.cancel();
  if (h.status != ProxyHeaderStatus::ok) co_return false;
  if (!h.local) {
    info.client = h.source;
    info.client_port = h.source_port;
    info.client_text = endpoint_text(h.source, h.source_port);
  }
  rest.assign(reinterpret_cast<const char*>(buf.data()) + h.consumed, size - h.consumed);
  co_return true;
}

}  // namespace

struct Server::Listener {
  ListenerSettings cfg;
  asio::io_context* loop = nullptr;
  tcp::acceptor acceptor;
  std::string bound;
  Listener(ListenerSettings c, asio::io_context& l) : cfg(std::move(c)), loop(&l), acceptor(l) {}
};

EventModel event_model_from_env() {
  const char* v = std::getenv("GATEHOUSE_EVENT_MODEL");
  if (v && std::string_view(v) == "pool") return EventModel::shared_pool;
  return EventModel::per_thread_reuseport;
}

Server::Server(Runtime& rt, SessionHandlers handlers, EventModel model, unsigned threads)
    : rt_(rt),
      handlers_(std::move(handlers)),
      model_(model),
      threads_(threads == 0 ? 1 : threads),
      resolver_(rt.settings.load()->resolver) {
  unsigned loops = model_ == EventModel::shared_pool ? 1 : threads_;
  for (unsigned i = 0; i < loops; ++i) {
    loops_.push_back(std::make_unique<asio::io_context>(
        model_ == EventModel::shared_pool ? static_cast<int>(threads_) : 1));
  }
}

Server::~Server() {
  stop();
  wait();
  // Lookups in flight post to the loops: end them before the loops go.
  resolver_.stop();
  listeners_.clear();
  loops_.clear();  // destroys what is left of the sessions
}

void Server::bind(const Settings& settings) {
  for (const auto& cfg : settings.listeners) {
    const std::string address = to_string(cfg.address);
    if (!cfg.address.ip) throw std::runtime_error("bad listen address " + address);
    tcp::endpoint ep = to_tcp(cfg.address);
    // Port 0 (tests): the first acceptor picks it, the others share it.
    for (auto& loop : loops_) {
      auto l = std::make_unique<Listener>(cfg, *loop);
      if (l->cfg.name.empty()) l->cfg.name = std::string(to_string(cfg.mode));
      boost::system::error_code ec;
      l->acceptor.open(ep.protocol(), ec);
      if (!ec) l->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec && loops_.size() > 1) {
        int one = 1;
        if (::setsockopt(l->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
            0) {
          ec = boost::system::error_code(errno, boost::system::system_category());
        }
      }
      if (!ec && ep.address().is_v6()) l->acceptor.set_option(asio::ip::v6_only(true), ec);
      if (!ec) l->acceptor.bind(ep, ec);
      if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) throw std::runtime_error("cannot listen on " + address + ": " + ec.message());
      auto local = l->acceptor.local_endpoint();
      ep.port(local.port());
      l->bound = (local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                          : local.address().to_string()) +
                 ":" + std::to_string(local.port());
      if (loop == loops_.front()) add_own_endpoint(upstreams_.own, local);
      listeners_.push_back(std::move(l));
    }
  }
  if (settings.admin_address && settings.admin_address->ip)
    add_own_endpoint(upstreams_.own, to_tcp(*settings.admin_address));
}

std::vector<std::string> Server::bound_addresses() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < listeners_.size(); i += loops_.size()) {
    out.push_back(listeners_[i]->bound + " (" + listeners_[i]->cfg.name + ")");
  }
  return out;
}

void Server::start() {
  for (auto& l : listeners_) {
    asio::co_spawn(*l->loop, accept_loop(*l), asio::detached);
  }
  for (auto& loop : loops_) {
    unsigned per_loop = model_ == EventModel::shared_pool ? threads_ : 1;
    for (unsigned i = 0; i < per_loop; ++i) {
      pool_.emplace_back([ctx = loop.get()] {
        auto guard = asio::make_work_guard(*ctx);
        for (;;) {
          try {
            ctx->run();
            return;
          } catch (const std::exception& e) {
            // A bug in one session must not take the process down.
            log(LogLevel::error, "event loop: %s", e.what());
          }
        }
      });
    }
  }
}

void Server::stop_accepting() {
  for (auto& l : listeners_) {
    asio::post(*l->loop, [lp = l.get()] {
      boost::system::error_code ec;
      lp->acceptor.close(ec);
    });
  }
}

void Server::stop() {
  for (auto& loop : loops_) loop->stop();
}

void Server::wait() {
  for (auto& t : pool_) {
    if (t.joinable()) t.join();
  }
  pool_.clear();
}

asio::awaitable<void> Server::accept_loop(Listener& l) {
  auto backoff = 10ms;
  std::int64_t last_log = 0;
  for (;;) {
    boost::system::error_code ec;
    auto exec = model_ == EventModel::shared_pool
                    ? asio::any_io_executor(asio::make_strand(*l.loop))
                    : asio::any_io_executor(l.loop->get_executor());
    tcp::socket sock =
        co_await l.acceptor.async_accept(exec, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !l.acceptor.is_open()) co_return;
    if (ec) {
      if (ec.value() == EMFILE || ec.value() == ENFILE || ec.value() == ENOBUFS ||
          ec.value() == ENOMEM) {
        // Out of descriptors: pause instead of spinning on a ready listener.
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
        if (now != last_log) {
          log(LogLevel::error, "accept on %s: %s; backing off", l.bound.c_str(),
              ec.message().c_str());
          last_log = now;
        }
        asio::steady_timer t(l.acceptor.get_executor(), backoff);
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1000ms);
      }
      continue;
    }
    backoff = 10ms;
    auto ex = sock.get_executor();
    asio::co_spawn(ex, admit(l, std::move(sock)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        log(LogLevel::error, "session: %s", x.what());
      }
    });
  }
}

// The admission steps run in a coroutine of their own: its frame (records
// and rule snapshots for the refusals) is freed before the session starts,
// so a long-lived connection (an idle tunnel) does not carry it.
asio::awaitable<void> Server::admit(Listener& l, tcp::socket sock) {
  Connection c{std::move(sock), {}, {}, {}, nullptr, this};
  if (!co_await prepare(l, c)) co_return;

  struct Opened {
    Metrics& m;
    explicit Opened(Metrics& mm) : m(mm) { m.connection_opened(); }
    ~Opened() { m.connection_closed(); }
  } opened(rt_.metrics);

  c.live = std::make_shared<LiveConnection>();
  c.live->executor = c.socket.get_executor();
  c.ticket.attach(c.live);
  const SessionHandler* h = &handlers_.forward;
  if (l.cfg.mode == Mode::transparent_tls) h = &handlers_.transparent_tls;
  if (l.cfg.mode == Mode::transparent_http) h = &handlers_.transparent_http;
  if (*h) co_await (*h)(std::move(c));
}

asio::awaitable<bool> Server::prepare(Listener& l, Connection& c) {
  boost::system::error_code ec;
  auto remote = c.socket.remote_endpoint(ec);
  if (ec) co_return false;
  c.socket.set_option(tcp::no_delay(true), ec);
  c.info.client = to_ip(remote.address());
  c.info.client_port = remote.port();
  c.info.client_text = endpoint_text(c.info.client, c.info.client_port);
  c.info.mode = l.cfg.mode;
  c.info.listener = l.cfg.name;

  auto settings = rt_.settings.load();
  auto rules = rt_.rules.load();
  if (l.cfg.proxy_protocol &&
      !co_await read_proxy_header(c.socket, c.info, c.prefix, settings->limits.header_timeout)) {
    // Missing or malformed PROXY header: closed without an answer, audited
    // as bad-request under the connecting peer's address (README "Running the proxy").
    // Named, not a temporary in the co_await: g++ 12 destroys brace-initialised
    // temporaries of a co_await expression twice (GCC PR 100611).
    const Refusal bad_header{Reason::bad_request, 0, false, {}, 0};
    co_await handlers_.refuse(c, bad_header);
    co_return false;
  }
  if (l.cfg.mode != Mode::forward) {
    auto dst = original_destination(c.socket.native_handle());
    if (!dst) {
      log(LogLevel::warning, "%s: no original destination for %s (not redirected?)",
          l.cfg.name.c_str(), c.info.client_text.c_str());
      co_return false;
    }
    c.info.has_original_dst = true;
    c.info.original_dst = dst->first;
    c.info.original_port = dst->second;
    // Transparent listeners cannot show a page: audit the refusal and close.
    if (rules && !rules->clients_allow.lookup(c.info.client)) {
      const Refusal not_allowed{Reason::client_not_allowed, 0, false,
                                c.info.original_dst.to_string(), c.info.original_port};
      co_await handlers_.refuse(c, not_allowed);
      co_return false;
    }
  }

  auto admission = tracker_.admit(c.info.client, settings->limits, c.ticket);
  if (admission != Admission::ok) {
    auto reason = admission == Admission::overloaded ? Reason::overloaded : Reason::client_limit;
    const Refusal over_limit{reason, 503, l.cfg.mode == Mode::forward, {}, 0};
    co_await handlers_.refuse(c, over_limit);
    c.socket.shutdown(tcp::socket::shutdown_both, ec);
    co_return false;
  }

  co_return true;
}

}  // namespace gh
