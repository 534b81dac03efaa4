#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

std::vector<std::string> chain_files(const std::string& live) {
  std::vector<std::string> files;
  for (auto& p : rotated_files(log_paths(live))) files.push_back(p.string());
  files.push_back(live);
  return files;
}

}  // namespace

TEST_CASE("writer assigns seq and id, writes a verifiable chain", "[audit][writer]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  {
    AuditWriter w(test::settings_for(path), "abc123");
    for (int i = 0; i < 100; ++i) {
      std::string id;
      std::atomic<bool> called{false};
      w.submit(
          test::sample_record(i),
          [&](const SubmitResult& r) {
            CHECK(r.accepted);
            called = true;
          },
          &id);
      CHECK(id == "gh-abc123-" + std::to_string(i + 1));
      w.flush();
      CHECK(called);
    }
    auto r = w.submit_wait(test::sample_record());
    CHECK(r.accepted);
    CHECK(r.seq == 101);
    CHECK(r.id == "gh-abc123-101");
    CHECK(w.stats().records_written == 101);
    CHECK_FALSE(w.failed());
  }
  auto lines = test::read_lines(path);
  REQUIRE(lines.size() == 101);
  auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["seq"] == 1);
  CHECK(first["prev"] == std::string(64, '0'));
  auto v = verify_files({path});
  CHECK(v.ok);
  CHECK(v.records == 101);
  CHECK(v.last_seq == 101);
}

TEST_CASE("many producers: no record lost, seq continuous, backpressure", "[audit][writer]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  constexpr int kThreads = 4, kEach = 5000;
  std::atomic<int> accepted{0};
  {
    // A tiny queue forces producers to wait for the writer.
    AuditWriter w(test::settings_for(path), "bp", 16);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          w.submit(test::sample_record(t * kEach + i), [&](const SubmitResult& r) {
            if (r.accepted) ++accepted;
          });
        }
      });
    }
    for (auto& th : threads) th.join();
  }  // the destructor flushes everything
  CHECK(accepted == kThreads * kEach);
  auto v = verify_files({path});
  CHECK(v.ok);
  CHECK(v.records == kThreads * kEach);
  CHECK(v.first_seq == 1);
  CHECK(v.last_seq == kThreads * kEach);
}

TEST_CASE("rotation by size and on request keeps one chain", "[audit][writer][rotation]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  auto s = test::settings_for(path);
  s.rotate_max_bytes = 4096;
  {
    AuditWriter w(s, "rot");
    for (int i = 0; i < 60; ++i) w.submit_wait(test::sample_record(i));
    w.rotate();  // as on SIGUSR1
    w.flush();
    w.submit_wait(test::sample_record());
    w.rotate();  // a second rotation within the same second gets a later name
    w.flush();
    w.rotate();  // nothing to rotate: no empty rotated file
    w.flush();
  }
  auto rotated = rotated_files(log_paths(path));
  REQUIRE(rotated.size() >= 5);
  for (auto& f : rotated) {
    CHECK(std::filesystem::file_size(f) <= 4096);
    CHECK(std::filesystem::file_size(f) > 0);
    CHECK(is_rotated_name("audit", f.filename().string()));
  }
  CHECK(std::filesystem::file_size(path) == 0);  // the last rotate left an empty live file
  auto v = verify_files(chain_files(path));
  CHECK(v.ok);
  CHECK(v.records == 61);
  CHECK(v.last_seq == 61);

  SECTION("restart continues seq and chain from the newest rotated file") {
    {
      AuditWriter w(s, "rot2");
      CHECK(w.submit_wait(test::sample_record()).seq == 62);
    }
    auto v2 = verify_files(chain_files(path));
    CHECK(v2.ok);
    CHECK(v2.last_seq == 62);
  }
  SECTION("a file out of order is a broken link") {
    auto files = chain_files(path);
    std::swap(files[0], files[1]);
    auto v2 = verify_files(files);
    CHECK_FALSE(v2.ok);
    CHECK(v2.file == files[1]);
    CHECK(v2.line == 1);
    CHECK(v2.problem.find("broken link between files") != std::string::npos);
  }
}

TEST_CASE("restart continues the chain; a torn last line is cut off", "[audit][writer]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  {
    AuditWriter w(test::settings_for(path), "r1");
    for (int i = 0; i < 10; ++i) w.submit_wait(test::sample_record(i));
  }
  std::string whole = test::read_file(path);
  // A crash in the middle of a write: half a record, no newline.
  test::write_file(path, whole + whole.substr(0, 57));
  {
    AuditWriter w(test::settings_for(path), "r2");
    auto r = w.submit_wait(test::sample_record());
    CHECK(r.seq == 11);
    CHECK(r.id == "gh-r2-11");
  }
  auto v = verify_files({path});
  CHECK(v.ok);
  CHECK(v.records == 11);

  SECTION("a damaged last whole line stops the start") {
    auto lines = test::read_lines(path);
    lines.back() = "{\"not\":\"a record\"}";
    test::write_lines(path, lines);
    CHECK_THROWS_AS(AuditWriter(test::settings_for(path)), std::runtime_error);
  }
}

TEST_CASE("query strings are redacted when asked", "[audit][writer]") {
  TempDir dir;
  std::string path = dir / "audit.jsonl";
  auto s = test::settings_for(path);
  s.redact_query = true;
  {
    AuditWriter w(s);
    auto r = test::sample_record();
    r.url = "http://example.com/login?user=alice&password=x";
    w.submit_wait(r);
  }
  auto j = nlohmann::json::parse(test::read_lines(path).at(0));
  CHECK(j["url"] == "http://example.com/login");
  CHECK(verify_files({path}).ok);
}

TEST_CASE("syslog copy over UDP and a unix socket", "[audit][writer][syslog]") {
  TempDir dir;
  int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(udp, reinterpret_cast<sockaddr*>(&a), &len);

  std::string sock_path = dir / "log.sock";
  int ux = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un u{};
  u.sun_family = AF_UNIX;
  std::snprintf(u.sun_path, sizeof u.sun_path, "%s", sock_path.c_str());
  REQUIRE(::bind(ux, reinterpret_cast<sockaddr*>(&u), sizeof u) == 0);

  auto receive = [](int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return std::string();
    char buf[70000];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  };

  for (std::string target :
       {"udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "unix://" + sock_path}) {
    INFO(target);
    std::string path = dir / "audit.jsonl";
    auto s = test::settings_for(path);
    s.syslog = target;
    std::string line;
    {
      AuditWriter w(s, "sys");
      w.submit_wait(test::sample_record());
      line = test::read_lines(path).back();
    }
    std::string msg = receive(target[0] == 'u' && target[1] == 'd' ? udp : ux);
    REQUIRE(!msg.empty());
    // RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP PROCID MSGID SD MSG
    CHECK(msg.rfind("<134>1 ", 0) == 0);
    CHECK(msg.find(" gatehouse ") != std::string::npos);
    CHECK(msg.find(" audit - ") != std::string::npos);
    auto ts = nlohmann::json::parse(line)["ts"].get<std::string>();
    CHECK(msg.substr(7, ts.size()) == ts);
    CHECK(msg.size() > line.size());
    CHECK(msg.substr(msg.size() - line.size()) == line);
    std::filesystem::remove(path);
  }
  ::close(udp);
  ::close(ux);
  CHECK_THROWS(AuditWriter([&] {
    auto s = test::settings_for(dir / "x.jsonl");
    s.syslog = "tcp://nope";
    return s;
  }()));
}
