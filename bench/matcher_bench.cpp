// DomainMatcher against the matcher it replaced (bench/baseline_domain_matcher.*)
// on the same deterministic list of 1,000,000 domains in one run (bench/README.md,
// issue 17): compile time, bytes per rule, lookup time for hits, misses,
// six-label names and real host names, and the ratios old / new at the end,
// with this machine's memory latency (a pointer chase) for scale. On a shared
// machine, interleave the repetitions so a change of load touches old and new
// alike (docs/matcher.md, "Measured"):
//   build/bench/matcher_bench --benchmark_repetitions=9
//       --benchmark_enable_random_interleaving=true --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baseline_domain_matcher.hpp"
#include "policy/domain_matcher.hpp"
#include "policy/host.hpp"
#include "policy/huge_page_allocator.hpp"

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

// Host names as browsers send them (CDN shards, API and login hosts, 2 to 6
// labels). The registrable domains of every other one are added as suffix
// rules, so about half of these lookups are hits.
const char* const kRealHosts[] = {
    "www.google.com",
    "accounts.google.com",
    "mail.google.com",
    "drive.google.com",
    "docs.google.com",
    "fonts.gstatic.com",
    "www.gstatic.com",
    "lh3.googleusercontent.com",
    "rr3---sn-4g5e6nsz.googlevideo.com",
    "i.ytimg.com",
    "www.youtube.com",
    "www.facebook.com",
    "static.xx.fbcdn.net",
    "scontent-fra5-1.xx.fbcdn.net",
    "graph.facebook.com",
    "www.instagram.com",
    "web.whatsapp.com",
    "mmg.whatsapp.net",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "teams.microsoft.com",
    "statics.teams.cdn.office.net",
    "onedrive.live.com",
    "api.onedrive.com",
    "www.dropbox.com",
    "dl.dropboxusercontent.com",
    "uc0a1b2c3.dl.dropboxusercontent.com",
    "wetransfer.com",
    "storage.googleapis.com",
    "s3.amazonaws.com",
    "mybucket.s3.eu-west-1.amazonaws.com",
    "d1a2b3c4d5e6f7.cloudfront.net",
    "www.amazon.co.uk",
    "images-eu.ssl-images-amazon.com",
    "m.media-amazon.com",
    "www.bbc.co.uk",
    "static.files.bbci.co.uk",
    "www.theguardian.com",
    "i.guim.co.uk",
    "en.wikipedia.org",
    "upload.wikimedia.org",
    "github.com",
    "api.github.com",
    "objects.githubusercontent.com",
    "raw.githubusercontent.com",
    "registry.npmjs.org",
    "pypi.org",
    "files.pythonhosted.org",
    "deb.debian.org",
    "security.debian.org",
    "www.reddit.com",
    "i.redd.it",
    "preview.redd.it",
    "twitter.com",
    "abs.twimg.com",
    "pbs.twimg.com",
    "www.linkedin.com",
    "media.licdn.com",
    "slack.com",
    "app.slack.com",
    "files.slack.com",
    "zoom.us",
    "us02web.zoom.us",
    "web.telegram.org",
    "mega.nz",
    "g.api.mega.co.nz",
    "www.icloud.com",
    "p123-caldav.icloud.com",
    "www.apple.com",
    "mask.icloud.com",
    "www.baidu.com",
    "pan.baidu.com",
    "wx.qq.com",
    "mail.qq.com",
    "www.weibo.com",
    "www.yahoo.co.jp",
    "s.yimg.jp",
    "www.naver.com",
    "ssl.pstatic.net",
    "vk.com",
    "sun9-12.userapi.com",
    "www.bing.com",
    "th.bing.com",
    "copilot.microsoft.com",
    "chat.openai.com",
    "cdn.oaistatic.com",
    "www.netflix.com",
    "occ-0-1234-56.1.nflxso.net",
    "www.spotify.com",
    "open.spotify.com",
    "i.scdn.co",
    "www.paypal.com",
    "www.paypalobjects.com",
    "ocsp.digicert.com",
    "crl3.digicert.com",
    "r3.o.lencr.org",
    "connectivitycheck.gstatic.com",
    "detectportal.firefox.com",
    "incoming.telemetry.mozilla.org",
    "update.googleapis.com",
};

std::string registrable(const std::string& host) {
  // Two labels, three under a two-letter second level (co.uk, co.jp, co.nz).
  std::size_t last = host.rfind('.');
  std::size_t second = host.rfind('.', last - 1);
  if (second == std::string::npos) return host;
  if (last - second <= 3 && host.size() - last == 3) {
    std::size_t third = host.rfind('.', second - 1);
    return third == std::string::npos ? host : host.substr(third + 1);
  }
  return host.substr(second + 1);
}

struct Rules {
  std::vector<std::string> domains = make_domains(kDomains, 42);
  std::vector<std::pair<std::string, bool>> extra;  // the real hosts' rules: (domain, suffix)
  Rules() {
    std::size_t i = 0;
    for (const char* h : kRealHosts)
      if (i++ % 2 == 0) extra.emplace_back(registrable(h), true);
    std::sort(extra.begin(), extra.end());
    extra.erase(std::unique(extra.begin(), extra.end()), extra.end());
  }
};

const Rules& rules() {
  static Rules r;
  return r;
}

template <typename Matcher>
Matcher compile(const Rules& r) {
  typename Matcher::Builder b;
  b.reserve(r.domains.size() + r.extra.size());
  for (std::size_t i = 0; i < r.domains.size(); ++i)
    b.add(r.domains[i], i % 3 != 0, static_cast<std::uint32_t>(i));
  for (std::size_t i = 0; i < r.extra.size(); ++i)
    b.add(r.extra[i].first, r.extra[i].second, static_cast<std::uint32_t>(kDomains + i));
  return std::move(b).build();
}

template <typename Matcher>
struct Fixture {
  Matcher matcher;
  double build_seconds = 0;
  Fixture() {
    auto t0 = std::chrono::steady_clock::now();
    matcher = compile<Matcher>(rules());
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

template <typename Matcher>
Fixture<Matcher>& fixture() {
  static Fixture<Matcher> f;
  return f;
}

// Hosts in each of the hit, miss and six-label sets: 65,536, or
// GH_MATCHER_HOSTS (a power of two, 1,024 to 4,194,304). At 65,536 a loop's
// lines (a few MiB) are about what this machine's last-level cache keeps, so
// part of them stay cached; at 1,048,576 almost none do, and every lookup
// goes to memory (bench/README.md, "Matcher").
std::size_t host_count() {
  const char* v = std::getenv("GH_MATCHER_HOSTS");
  if (!v) return 65536;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 1024 || n > (1u << 22) || (n & (n - 1)) != 0) {
    std::fprintf(stderr,
                 "matcher_bench: GH_MATCHER_HOSTS must be a power of two, 1024 to 4194304\n");
    std::exit(2);
  }
  return static_cast<std::size_t>(n);
}

// Host sets shared by both matchers (sizes: powers of two).
struct Hosts {
  std::vector<std::string> hit, miss, deep, real, shouting;
  Hosts() {
    const auto& d = rules().domains;
    const std::size_t count = host_count();
    for (std::size_t i = 0; i < count; ++i) hit.push_back(d[(i * 7919) % kDomains]);
    miss = make_domains(count, 7);  // other seed: not in the list
    for (auto& m : miss) m = "www." + m;
    std::uint64_t s = 3;
    for (std::size_t i = 0; i < count; ++i) {
      // 6 labels: 3 or 4 random ones in front of a listed name (hit when its rule is a suffix)
      std::string h = d[(i * 104729) % kDomains];
      while (std::count(h.begin(), h.end(), '.') < 5) h = label(s, 3, 8) + "." + h;
      deep.push_back(h);
    }
    constexpr std::size_t kReal = sizeof kRealHosts / sizeof kRealHosts[0];
    for (std::size_t i = 0; i < 65536; ++i) real.push_back(kRealHosts[splitmix(s) % kReal]);
    for (std::size_t i = 0; i < 4096; ++i) shouting.push_back("WWW." + d[i * 241]);
  }
};

const Hosts& hosts() {
  static Hosts h;
  return h;
}

template <typename Matcher>
void BM_Compile1M(benchmark::State& state) {
  const Rules& r = rules();
  for (auto _ : state) {
    auto m = compile<Matcher>(r);
    state.counters["MiB"] = static_cast<double>(m.memory_bytes()) / (1 << 20);
    state.counters["bytes_per_rule"] =
        static_cast<double>(m.memory_bytes()) / static_cast<double>(m.size());
    benchmark::DoNotOptimize(m);
  }
}

// The hosts packed into one buffer and walked in order. A proxy looks up the
// Host header it has just parsed, in its cache, and the time measured is
// meant to be the matcher's, so each host is fetched kAhead lookups before
// its own. Left to the hardware, the host's line was a cache miss before
// the matcher could start whenever the matcher read only part of the host:
// the new one reads a host from its end and stops at the deepest rule's
// label count, so with the 1M six-label hosts (37 MiB) the hardware
// prefetcher fell behind and a six-label lookup measured about 60 ns more
// than the matcher costs (docs/matcher.md, "Measured", tenth session).
class PackedHosts {
 public:
  explicit PackedHosts(const std::vector<std::string>& list) {
    for (const auto& h : list) packed_ += h;
    std::size_t at = 0;
    for (const auto& h : list) {
      views_.emplace_back(packed_.data() + at, h.size());
      at += h.size();
    }
  }
  // Host i (modulo the count, a power of two), and host i + kAhead fetched.
  std::string_view at(std::size_t i) const noexcept {
    const std::string_view ahead = views_[(i + kAhead) & (views_.size() - 1)];
    __builtin_prefetch(ahead.data());
    __builtin_prefetch(ahead.data() + ahead.size() - 1);
    return views_[i & (views_.size() - 1)];
  }

 private:
  static constexpr std::size_t kAhead = 16;
  std::string packed_;
  std::vector<std::string_view> views_;
};

template <typename Matcher>
void run_lookups(benchmark::State& state, const std::vector<std::string>& list) {
  const Matcher& m = fixture<Matcher>().matcher;
  const PackedHosts hosts(list);
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto hit = m.lookup(hosts.at(i++));
    found += hit.has_value();
    benchmark::DoNotOptimize(hit);
  }
  state.counters["hit_ratio"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}

volatile std::uint64_t g_zero = 0;  // run_dependent_lookups

// Each lookup's host depends on the result of the one before, so lookups
// cannot overlap: the latency a request pays, where the loops above measure
// throughput (a proxy does thousands of other instructions between two
// lookups, so one lookup's cache misses do not overlap the next one's).
template <typename Matcher>
void run_dependent_lookups(benchmark::State& state, const std::vector<std::string>& list) {
  const Matcher& m = fixture<Matcher>().matcher;
  const PackedHosts hosts(list);
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    auto hit = m.lookup(hosts.at(i));
    found += hit.has_value();
    // The step is always 1, but only once the result is known: a zero made
    // from it by an `and` with a volatile zero (which the compiler cannot
    // fold), so a miss waits for the one before as a hit does (a branch on
    // the result would be predicted, and the next lookup would not wait).
    const std::uint64_t zero = (hit ? hit->value ^ hit->length : 1) & g_zero;
    i += 1 + zero;
  }
  state.counters["hit_ratio"] =
      static_cast<double>(found) / static_cast<double>(state.iterations());
}

template <typename M>
void BM_LookupHitDependent(benchmark::State& s) {
  run_dependent_lookups<M>(s, hosts().hit);
}
template <typename M>
void BM_LookupMissDependent(benchmark::State& s) {
  run_dependent_lookups<M>(s, hosts().miss);
}
template <typename M>
void BM_LookupDeep6Dependent(benchmark::State& s) {
  run_dependent_lookups<M>(s, hosts().deep);
}

template <typename M>
void BM_LookupHit(benchmark::State& s) {
  run_lookups<M>(s, hosts().hit);
}
template <typename M>
void BM_LookupMiss(benchmark::State& s) {
  run_lookups<M>(s, hosts().miss);
}
template <typename M>
void BM_LookupDeep6(benchmark::State& s) {
  run_lookups<M>(s, hosts().deep);
}
template <typename M>
void BM_LookupRealNames(benchmark::State& s) {
  run_lookups<M>(s, hosts().real);
}

// Canonicalisation + lookup, the whole per-request cost of classifying a host.
template <typename Matcher>
void BM_CanonicalizeAndLookup(benchmark::State& state) {
  const Matcher& m = fixture<Matcher>().matcher;
  const auto& list = hosts().shouting;
  std::string buf;
  buf.reserve(256);
  std::size_t i = 0;
  for (auto _ : state) {
    gh::canonicalize_host(list[i++ & 4095], buf);
    benchmark::DoNotOptimize(m.lookup(buf));
  }
}

// One dependent load at a time through a random cycle of the 64-byte lines
// of a block of `mib` MiB in huge pages, as the matchers' tables are: this
// machine's memory latency, the floor under a lookup that misses the cache
// (a cold hit in the old table is two of these in a row, in the new one one).
void BM_PointerChase(benchmark::State& state, std::size_t mib) {
  const std::size_t lines = (mib << 20) / 64;
  std::vector<std::uint64_t, gh::HugePageAllocator<std::uint64_t>> mem(lines * 8, 0);
  std::vector<std::uint32_t> order(lines);
  for (std::size_t i = 0; i < lines; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::uint64_t seed = 9;
  for (std::size_t i = lines; i-- > 1;) std::swap(order[i], order[splitmix(seed) % (i + 1)]);
  for (std::size_t i = 0; i < lines; ++i) mem[order[i] * 8] = order[(i + 1) % lines] * 8;
  std::uint64_t at = order[0] * 8;
  for (auto _ : state) at = mem[at];
  benchmark::DoNotOptimize(at);
}

// 64 MiB of huge pages, shared by the loops below (filled once), and the
// first of k adjacent lines at a random place in it.
constexpr std::size_t kGroupLines = (std::size_t{64} << 20) / 64;
const std::uint64_t* group_block() {
  static const std::vector<std::uint64_t, gh::HugePageAllocator<std::uint64_t>> block(
      kGroupLines * 8, 1);
  return block.data();
}
std::size_t random_group(std::uint64_t& seed, std::size_t k) {
  return static_cast<std::size_t>(((splitmix(seed) >> 32) * (kGroupLines - k)) >> 32);
}

// Reads of k adjacent lines at random places, one group an iteration and
// each independent of the others: how fast this machine's memory serves a
// back-to-back loop of lookups that each fetch k lines, whatever their
// instructions (the new matcher fetches reach() lines from each live
// candidate's home; docs/matcher.md, "Measured", tenth session).
void BM_LineGroups(benchmark::State& state, std::size_t k) {
  const std::uint64_t* mem = group_block();
  std::uint64_t seed = 5, sum = 0;
  for (auto _ : state) {
    const std::size_t at = random_group(seed, k);
    for (std::size_t j = 0; j < k; ++j) sum += mem[(at + j) * 8];
  }
  benchmark::DoNotOptimize(sum);
}

// A lookup's shape without its logic: k adjacent lines at a random place
// prefetched, then `adds` additions that do not wait for them (8
// independent chains, kept in registers), then the first line read, as
// the new matcher prefetches a home's lines, codes the key and reads the
// home line. How fast a back-to-back loop of lookups of about that many
// instructions can run on this machine: the core overlaps one iteration's
// lines with the next's only as far as its window of instructions in
// flight reaches (docs/matcher.md, "Measured", twelfth session). With
// k = 0, the additions' own time; with k = 1 or 2, what a layout that
// fetched one or two lines a lookup would be held to at that many
// instructions (twenty-first session).
void BM_LinesAndWork(benchmark::State& state, std::size_t k, std::size_t adds) {
  const std::uint64_t* mem = group_block();
  std::uint64_t seed = 5, sum = 0;
  std::uint64_t a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0;
  for (auto _ : state) {
    const std::size_t at = random_group(seed, k);
    for (std::size_t j = 0; j < k; ++j) __builtin_prefetch(&mem[(at + j) * 8]);
#pragma GCC unroll 8
    for (std::size_t w = 0; w < adds / 8; ++w) {
      a += w, b += w, c += w, d += w, e += w, f += w, g += w, h += w;
      // Kept in registers, one add each, not merged into fewer.
      asm volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g), "+r"(h));
    }
    if (k > 0) sum += mem[at * 8];
  }
  benchmark::DoNotOptimize(sum + a + b + c + d + e + f + g + h);
}

#if defined(__x86_64__)
// Exactly n register additions (n a multiple of 8, at least 8), in 8 chains
// that start afresh, so they wait for nothing before them: written in
// assembly so that the count is the instructions the core runs.
template <int N>
[[gnu::always_inline]] inline void fresh_adds() {
  static_assert(N >= 8 && N % 8 == 0);
  asm volatile(
      "mov $1, %%r8\n\tmov $1, %%r9\n\tmov $1, %%r10\n\tmov $1, %%r11\n\t"
      "mov $1, %%r12\n\tmov $1, %%r13\n\tmov $1, %%r14\n\tmov $1, %%r15\n\t"
      ".rept %c0\n\t"
      "add $1, %%r8\n\tadd $1, %%r9\n\tadd $1, %%r10\n\tadd $1, %%r11\n\t"
      "add $1, %%r12\n\tadd $1, %%r13\n\tadd $1, %%r14\n\tadd $1, %%r15\n\t"
      ".endr" ::"i"(N / 8 - 1)
      : "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
}

// How much work may follow a read that misses the cache before the core
// stops taking in the next lookup's: 6 adjacent lines at a random place
// prefetched, 200 additions, the first line read, then `Waiting`
// additions that use it (4 chains that start from it), `Fresh` that do
// not, and `Nops` no-operations. Back to back, one iteration's lines overlap the next one's only
// if what comes between the read and the next iteration's prefetch (this,
// plus about 30 instructions of the loop's own: the random place, the
// branch) fits in what the core can hold while the read waits; past that
// the time jumps from about half a memory round trip to a whole one. The
// instructions that wait are held where they wait for their operands, a
// smaller place than the one that holds those that do not; no-operations,
// which write no register, show whether the limit is the count of
// instructions in flight or of the registers they write (docs/matcher.md,
// "Measured", fifteenth session; bench/lookup_trace.py counts a lookup's).
template <int Waiting, int Fresh, int Nops>
void BM_WorkAfterRead(benchmark::State& state) {
  static_assert(Waiting >= 8 && Waiting % 4 == 0);
  const std::uint64_t* mem = group_block();
  std::uint64_t seed = 5, sum = 0;
  for (auto _ : state) {
    const std::size_t at = random_group(seed, 6);
    for (std::size_t j = 0; j < 6; ++j) __builtin_prefetch(&mem[(at + j) * 8]);
    fresh_adds<200>();
    const std::uint64_t v = mem[at * 8];
    asm volatile(
        "mov %1, %%r8\n\tmov %1, %%r9\n\tmov %1, %%r10\n\tmov %1, %%r11\n\t"
        ".rept %c2\n\t"
        "add %1, %%r8\n\tadd %1, %%r9\n\tadd %1, %%r10\n\tadd %1, %%r11\n\t"
        ".endr\n\t"
        "add %%r8, %%r9\n\tadd %%r10, %%r11\n\tadd %%r9, %%r11\n\tadd %%r11, %0"
        : "+r"(sum)
        : "r"(v), "i"(Waiting / 4 - 2)
        : "r8", "r9", "r10", "r11");
    if constexpr (Fresh > 0) fresh_adds<Fresh>();
    if constexpr (Nops > 0) asm volatile(".rept %c0\n\tnopl 0(%%rax)\n\t.endr" ::"i"(Nops));
  }
  benchmark::DoNotOptimize(sum);
}
// The rows of mem/BM_WorkAfterRead.
struct WorkAfterRead {
  int waiting, fresh, nops;
};
constexpr WorkAfterRead kWorkAfterRead[] = {{8, 64, 0},   {8, 128, 0}, {8, 192, 0}, {8, 256, 0},
                                            {64, 0, 0},   {96, 0, 0},  {128, 0, 0}, {64, 64, 0},
                                            {64, 128, 0}, {8, 96, 0},  {8, 96, 288}};
std::string work_after_read_name(WorkAfterRead row) {
  return "mem/BM_WorkAfterRead/" + std::to_string(row.waiting) + "waiting+" +
         std::to_string(row.fresh) + "fresh" +
         (row.nops ? "+" + std::to_string(row.nops) + "nops" : std::string());
}
#endif

// Collects each benchmark's CPU times (ns) to print old / new at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      const double ns =
          r.GetAdjustedCPUTime() / benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9;
      if (r.run_type == Run::RT_Iteration)
        times_[r.run_name.function_name].push_back(ns);
      else if (r.aggregate_name == "median")
        medians_[r.run_name.function_name] = ns;
    }
  }
  // Median and spread ((max - min) / median) of the repetitions.
  std::pair<double, double> figure(const std::string& name) const {
    auto it = times_.find(name);
    if (it == times_.end() || it->second.empty()) {
      auto m = medians_.find(name);
      return {m == medians_.end() ? 0 : m->second, -1};
    }
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const double median =
        v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    return {median, median > 0 ? (v.back() - v.front()) / median : 0};
  }

 private:
  std::map<std::string, std::vector<double>> times_;
  std::map<std::string, double> medians_;
};

void print_ratios(const RatioReporter& rep) {
  static const char* kRows[][2] = {
      {"BM_Compile1M", "compile 1M rules"},
      {"BM_LookupHit", "lookup, hit"},
      {"BM_LookupMiss", "lookup, miss (www. + unlisted name)"},
      {"BM_LookupDeep6", "lookup, six-label name"},
      {"BM_LookupHitDependent", "lookup, hit, one at a time (latency)"},
      {"BM_LookupMissDependent", "lookup, miss, one at a time (latency)"},
      {"BM_LookupDeep6Dependent", "lookup, six-label name, one at a time (latency)"},
      {"BM_LookupRealNames", "lookup, real host names (random order)"},
      {"BM_CanonicalizeAndLookup", "canonicalise + lookup"},
  };
  std::printf("\n| measure | old (baseline) | new | old / new |\n|---|---|---|---|\n");
  for (const auto& row : kRows) {
    auto o = rep.figure(std::string("old/") + row[0]);
    auto n = rep.figure(std::string("new/") + row[0]);
    if (o.first == 0 || n.first == 0) continue;
    const bool ms = std::string(row[0]) == "BM_Compile1M";
    const double scale = ms ? 1e-6 : 1;
    const char* unit = ms ? "ms" : "ns";
    std::printf("| %s | %.1f %s (±%.0f%%) | %.1f %s (±%.0f%%) | %.2f |\n", row[1], o.first * scale,
                unit, o.second * 100, n.first * scale, unit, n.second * 100, o.first / n.first);
  }
  auto& o = fixture<gh::BaselineDomainMatcher>().matcher;
  auto& n = fixture<gh::DomainMatcher>().matcher;
  const double ob = static_cast<double>(o.memory_bytes()) / static_cast<double>(o.size());
  const double nb = static_cast<double>(n.memory_bytes()) / static_cast<double>(n.size());
  std::printf("| bytes per rule | %.1f | %.1f | %.2f |\n", ob, nb, ob / nb);
  for (const char* mib : {"1", "4", "8", "16", "64"}) {
    auto c = rep.figure(std::string("mem/BM_PointerChase/") + mib + "MiB");
    if (c.first > 0)
      std::printf("| memory latency, %s MiB pointer chase | %.1f ns (±%.0f%%) | | |\n", mib,
                  c.first, c.second * 100);
  }
  for (const char* k : {"1", "2", "4", "8"}) {
    auto g = rep.figure(std::string("mem/BM_LineGroups/") + k + "lines");
    if (g.first > 0)
      std::printf(
          "| memory throughput, random groups of %s adjacent lines | %.1f ns a group (±%.0f%%) | | "
          "|\n",
          k, g.first, g.second * 100);
  }
  for (const char* adds : {"256", "384", "512", "640"}) {
    auto a = rep.figure(std::string("mem/BM_LinesAndWork/0lines+") + adds + "adds");
    for (const char* k : {"1", "2", "8"}) {
      auto w = rep.figure(std::string("mem/BM_LinesAndWork/") + k + "lines+" + adds + "adds");
      if (w.first > 0 && a.first > 0)
        std::printf(
            "| random groups of %s adjacent lines + %s additions, back to back | %.1f ns (±%.0f%%) "
            "| the additions alone: %.1f ns | |\n",
            k, adds, w.first, w.second * 100, a.first);
    }
  }
#if defined(__x86_64__)
  for (const auto& row : kWorkAfterRead) {
    auto r = rep.figure(work_after_read_name(row));
    if (r.first > 0)
      std::printf(
          "| a read that misses, then %d instructions that wait for it, %d that do not and %d "
          "no-operations, back to back | %.1f ns (±%.0f%%) | | |\n",
          row.waiting, row.fresh, row.nops, r.first, r.second * 100);
  }
#endif
  std::printf("(± = (max - min) / median over the repetitions; -1 = not available)\n");
}

// Old and new side by side for each measure, so a change in the machine's
// load during the run touches both alike.
void register_all() {
  using Old = gh::BaselineDomainMatcher;
  using New = gh::DomainMatcher;
  auto both = [](const char* name, auto old_fn, auto new_fn) {
    return std::pair{benchmark::RegisterBenchmark((std::string("old/") + name).c_str(), old_fn),
                     benchmark::RegisterBenchmark((std::string("new/") + name).c_str(), new_fn)};
  };
  auto [oc, nc] = both("BM_Compile1M", BM_Compile1M<Old>, BM_Compile1M<New>);
  for (auto* b : {oc, nc}) b->Unit(benchmark::kMillisecond)->Iterations(3);
  both("BM_LookupHit", BM_LookupHit<Old>, BM_LookupHit<New>);
  both("BM_LookupMiss", BM_LookupMiss<Old>, BM_LookupMiss<New>);
  both("BM_LookupDeep6", BM_LookupDeep6<Old>, BM_LookupDeep6<New>);
  both("BM_LookupHitDependent", BM_LookupHitDependent<Old>, BM_LookupHitDependent<New>);
  both("BM_LookupMissDependent", BM_LookupMissDependent<Old>, BM_LookupMissDependent<New>);
  both("BM_LookupDeep6Dependent", BM_LookupDeep6Dependent<Old>, BM_LookupDeep6Dependent<New>);
  both("BM_LookupRealNames", BM_LookupRealNames<Old>, BM_LookupRealNames<New>);
  both("BM_CanonicalizeAndLookup", BM_CanonicalizeAndLookup<Old>, BM_CanonicalizeAndLookup<New>);
  for (std::size_t mib : {1, 4, 8, 16, 64})
    benchmark::RegisterBenchmark(("mem/BM_PointerChase/" + std::to_string(mib) + "MiB").c_str(),
                                 BM_PointerChase, mib);
  for (std::size_t k : {1, 2, 4, 8})
    benchmark::RegisterBenchmark(("mem/BM_LineGroups/" + std::to_string(k) + "lines").c_str(),
                                 BM_LineGroups, k);
  for (std::size_t k : {0, 1, 2, 8})
    for (std::size_t adds : {256, 384, 512, 640})
      benchmark::RegisterBenchmark(
          ("mem/BM_LinesAndWork/" + std::to_string(k) + "lines+" + std::to_string(adds) + "adds")
              .c_str(),
          BM_LinesAndWork, k, adds);
#if defined(__x86_64__)
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (benchmark::RegisterBenchmark(
         work_after_read_name(kWorkAfterRead[I]).c_str(),
         BM_WorkAfterRead<kWorkAfterRead[I].waiting, kWorkAfterRead[I].fresh,
                          kWorkAfterRead[I].nops>),
     ...);
  }
  (std::make_index_sequence<std::size(kWorkAfterRead)>{});
#endif
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  hosts();
  auto& o = fixture<gh::BaselineDomainMatcher>();
  auto& n = fixture<gh::DomainMatcher>();
  for (auto [tag, rules, seconds, bytes] :
       {std::tuple{"old", o.matcher.size(), o.build_seconds, o.matcher.memory_bytes()},
        std::tuple{"new", n.matcher.size(), n.build_seconds, n.matcher.memory_bytes()}})
    std::printf("%s matcher: %zu rules, built in %.3f s, %.1f MiB, %.1f bytes per rule\n", tag,
                rules, seconds, static_cast<double>(bytes) / (1 << 20),
                static_cast<double>(bytes) / static_cast<double>(rules));
  std::printf("new matcher: %zu homes, a lookup fetches %zu lines from a home on\n",
              n.matcher.homes(), n.matcher.reach());
  std::printf("hosts: %zu in each of the hit, miss and six-label sets\n", hosts().hit.size());
  register_all();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_ratios(reporter);
  return 0;
}
