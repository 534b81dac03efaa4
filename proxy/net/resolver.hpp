// Name resolution off the event loops. Asio's async_resolve runs every lookup
// on one private getaddrinfo thread, so one slow name would queue all others;
// here a bounded pool of threads runs lookups side by side and posts each
// result back to the asking session's executor. The lookup function is
// injectable so tests can make one name slow without a DNS server.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "policy/ip_address.hpp"

namespace gh {

enum class ResolveStatus : unsigned char { ok, unresolvable, timeout, overloaded };

struct ResolveResult {
  ResolveStatus status = ResolveStatus::unresolvable;
  std::vector<IpAddress> addresses;
};

class ResolverPool {
 public:
  // nullopt or empty = the name does not resolve.
  using Lookup = std::function<std::optional<std::vector<IpAddress>>(const std::string& host)>;

  // `max_queue`: lookups waiting for a thread beyond this are refused
  // (overloaded) rather than piling up without bound.
  ResolverPool(std::size_t threads, std::size_t max_queue, Lookup lookup = system_lookup);
  ~ResolverPool();
  ResolverPool(const ResolverPool&) = delete;
  ResolverPool& operator=(const ResolverPool&) = delete;

  // getaddrinfo(3), both families.
  static std::optional<std::vector<IpAddress>> system_lookup(const std::string& host);

  // Completes with void(ResolveResult) on the handler's executor; `timeout`
  // bounds the wait (status timeout), the lookup itself runs on regardless.
  template <class Token>
  auto async_resolve(std::string host, Millis timeout, Token&& token) {
    return asio::async_initiate<Token, void(ResolveResult)>(
        [this, timeout](auto handler, std::string h) {
          auto ex = asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          start(std::move(h), timeout, ex, [shared](ResolveResult r) { (*shared)(std::move(r)); });
        },
        token, std::move(host));
  }

  void stop();
  std::size_t queued() const;

 private:
  struct Job {
    std::string host;
    std::function<void(std::optional<std::vector<IpAddress>>)> done;
  };
  void start(std::string host, Millis timeout, asio::any_io_executor ex,
             std::function<void(ResolveResult)> cb);
  void run();

  Lookup lookup_;
  std::size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace gh
