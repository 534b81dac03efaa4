// Leaf minting (README "HTTPS interception"; target: a cold mint <= 1 ms of CPU with an
// EC CA). Test CAs are made at start; nothing is read from or written to disk.
//   build/bench/mint_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>

#include "tls/leaf_cache.hpp"
#include "tls/leaf_minter.hpp"
#include "unit/tls/test_ca.hpp"

namespace {

using namespace gh;

// A new host every iteration: every mint is cold (key generation excluded: it is per process).
void BM_ColdMint(benchmark::State& state) {
  auto ca = test::make_ca(test::CaOptions{.rsa = state.range(0) != 0});
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  std::uint64_t n = 0;
  const TimePoint now = Clock::now();
  for (auto _ : state) {
    auto leaf = minter.mint("host" + std::to_string(++n) + ".example.org", now);
    benchmark::DoNotOptimize(leaf);
  }
  state.SetLabel(state.range(0) ? "RSA-2048 CA" : "EC P-256 CA");
}
BENCHMARK(BM_ColdMint)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The block-page path on a cached host: a cache lookup.
void BM_CacheHit(benchmark::State& state) {
  auto ca = test::make_ca();
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  InterceptMetrics m;
  LeafCache cache(minter, 10'000, m);
  const TimePoint now = Clock::now();
  cache.get("web.whatsapp.com", now);
  for (auto _ : state) benchmark::DoNotOptimize(cache.get("web.whatsapp.com", now));
}
BENCHMARK(BM_CacheHit);

}  // namespace

BENCHMARK_MAIN();
