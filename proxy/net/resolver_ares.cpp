#include "net/resolver_ares.hpp"

#include <ares.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "base/log.hpp"

namespace gh {
namespace {

std::once_flag g_ares_init;

AresAnswer::Status status_of(int code) {
  switch (code) {
    case ARES_SUCCESS:
      return AresAnswer::Status::ok;
    case ARES_ENOTFOUND:
    case ARES_ENODATA:
    case ARES_ENONAME:
      return AresAnswer::Status::no_such_name;
    case ARES_ETIMEOUT:
      return AresAnswer::Status::timeout;
    default:
      return AresAnswer::Status::failed;
  }
}

IpAddress from_sockaddr(const sockaddr* sa, bool& ok) {
  ok = true;
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    return IpAddress::v4(ntohl(sin->sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), &sin6->sin6_addr, 16);
    return IpAddress::v6(b);
  }
  ok = false;
  return {};
}

}  // namespace

struct AresEngine::Impl {
  struct Watch {
    Watch(asio::io_context& c, int fd) : sd(c, fd) {}
    asio::posix::stream_descriptor sd;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool gone = false;
  };
  struct Waiter {
    std::uint64_t id;
    Callback done;
  };
  struct Query {  // what c-ares hands back to on_addrinfo
    Impl* impl;
    std::string name;
  };

  AresEngine& owner;
  asio::io_context ioc{1};
  ares_channel channel = nullptr;
  asio::steady_timer timer{ioc};
  std::unordered_map<int, std::shared_ptr<Watch>> watches;
  std::unordered_map<std::string, std::vector<Waiter>> in_flight;  // name -> waiters (may be none)
  std::size_t waiting = 0;                                         // waiters over all names
  bool stopped = false;

  explicit Impl(AresEngine& o) : owner(o) {}

  static void sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Impl*>(data);
    auto it = self->watches.find(fd);
    if (!readable && !writable) {
      if (it == self->watches.end()) return;
      it->second->gone = true;
      it->second->sd.release();  // c-ares closes the descriptor itself
      self->watches.erase(it);
      return;
    }
    if (it == self->watches.end())
      it = self->watches.emplace(fd, std::make_shared<Watch>(self->ioc, fd)).first;
    it->second->want_read = readable != 0;
    it->second->want_write = writable != 0;
    self->arm(it->second, fd);
  }

  // Process `fd` and keep going while it stays readable: c-ares may leave a
  // TCP answer half read, and the reactor reports only new readiness.
  void process(const std::shared_ptr<Watch>& w, int fd, bool read, bool write) {
    ares_process_fd(channel, read ? fd : ARES_SOCKET_BAD, write ? fd : ARES_SOCKET_BAD);
    for (int i = 0; i < 16 && !w->gone && w->want_read; ++i) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) break;
      ares_process_fd(channel, fd, ARES_SOCKET_BAD);
    }
  }

  void arm(const std::shared_ptr<Watch>& w, int fd) {
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->sd.async_wait(asio::posix::descriptor_base::wait_read,
                       [this, w, fd](const boost::system::error_code& ec) {
                         w->reading = false;
                         if (w->gone || stopped || ec == asio::error::operation_aborted) return;
                         process(w, fd, true, false);
                         if (!w->gone) arm(w, fd);
                         rearm_timer();
                       });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->sd.async_wait(asio::posix::descriptor_base::wait_write,
                       [this, w, fd](const boost::system::error_code& ec) {
                         w->writing = false;
                         if (w->gone || stopped || ec == asio::error::operation_aborted) return;
                         process(w, fd, false, true);
                         if (!w->gone) arm(w, fd);
                         rearm_timer();
                       });
    }
  }

  // c-ares's next retransmission or timeout, if any query is pending.
  void rearm_timer() {
    timeval tv{};
    timeval* next = ares_timeout(channel, nullptr, &tv);
    if (!next) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(next->tv_sec) +
                        std::chrono::microseconds(next->tv_usec));
    timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped) return;
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      rearm_timer();
    });
  }

  static void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
    std::unique_ptr<Query> q(static_cast<Query*>(arg));
    AresAnswer a;
    a.status = status_of(status);
    if (status == ARES_SUCCESS && res) {
      int ttl = -1;
      for (const ares_addrinfo_node* n = res->nodes; n; n = n->ai_next) {
        bool ok = false;
        IpAddress ip = from_sockaddr(n->ai_addr, ok);
        if (!ok) continue;
        if (std::find(a.addresses.begin(), a.addresses.end(), ip) == a.addresses.end())
          a.addresses.push_back(ip);
        ttl = ttl < 0 ? n->ai_ttl : std::min(ttl, n->ai_ttl);
      }
      a.ttl = std::chrono::seconds(std::max(ttl, 0));
      if (a.addresses.empty()) a.status = AresAnswer::Status::no_such_name;
    }
    if (res) ares_freeaddrinfo(res);
    q->impl->complete(q->name, a);
  }

  void begin(std::string name, std::uint64_t id, Callback done) {
    if (stopped) {
      done(AresAnswer{AresAnswer::Status::failed, {}, {}});
      return;
    }
    auto [it, fresh] = in_flight.try_emplace(name);
    it->second.push_back(Waiter{id, std::move(done)});
    ++waiting;
    if (!fresh) return;  // shares the query already on its way
    ++owner.queries_sent_;
    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = ARES_AI_NOSORT;  // keep the server's order; the guard filters anyway
    ares_getaddrinfo(channel, name.c_str(), nullptr, &hints, &Impl::on_addrinfo,
                     new Query{this, name});
    rearm_timer();
  }

  void complete(const std::string& name, const AresAnswer& a) {
    auto it = in_flight.find(name);
    if (it == in_flight.end()) return;
    std::vector<Waiter> waiters = std::move(it->second);
    in_flight.erase(it);
    waiting -= waiters.size();
    if (owner.on_answer_) owner.on_answer_(name, a);
    for (Waiter& w : waiters) w.done(a);
  }

  void withdraw(const std::string& name, std::uint64_t id) {
    auto it = in_flight.find(name);
    if (it == in_flight.end()) return;
    auto& ws = it->second;
    auto w = std::find_if(ws.begin(), ws.end(), [id](const Waiter& x) { return x.id == id; });
    if (w == ws.end()) return;
    ws.erase(w);
    --waiting;
    // Nobody waits for anything: end the abandoned queries now. Their
    // callbacks run inside ares_cancel with ARES_ECANCELLED (not cached).
    if (waiting == 0) ares_cancel(channel);
  }
};

AresEngine::AresEngine(const ResolverSettings& s) : impl_(std::make_unique<Impl>(*this)) {
  std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  ares_options opt{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS | ARES_OPT_TIMEOUTMS |
             ARES_OPT_TRIES;
  opt.sock_state_cb = &Impl::sock_state;
  opt.sock_state_cb_data = impl_.get();
  // DNS only: the hosts file is answered before a lookup gets here.
  static char kLookups[] = "b";
  opt.lookups = kLookups;
  // No search domains (like Squid's dns_defnames off): a proxy resolves the
  // names clients send, not names completed with the proxy's own domain.
  opt.domains = nullptr;
  opt.ndomains = 0;
  // Two tries, the second with twice the wait (c-ares backs off), together
  // about `timeout`; the Resolver's own deadline is the hard bound.
  opt.timeout = static_cast<int>(std::max<long long>(100, s.timeout.count() / 3));
  opt.tries = 2;
  if (int rc = ares_init_options(&impl_->channel, &opt, mask); rc != ARES_SUCCESS)
    throw std::runtime_error(std::string("resolver: ") + ares_strerror(rc));
  if (!s.servers.empty()) {
    std::string csv;
    for (const std::string& srv : s.servers) csv += (csv.empty() ? "" : ",") + srv;
    if (int rc = ares_set_servers_ports_csv(impl_->channel, csv.c_str()); rc != ARES_SUCCESS) {
      ares_destroy(impl_->channel);
      impl_->channel = nullptr;
      throw std::runtime_error("resolver: bad servers '" + csv + "': " + ares_strerror(rc));
    }
  }
  thread_ = std::thread([this] { run(); });
}

AresEngine::~AresEngine() { stop(); }

void AresEngine::run() {
  auto guard = asio::make_work_guard(impl_->ioc);
  for (;;) {
    try {
      impl_->ioc.run();
      return;
    } catch (const std::exception& e) {
      log(LogLevel::error, "resolver: %s", e.what());
    }
  }
}

std::uint64_t AresEngine::start(std::string name, Callback done) {
  const std::uint64_t id = next_id_++;
  asio::post(impl_->ioc, [this, id, n = std::move(name), d = std::move(done)]() mutable {
    impl_->begin(std::move(n), id, std::move(d));
  });
  return id;
}

void AresEngine::withdraw(const std::string& name, std::uint64_t id) {
  asio::post(impl_->ioc, [this, name, id] { impl_->withdraw(name, id); });
}

void AresEngine::stop() {
  if (!thread_.joinable()) return;
  // On the resolver thread: fail what is pending (callbacks run inside
  // ares_destroy with ARES_EDESTRUCTION), then let run() return.
  asio::post(impl_->ioc, [this] {
    impl_->stopped = true;
    impl_->timer.cancel();
    ares_destroy(impl_->channel);
    impl_->channel = nullptr;
    for (auto& [fd, w] : impl_->watches) {
      w->gone = true;
      w->sd.release();
    }
    impl_->watches.clear();
    impl_->ioc.stop();
  });
  thread_.join();
  // Run the aborted waits and timer handlers left behind, so that none
  // outlives the io_context that owns their descriptors.
  impl_->ioc.restart();
  impl_->ioc.poll();
}

}  // namespace gh
