// Name resolution for connect_upstream (docs/resolver.md). In order:
//   1. the hosts file (resolver.hosts_file), and `localhost` names (RFC 6761),
//      answered at once: they never wait behind DNS;
//   2. the cache: a name's addresses for their TTL, "no such name" for
//      resolver.negative_ttl;
//   3. DNS through c-ares on the resolver thread (resolver_ares.hpp), at most
//      resolver.max_per_client lookups in flight per client address (over
//      it: `overloaded`, answered 503) and bounded by resolver.timeout.
// Steps 1 and 2 run on the caller's thread (answer_now); step 3 completes on
// the caller's executor. A lookup whose caller gives up (its deadline) is
// withdrawn from the resolver thread and its slot freed at once.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "net/resolver_ares.hpp"
#include "net/resolver_cache.hpp"
#include "net/resolver_hosts.hpp"
#include "net/resolver_limit.hpp"
#include "policy/ip_address.hpp"

namespace gh {

enum class ResolveStatus : unsigned char { ok, unresolvable, timeout, overloaded };

struct ResolveResult {
  ResolveStatus status = ResolveStatus::unresolvable;
  std::vector<IpAddress> addresses;
};

class Resolver {
 public:
  // Lookups in flight over all clients (a bound on the resolver's memory).
  static constexpr std::uint32_t kMaxInFlight = 4096;

  // Throws std::runtime_error when c-ares cannot be set up.
  explicit Resolver(const ResolverSettings& settings);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Hosts file, localhost or cache: the answer without waiting; nullopt
  // when DNS must be asked. `host` is canonical (lower case, no final dot).
  std::optional<ResolveResult> answer_now(std::string_view host);

  // Completes with void(ResolveResult) on the handler's executor, within
  // min(timeout, resolver.timeout). Does step 1-2 first as answer_now().
  template <class Token>
  auto async_resolve(std::string host, const IpAddress& client, Millis timeout, Token&& token) {
    return asio::async_initiate<Token, void(ResolveResult)>(
        [this, client, timeout](auto handler, std::string h) {
          auto ex = asio::get_associated_executor(handler);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          start(std::move(h), client, timeout, ex,
                [shared](ResolveResult r) { (*shared)(std::move(r)); });
        },
        token, std::move(host));
  }

  void stop();  // before the event loops go: completions are posted to them

  struct Stats {
    std::uint64_t hosts_answers, cache_answers, dns_queries, overloaded;
  };
  Stats stats() const noexcept;
  const LookupLimit& limit() const noexcept { return limit_; }
  const DnsCache& cache() const noexcept { return cache_; }

 private:
  void start(std::string host, const IpAddress& client, Millis timeout, asio::any_io_executor ex,
             std::function<void(ResolveResult)> cb);
  std::shared_ptr<const HostsTable> hosts();
  void on_answer(const std::string& name, const AresAnswer& a);

  const ResolverSettings settings_;
  DnsCache cache_;
  LookupLimit limit_;
  std::atomic<std::shared_ptr<const HostsTable>> hosts_;
  std::atomic<std::int64_t> hosts_checked_{0};  // steady ns of the last mtime check
  std::atomic<std::int64_t> hosts_mtime_{0};
  std::atomic<std::uint64_t> hosts_answers_{0}, cache_answers_{0}, overloaded_{0};
  AresEngine engine_;  // last: its thread calls on_answer() into the members above
};

}  // namespace gh
