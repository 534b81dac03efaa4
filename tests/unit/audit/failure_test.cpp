// Write failures: the writer goes into a failed state the proxy can see,
// refuses records (telling each caller), retries each second, and on
// recovery continues the chain without a gap.
#include <sys/mount.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "audit/fault_injection.hpp"
#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

// Bounded wait: at most ~10 s (the writer probes once a second).
bool wait_until_recovered(AuditWriter& w) {
  for (int i = 0; i < 100 && w.failed(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return !w.failed();
}

// Submits until the writer fails (or `max` records); returns how many were accepted.
int fill_until_failed(AuditWriter& w, int max, int padding = 0) {
  int accepted = 0;
  for (int i = 0; i < max; ++i) {
    auto rec = test::sample_record(i);
    if (padding)
      rec.url = "http://example.com/" + std::string(static_cast<std::size_t>(padding), 'p');
    auto r = w.submit_wait(rec);
    if (!r.accepted) break;
    ++accepted;
  }
  return accepted;
}

void check_chain(const std::string& path, std::uint64_t records) {
  auto v = verify_files({path});
  INFO(v.file << ":" << v.line << ": " << v.problem);
  CHECK(v.ok);
  CHECK(v.records == records);
  CHECK(v.first_seq == 1);
  CHECK(v.last_seq == records);
}

}  // namespace

TEST_CASE("injected EIO and EACCES: failed state, refusals, recovery", "[audit][failure]") {
  for (int err : {EIO, EACCES, ENOSPC}) {
    INFO("errno " << err);
    TempDir dir;
    std::string path = dir / "audit.jsonl";
    AuditWriter w(test::settings_for(path, FsyncPolicy::every), "fi");
    for (int i = 0; i < 5; ++i) REQUIRE(w.submit_wait(test::sample_record(i)).accepted);

    inject_audit_write_error(err);
    auto r = w.submit_wait(test::sample_record());
    CHECK_FALSE(r.accepted);
    CHECK(w.failed());
    CHECK(w.stats().failed);
    CHECK(w.stats().write_errors >= 1);
    CHECK(w.stats().seq == 5);  // the refused record's seq was taken back
    // While failed, submit() refuses at once (no throw, no wait), and says so.
    bool told = false;
    std::string id = "x";
    w.submit(
        test::sample_record(), [&](const SubmitResult& res) { told = !res.accepted; }, &id);
    CHECK(told);
    CHECK(id.empty());
    w.flush();  // does not hang while failed

    inject_audit_write_error(0);
    REQUIRE(wait_until_recovered(w));
    auto after = w.submit_wait(test::sample_record());
    CHECK(after.accepted);
    CHECK(after.seq == 6);  // no gap
    w.stop();
    check_chain(path, 6);
  }
}

TEST_CASE("RLIMIT_FSIZE: EFBIG puts the writer in failed state, raising it recovers",
          "[audit][failure]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  AuditWriter w(test::settings_for(path, FsyncPolicy::every), "fsz");
  rlimit small = old;
  small.rlim_cur = 16 * 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  int accepted = fill_until_failed(w, 1000);
  ::setrlimit(RLIMIT_FSIZE, &old);  // restore even if a check below fails
  // setrlimit is process-wide, and the writer thread is in this process.
  CHECK(accepted > 5);
  CHECK(accepted < 1000);
  CHECK(w.failed());
  CHECK(std::filesystem::file_size(path) <= 16 * 1024);
  REQUIRE(wait_until_recovered(w));
  for (int i = 0; i < 10; ++i) REQUIRE(w.submit_wait(test::sample_record(i)).accepted);
  w.stop();
  check_chain(path, static_cast<std::uint64_t>(accepted) + 10);
}

TEST_CASE("a full tmpfs: ENOSPC, then free space, chain intact", "[audit][failure][root]") {
  TempDir dir;
  std::string mnt = dir / "mnt";
  std::filesystem::create_directories(mnt);
  if (::geteuid() != 0 || ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) {
    WARN("SKIPPED: cannot mount a 64k tmpfs (needs root and CAP_SYS_ADMIN): "
         << std::strerror(errno));
    return;
  }
  struct Unmount {
    std::string m;
    ~Unmount() { ::umount2(m.c_str(), MNT_DETACH); }
  } unmount{mnt};
  std::string path = mnt + "/audit.jsonl";
  // Some room is taken by a file the "operator" can delete later.
  test::write_file(mnt + "/ballast", std::string(24 * 1024, 'b'));
  int accepted = 0;
  {
    AuditWriter w(test::settings_for(path, FsyncPolicy::every), "tmpfs");
    accepted = fill_until_failed(w, 1000, 300);
    CHECK(accepted > 5);
    CHECK(w.failed());
    CHECK(w.stats().write_errors >= 1);
    std::filesystem::remove(mnt + "/ballast");
    REQUIRE(wait_until_recovered(w));
    for (int i = 0; i < 5; ++i) REQUIRE(w.submit_wait(test::sample_record(i)).accepted);
  }
  check_chain(path, static_cast<std::uint64_t>(accepted) + 5);
}

TEST_CASE("a rotation that fails leaves the live file in use", "[audit][failure]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  auto s = test::settings_for(path, FsyncPolicy::every);
  AuditWriter w(s, "rd");
  for (int i = 0; i < 3; ++i) REQUIRE(w.submit_wait(test::sample_record(i)).accepted);
  // The injected error makes the rotation's sync fail: no rename happens.
  inject_audit_write_error(EIO);
  w.rotate();
  w.flush();
  inject_audit_write_error(0);
  REQUIRE(wait_until_recovered(w));
  REQUIRE(w.submit_wait(test::sample_record()).accepted);
  w.stop();
  check_chain(path, 4);
}
