// Inline writes: a producer that finds the writer idle writes the queue
// itself (how `serve` runs the writer). The chain, the seq, refusals and
// recovery must be exactly as with the writer thread.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "audit/fault_injection.hpp"
#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

AuditSettings interval_settings(const std::string& path) {
  auto s = test::settings_for(path, FsyncPolicy::interval);
  s.fsync_interval = std::chrono::milliseconds(50);
  return s;
}

}  // namespace

TEST_CASE("inline: an idle writer lets the producer write on its own thread", "[audit][inline]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  AuditWriter w(interval_settings(path), "in1");
  w.enable_inline_writes();
  const auto me = std::this_thread::get_id();
  std::thread::id done_on;
  w.submit(test::sample_record(1), [&](const SubmitResult& r) {
    CHECK(r.accepted);
    done_on = std::this_thread::get_id();
  });
  // Written before submit() returned, by this thread.
  CHECK(done_on == me);
  CHECK(w.stats().records_written == 1);
  CHECK(test::read_lines(path).size() == 1);

  SECTION("enqueue waits for write_queued") {
    bool done = false;
    w.enqueue(test::sample_record(2), [&](const SubmitResult& r) { done = r.accepted; });
    CHECK_FALSE(done);
    w.write_queued();
    CHECK(done);
    CHECK(w.stats().records_written == 2);
  }
  SECTION("a record left queued is still written by flush and stop") {
    w.enqueue(test::sample_record(2), {});
    w.flush();
    CHECK(w.stats().records_written == 2);
    w.enqueue(test::sample_record(3), {});
    w.stop();
    auto v = verify_files({path});
    CHECK(v.ok);
    CHECK(v.records == 3);
  }
}

TEST_CASE("inline: fsync every keeps writes on the writer thread", "[audit][inline]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  AuditWriter w(test::settings_for(path, FsyncPolicy::every), "in2");
  w.enable_inline_writes();  // refused for fsync: every
  std::atomic<bool> other_thread{false};
  const auto me = std::this_thread::get_id();
  auto r = w.submit_wait(test::sample_record());
  CHECK(r.accepted);
  w.submit(test::sample_record(),
           [&](const SubmitResult&) { other_thread = std::this_thread::get_id() != me; });
  w.flush();
  CHECK(other_thread);
}

TEST_CASE("inline: producers, rotations and flushes at once keep one chain",
          "[audit][inline][rotation]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  auto s = interval_settings(path);
  s.rotate_max_bytes = 64 * 1024;
  constexpr int kThreads = 4, kEach = 4000;
  std::atomic<int> accepted{0};
  {
    // A small queue: producers also meet backpressure.
    AuditWriter w(s, "in3", 64);
    w.enable_inline_writes();
    std::atomic<bool> producing{true};
    std::thread signals([&] {
      // As SIGUSR1 and /metrics scrapes would, while records flow.
      for (int i = 0; i < 200 && producing; ++i) {
        if (i % 20 == 0) w.rotate();
        w.flush();
        (void)w.stats();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto count = [&](const SubmitResult& r) {
          if (r.accepted) ++accepted;
        };
        for (int i = 0; i < kEach; ++i) {
          if (i % 3 == 0) {
            w.enqueue(test::sample_record(t * kEach + i), count);
            if (i % 6 == 0) w.write_queued();
          } else {
            w.submit(test::sample_record(t * kEach + i), count);
          }
        }
        w.write_queued();
      });
    }
    for (auto& th : threads) th.join();
    producing = false;
    signals.join();
  }  // the destructor flushes what is left
  CHECK(accepted == kThreads * kEach);
  std::vector<std::string> files;
  for (auto& p : rotated_files(log_paths(path))) files.push_back(p.string());
  files.push_back(path);
  CHECK(files.size() > 2);
  auto v = verify_files(files);
  INFO(v.file << ":" << v.line << ": " << v.problem);
  CHECK(v.ok);
  CHECK(v.records == kThreads * kEach);
  CHECK(v.first_seq == 1);
  CHECK(v.last_seq == kThreads * kEach);
}

TEST_CASE("inline: a write error fails the writer, recovery continues without a gap",
          "[audit][inline][failure]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  AuditWriter w(interval_settings(path), "in4");
  w.enable_inline_writes();
  for (int i = 0; i < 5; ++i) REQUIRE(w.submit_wait(test::sample_record(i)).accepted);

  inject_audit_write_error(EIO);
  bool refused = false;
  w.submit(test::sample_record(), [&](const SubmitResult& r) { refused = !r.accepted; });
  CHECK(refused);  // written (and refused) inline, on this thread
  CHECK(w.failed());
  CHECK(w.stats().seq == 5);
  inject_audit_write_error(0);
  // The writer thread probes once a second; at most ~10 s.
  for (int i = 0; i < 100 && w.failed(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_FALSE(w.failed());
  auto after = w.submit_wait(test::sample_record());
  CHECK(after.accepted);
  CHECK(after.seq == 6);
  w.stop();
  auto v = verify_files({path});
  CHECK(v.ok);
  CHECK(v.records == 6);
}
