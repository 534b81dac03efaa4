// The cost of v2fly `regexp:` and `keyword:` lines (README "Rule files"): decide() on a
// host that no domain rule names, with 0..1000 host patterns in the RE2::Set,
// next to a domain hit (which never reaches the patterns). The feed has
// 100,000 domain lines; the patterns are the realistic share of a v2fly
// feed (well under 1% of its lines are regexp:/keyword:) and then 10x that.
//   build/bench/host_patterns_bench --benchmark_repetitions=3
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "policy/decide.hpp"

using namespace gh;

namespace {

constexpr std::size_t kDomains = 100'000;

std::string name_of(std::size_t i) {
  return "site" + std::to_string(i * 7919 % 1'000'003) + ".example";
}

// One category (block), kDomains suffix rules, `patterns` host patterns:
// half regexes in the shape v2fly feeds use, half keywords.
RuleSet make_rules(std::size_t patterns) {
  RuleSet r;
  r.files = {"feed"};
  r.categories = {{"feed", "Feed", Verdict::block}};
  r.sources = {RuleSource{0, 0, kNone}};
  r.clients_allow.insert(*Cidr::parse("127.0.0.0/8"), 0);
  DomainMatcher::Builder b;
  b.reserve(kDomains);
  for (std::size_t i = 0; i < kDomains; ++i) {
    r.entries.push_back(RuleEntry{0, static_cast<std::uint32_t>(i + 1)});
    b.add(name_of(i), true, static_cast<std::uint32_t>(i));
  }
  r.domains = std::move(b).build();
  std::string err;
  for (std::size_t i = 0; i < patterns; ++i) {
    const auto entry = static_cast<std::uint32_t>(r.entries.size());
    r.entries.push_back(RuleEntry{0, static_cast<std::uint32_t>(kDomains + i + 1)});
    const std::string n = std::to_string(i);
    if (i % 2 == 0)
      r.host_patterns.add_regex("^(.+\\.)?dl[0-9]+\\.vendor" + n + "\\.(com|net)$", entry, &err);
    else
      r.host_patterns.add_keyword("vendor" + n + "drive", entry, &err);
  }
  r.host_patterns.compile();
  return r;
}

Request connect_to(std::string_view host) {
  Request q;
  q.client = *IpAddress::parse("127.0.0.1");
  q.connect = true;
  q.method = "CONNECT";
  q.host = host;
  q.port = 443;
  return q;
}

const TimePoint kNow{};

// A miss in the domain table: the patterns are asked (and miss too).
void BM_DomainMiss(benchmark::State& state) {
  const RuleSet r = make_rules(static_cast<std::size_t>(state.range(0)));
  const std::string host = "www.uncategorized-news-portal.example.org";
  for (auto _ : state) benchmark::DoNotOptimize(decide(r, connect_to(host), kNow));
  state.counters["patterns"] = static_cast<double>(r.host_patterns.size());
}
BENCHMARK(BM_DomainMiss)->Arg(0)->Arg(10)->Arg(100)->Arg(1000);

// A host only a regex names.
void BM_RegexHit(benchmark::State& state) {
  const RuleSet r = make_rules(static_cast<std::size_t>(state.range(0)));
  const std::string host = "cdn.dl7.vendor0.com";
  for (auto _ : state) {
    Decision d = decide(r, connect_to(host), kNow);
    if (d.action != Action::block) state.SkipWithError("the regex did not match");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_RegexHit)->Arg(10)->Arg(100)->Arg(1000);

// A domain hit never reaches the patterns: its cost must not grow with them.
void BM_DomainHit(benchmark::State& state) {
  const RuleSet r = make_rules(static_cast<std::size_t>(state.range(0)));
  const std::string host = "www." + name_of(4242);
  for (auto _ : state) benchmark::DoNotOptimize(decide(r, connect_to(host), kNow));
}
BENCHMARK(BM_DomainHit)->Arg(0)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
