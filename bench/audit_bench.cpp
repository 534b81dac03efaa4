// Audit writer throughput and producer wait (bench/README.md: >= 100,000 records/s
// sustained with fsync: 1s without blocking the event loop).
//
//   audit_bench [--records N] [--producers P] [--fsync every|1s|never]
//               [--runs R] [--dir DIR] [--queue Q] [--rate RECORDS_PER_S]
//               [--inline 1|0]
//
// Each run: P threads submit N records in total as fast as they can (like
// event loops handing records over), then stop() flushes everything. Prints
// records/s (submit of the first record to the last one on disk) and the
// time one submit() call takes (p50/p99/max: that is how long an event loop
// would be held up, including waits on a full queue, and with inline writes
// the batches it writes itself), as the median of the runs with min and max.
// `--inline 1` (the default, as `serve` runs it) lets a producer that finds
// the writer idle write the queued batch itself; `--inline 0` hands every
// record to the writer thread.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "audit/writer.hpp"

namespace {

using Steady = std::chrono::steady_clock;

struct RunResult {
  double records_per_s = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double cpu_us = 0;  // process CPU time (user + system) per record
};

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

gh::AuditRecord record(int i) {
  gh::AuditRecord r;
  r.client = "10.20.5." + std::to_string(i % 250) + ":" + std::to_string(40000 + i % 20000);
  r.department = "immigration";
  r.listener = "forward";
  r.method = "CONNECT";
  r.host = "web.whatsapp.com";
  r.port = 443;
  r.category = "instant-messaging-web";
  r.app = "whatsapp-web";
  r.action = gh::Action::allow;
  r.reason = gh::Reason::approved;
  r.rule = "rules/categories/instant-messaging-web.yaml:6";
  r.approval = "IMM-2026-014";
  r.status = 200;
  return r;
}

RunResult run_once(const gh::AuditSettings& base, const std::string& dir, int records,
                   int producers, std::size_t queue, double rate, bool inline_writes) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  gh::AuditSettings s = base;
  s.path = dir + "/audit.jsonl";
  std::vector<std::vector<std::uint32_t>> waits(static_cast<std::size_t>(producers));
  std::atomic<int> accepted{0};
  auto start = Steady::now();
  double cpu0 = cpu_seconds();
  {
    gh::AuditWriter w(s, "bench", queue);
    if (inline_writes) w.enable_inline_writes();
    start = Steady::now();
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        auto& mine = waits[static_cast<std::size_t>(p)];
        int n = records / producers + (p < records % producers ? 1 : 0);
        mine.reserve(static_cast<std::size_t>(n));
        auto begin = Steady::now();
        for (int i = 0; i < n; ++i) {
          if (rate > 0 && i % 64 == 0) {
            // Paced like an event loop with a fixed offered load.
            auto due = begin + std::chrono::duration_cast<Steady::duration>(
                                   std::chrono::duration<double>(i * producers / rate));
            std::this_thread::sleep_until(due);
          }
          gh::AuditRecord r = record(i);
          auto t0 = Steady::now();
          w.submit(std::move(r), [&accepted](const gh::SubmitResult& res) {
            if (res.accepted) accepted.fetch_add(1, std::memory_order_relaxed);
          });
          auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - t0);
          mine.push_back(static_cast<std::uint32_t>(std::min<long long>(ns.count(), UINT32_MAX)));
        }
      });
    }
    for (auto& t : threads) t.join();
    w.stop();  // the last record is on disk (and synced) when this returns
  }
  double secs = std::chrono::duration<double>(Steady::now() - start).count();
  double cpu = cpu_seconds() - cpu0;
  if (accepted != records) {
    std::fprintf(stderr, "audit_bench: only %d of %d records accepted\n", accepted.load(), records);
    std::exit(1);
  }
  std::vector<std::uint32_t> all;
  for (auto& v : waits) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all[std::min(all.size() - 1,
                        static_cast<std::size_t>(q * static_cast<double>(all.size())))] /
           1000.0;
  };
  return RunResult{records / secs, pct(0.50), pct(0.99), all.back() / 1000.0, cpu * 1e6 / records};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void report(const char* name, std::vector<double> v, const char* unit) {
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  std::printf("  %-14s median %12.1f %s   (min %.1f, max %.1f)\n", name, median(v), unit, *lo, *hi);
}

}  // namespace

int main(int argc, char** argv) {
  int records = 1'000'000, producers = 2, runs = 5;
  double rate = 0;  // records/s offered in total; 0 = as fast as possible
  std::size_t queue = gh::AuditWriter::kDefaultQueueCapacity;
  std::string fsync = "1s";
  bool inline_writes = true;
  std::string dir =
      (std::filesystem::temp_directory_path() / ("gh-audit-bench-" + std::to_string(::getpid())))
          .string();
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    std::string v = argv[i + 1];
    if (a == "--records")
      records = std::stoi(v);
    else if (a == "--producers")
      producers = std::stoi(v);
    else if (a == "--runs")
      runs = std::stoi(v);
    else if (a == "--fsync")
      fsync = v;
    else if (a == "--dir")
      dir = v;
    else if (a == "--queue")
      queue = std::stoul(v);
    else if (a == "--rate")
      rate = std::stod(v);
    else if (a == "--inline")
      inline_writes = v != "0";
    else {
      std::fprintf(stderr, "audit_bench: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  gh::AuditSettings s;
  s.rotate_max_bytes = 1ull << 30;
  if (fsync == "every") {
    s.fsync = gh::FsyncPolicy::every;
  } else if (fsync == "never") {
    s.fsync = gh::FsyncPolicy::never;
  } else {
    s.fsync = gh::FsyncPolicy::interval;
    s.fsync_interval = std::chrono::milliseconds(fsync == "1s" ? 1000 : std::stoi(fsync));
  }
  std::printf(
      "audit_bench: %d records, %d producers, fsync %s, queue %zu, %d runs, rate %s, inline %d, "
      "dir %s\n",
      records, producers, fsync.c_str(), queue, runs,
      rate > 0 ? std::to_string(static_cast<long>(rate)).c_str() : "max", inline_writes ? 1 : 0,
      dir.c_str());
  std::vector<double> rates, p50, p99, mx, cpu;
  for (int r = 0; r < runs; ++r) {
    RunResult res = run_once(s, dir + "/run", records, producers, queue, rate, inline_writes);
    std::printf(
        "  run %d: %.0f records/s, submit p50 %.2f us, p99 %.2f us, max %.1f us, cpu %.2f "
        "us/record\n",
        r + 1, res.records_per_s, res.p50_us, res.p99_us, res.max_us, res.cpu_us);
    cpu.push_back(res.cpu_us);
    rates.push_back(res.records_per_s);
    p50.push_back(res.p50_us);
    p99.push_back(res.p99_us);
    mx.push_back(res.max_us);
  }
  std::filesystem::remove_all(dir);
  report("records/s", rates, "");
  report("submit p50", p50, "us");
  report("submit p99", p99, "us");
  report("submit max", mx, "us");
  report("cpu/record", cpu, "us");
  return 0;
}
