// Resolver throughput (issue 10 class 6): lookups/s through the Resolver
// against the fake DNS server of the unit tests (127.0.0.1, UDP), cache hit
// versus miss.
//
//   resolver_bench [--lookups N] [--in-flight W] [--runs R]
//
// miss:  N distinct names, W in flight at a time from one event loop, cache
//        off: every lookup is a c-ares query (A + AAAA) to the fake server
//        and back through the resolver thread;
// hit:   N lookups of one cached name via answer_now() (what connect_upstream
//        does first), on the caller's thread;
// hosts: the same for a name in the hosts file.
// Prints the median of R runs with min and max.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "net/resolver.hpp"
#include "unit/net/fake_dns.hpp"

namespace {

namespace asio = gh::asio;

using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  int lookups = 20000;
  int in_flight = 64;
  int runs = 5;
};

double seconds_since(Steady::time_point t0) {
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

// W workers on one io_context, each resolving its share of distinct names.
double run_miss(const gh::ResolverSettings& s, const Options& o, int run) {
  gh::Resolver r(s);
  asio::io_context ioc(1);
  int next = 0, ok = 0;
  const gh::IpAddress client = gh::IpAddress::v4(0x0a000001);
  const auto t0 = Steady::now();
  for (int w = 0; w < o.in_flight; ++w) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          while (next < o.lookups) {
            std::string name = "n" + std::to_string(run) + "x" + std::to_string(next++) + ".test";
            auto res = co_await r.async_resolve(name, client, 5000ms, asio::use_awaitable);
            ok += res.status == gh::ResolveStatus::ok;
          }
        },
        asio::detached);
  }
  ioc.run();
  const double secs = seconds_since(t0);
  if (ok != o.lookups) std::fprintf(stderr, "miss: only %d of %d resolved\n", ok, o.lookups);
  return o.lookups / secs;
}

double run_now(gh::Resolver& r, const char* name, const Options& o) {
  int ok = 0;
  const auto t0 = Steady::now();
  for (int i = 0; i < o.lookups * 10; ++i) ok += r.answer_now(name).has_value();
  const double secs = seconds_since(t0);
  if (ok != o.lookups * 10) std::fprintf(stderr, "%s: only %d answered\n", name, ok);
  return o.lookups * 10 / secs;
}

void report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-6s %12.0f lookups/s  (min %.0f, max %.0f, %zu runs)\n", what, v[v.size() / 2],
              v.front(), v.back(), v.size());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--lookups"))
      o.lookups = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--in-flight"))
      o.in_flight = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--runs"))
      o.runs = std::atoi(argv[i + 1]);
  }
  gh::test::FakeDns dns;
  const std::string hosts =
      (std::filesystem::temp_directory_path() / "gh-resolver-bench-hosts").string();
  std::ofstream(hosts) << "192.0.2.1 listed.test\n";

  gh::ResolverSettings s;
  s.servers = {dns.server()};
  s.hosts_file = hosts;
  s.max_per_client = static_cast<std::uint32_t>(o.in_flight);
  s.cache_size = 0;
  std::vector<double> miss, hit, listed;
  for (int run = 0; run < o.runs; ++run) miss.push_back(run_miss(s, o, run));

  s.cache_size = 10'000;
  gh::Resolver r(s);
  {
    asio::io_context ioc(1);
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          co_await r.async_resolve("cached.test", gh::IpAddress::v4(1), 5000ms,
                                   asio::use_awaitable);
        },
        asio::detached);
    ioc.run();
  }
  for (int run = 0; run < o.runs; ++run) hit.push_back(run_now(r, "cached.test", o));
  for (int run = 0; run < o.runs; ++run) listed.push_back(run_now(r, "listed.test", o));
  std::printf("resolver_bench: %d lookups per run, %d in flight (miss)\n", o.lookups, o.in_flight);
  report("miss", miss);
  report("hit", hit);
  report("hosts", listed);
  std::filesystem::remove(hosts);
  return 0;
}
