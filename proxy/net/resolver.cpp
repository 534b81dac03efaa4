#include "net/resolver.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>

namespace gh {

ResolverPool::ResolverPool(std::size_t threads, std::size_t max_queue, Lookup lookup)
    : lookup_(std::move(lookup)), max_queue_(max_queue) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ResolverPool::~ResolverPool() { stop(); }

void ResolverPool::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

std::size_t ResolverPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::optional<std::vector<IpAddress>> ResolverPool::system_lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
  std::vector<IpAddress> out;
  for (auto* p = res; p; p = p->ai_next) {
    IpAddress a;
    if (p->ai_family == AF_INET) {
      auto* sin = reinterpret_cast<const sockaddr_in*>(p->ai_addr);
      a = IpAddress::v4(ntohl(sin->sin_addr.s_addr));
    } else if (p->ai_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<const sockaddr_in6*>(p->ai_addr);
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      a = IpAddress::v6(b);
    } else {
      continue;
    }
    bool dup = false;
    for (auto& x : out) dup = dup || x == a;
    if (!dup) out.push_back(a);
  }
  freeaddrinfo(res);
  return out;
}

void ResolverPool::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.done(lookup_(job.host));
  }
}

void ResolverPool::start(std::string host, Millis timeout, asio::any_io_executor ex,
                         std::function<void(ResolveResult)> cb) {
  // Whichever of lookup and timer completes first delivers; both run on `ex`.
  struct State {
    explicit State(asio::any_io_executor e) : timer(e) {}
    asio::steady_timer timer;
    bool finished = false;
    std::function<void(ResolveResult)> cb;
  };
  auto st = std::make_shared<State>(ex);
  st->cb = std::move(cb);
  auto finish = [st](ResolveResult r) {
    if (st->finished) return;
    st->finished = true;
    st->timer.cancel();
    auto cb = std::move(st->cb);
    cb(std::move(r));
  };

  bool accepted = false;
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < max_queue_) {
      queue_.push_back(
          Job{std::move(host), [ex, finish](std::optional<std::vector<IpAddress>> a) {
                ResolveResult r;
                if (a && !a->empty()) {
                  r.status = ResolveStatus::ok;
                  r.addresses = std::move(*a);
                }
                asio::post(ex, [finish, r = std::move(r)]() mutable { finish(std::move(r)); });
              }});
      accepted = true;
    }
  }
  if (!accepted) {
    asio::post(ex, [finish] { finish(ResolveResult{ResolveStatus::overloaded, {}}); });
    return;
  }
  cv_.notify_one();
  st->timer.expires_after(timeout);
  st->timer.async_wait([finish](const boost::system::error_code& ec) {
    if (!ec) finish(ResolveResult{ResolveStatus::timeout, {}});
  });
}

}  // namespace gh
