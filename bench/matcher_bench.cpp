// DomainMatcher on a deterministic list of 1,000,000 domains (SPEC §10):
// compile time, memory, and lookup time for hits, misses and deep subdomains.
//   build/bench/matcher_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "policy/domain_matcher.hpp"
#include "policy/host.hpp"

namespace {

constexpr std::size_t kDomains = 1'000'000;

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string label(std::uint64_t& s, int min, int max) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  int n = min + static_cast<int>(splitmix(s) % static_cast<std::uint64_t>(max - min + 1));
  std::string out;
  for (int i = 0; i < n; ++i) out += kChars[splitmix(s) % 36];
  return out;
}

// Same generator idea as bench/gen_domains.py: registrable names under common TLDs.
std::vector<std::string> make_domains(std::size_t n, std::uint64_t seed) {
  static const char* kTlds[] = {"com", "net", "org",  "io",  "co.uk",
                                "de",  "cn",  "info", "xyz", "gov.hk"};
  std::vector<std::string> v;
  v.reserve(n);
  std::uint64_t s = seed;
  for (std::size_t i = 0; i < n; ++i) {
    std::string d = label(s, 4, 14) + "." + kTlds[splitmix(s) % 10];
    if (splitmix(s) % 4 == 0) d = label(s, 2, 8) + "." + d;
    v.push_back(std::move(d));
  }
  return v;
}

struct Fixture {
  std::vector<std::string> domains = make_domains(kDomains, 42);
  gh::DomainMatcher matcher;
  double build_seconds = 0;
  Fixture() {
    auto t0 = std::chrono::steady_clock::now();
    gh::DomainMatcher::Builder b;
    b.reserve(domains.size());
    for (std::size_t i = 0; i < domains.size(); ++i)
      b.add(domains[i], i % 3 != 0, static_cast<std::uint32_t>(i));
    matcher = std::move(b).build();
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_Compile1M(benchmark::State& state) {
  auto domains = make_domains(kDomains, 42);
  for (auto _ : state) {
    gh::DomainMatcher::Builder b;
    b.reserve(domains.size());
    for (std::size_t i = 0; i < domains.size(); ++i)
      b.add(domains[i], i % 3 != 0, static_cast<std::uint32_t>(i));
    auto m = std::move(b).build();
    state.counters["MiB"] = static_cast<double>(m.memory_bytes()) / (1 << 20);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_Compile1M)->Unit(benchmark::kMillisecond)->Iterations(3);

// Canonicalisation + lookup, the whole per-request cost of classifying a host.
void BM_CanonicalizeAndLookup(benchmark::State& state) {
  auto& f = fixture();
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < 4096; ++i) hosts.push_back("WWW." + f.domains[i * 241]);
  std::string buf;
  buf.reserve(256);
  std::size_t i = 0;
  for (auto _ : state) {
    gh::canonicalize_host(hosts[i++ & 4095], buf);
    benchmark::DoNotOptimize(f.matcher.lookup(buf));
  }
}
BENCHMARK(BM_CanonicalizeAndLookup);

// The hosts are packed into one buffer and walked in order, as a proxy's just
// parsed Host header would be in cache: the time measured is the matcher's.
void run_lookups(benchmark::State& state, const std::vector<std::string>& hosts) {
  auto& f = fixture();
  std::string packed;
  std::vector<std::string_view> views;
  for (const auto& h : hosts) packed += h;
  std::size_t at = 0;
  for (const auto& h : hosts) {
    views.emplace_back(packed.data() + at, h.size());
    at += h.size();
  }
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto hit = f.matcher.lookup(views[i++ & (views.size() - 1)]);
    found += hit.has_value();
    benchmark::DoNotOptimize(hit);
  }
  state.counters["hit_ratio"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}

void BM_LookupHit(benchmark::State& state) {
  auto& f = fixture();
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < 65536; ++i) hosts.push_back(f.domains[(i * 7919) % kDomains]);
  run_lookups(state, hosts);
}
BENCHMARK(BM_LookupHit);

void BM_LookupMiss(benchmark::State& state) {
  auto misses = make_domains(65536, 7);  // other seed: not in the list
  for (auto& m : misses) m = "www." + m;
  run_lookups(state, misses);
}
BENCHMARK(BM_LookupMiss);

void BM_LookupDeepSubdomain(benchmark::State& state) {
  auto& f = fixture();
  std::vector<std::string> hosts;
  std::uint64_t s = 3;
  for (std::size_t i = 0; i < 65536; ++i) {
    // 6 labels: 3 or 4 random ones in front of a listed name (hit when its rule is a suffix)
    std::string h = f.domains[(i * 104729) % kDomains];
    while (std::count(h.begin(), h.end(), '.') < 5) h = label(s, 3, 8) + "." + h;
    hosts.push_back(h);
  }
  run_lookups(state, hosts);
}
BENCHMARK(BM_LookupDeepSubdomain);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  auto& f = fixture();
  std::printf("matcher: %zu rules, built in %.3f s, %.1f MiB\n", f.matcher.size(), f.build_seconds,
              static_cast<double>(f.matcher.memory_bytes()) / (1 << 20));
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
