// fsync: every loses nothing on kill -9: a child process writes records and
// reports each acknowledged seq through a pipe; the parent SIGKILLs it in the
// middle of writing, then checks that every acknowledged seq is on disk.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

[[noreturn]] void child_writes(const std::string& path, int out_fd) {
  {
    AuditWriter w(test::settings_for(path, FsyncPolicy::every), "crash");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
      w.submit(test::sample_record(i), [out_fd](const SubmitResult& r) {
        if (!r.accepted) return;
        // Called after the batch's fsync: this seq is acknowledged.
        std::string s = std::to_string(r.seq) + "\n";
        (void)!::write(out_fd, s.data(), s.size());
      });
    }
  }
  ::_exit(0);
}

}  // namespace

TEST_CASE("fsync every: SIGKILL loses no acknowledged record", "[audit][crash]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    child_writes(path, fds[1]);
  }
  ::close(fds[1]);
  std::set<std::uint64_t> acked;
  std::string pending;
  char buf[4096];
  auto read_some = [&]() {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      acked.insert(std::stoull(pending.substr(0, nl)));
      pending.erase(0, nl + 1);
    }
    return true;
  };
  // Let it write a while (bounded by count and by the child's own deadline).
  while (acked.size() < 3000 && read_some()) {
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (read_some()) {
  }
  ::close(fds[0]);
  CHECK(WIFSIGNALED(status));
  REQUIRE(acked.size() >= 3000);

  // The restart cuts a torn tail (if the kill hit a write) and continues.
  {
    AuditWriter w(test::settings_for(path, FsyncPolicy::every), "after");
    REQUIRE(w.submit_wait(test::sample_record()).accepted);
  }
  auto v = verify_files({path});
  INFO(v.file << ":" << v.line << ": " << v.problem);
  REQUIRE(v.ok);
  std::set<std::uint64_t> on_disk;
  for (const auto& line : test::read_lines(path)) {
    on_disk.insert(nlohmann::json::parse(line)["seq"].get<std::uint64_t>());
  }
  std::size_t missing = 0;
  for (auto s : acked) missing += on_disk.count(s) == 0;
  CHECK(missing == 0);
  CHECK(*acked.rbegin() < v.last_seq);
}
