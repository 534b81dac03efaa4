#include <catch2/catch.hpp>

#include "audit/json_line.hpp"
#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

std::string make_log(const TempDir& dir, int n) {
  std::string path = dir / "audit.jsonl";
  AuditWriter w(test::settings_for(path), "ver");
  for (int i = 0; i < n; ++i) w.submit_wait(test::sample_record(i));
  return path;
}

bool mentions(const VerifyResult& r, const char* what) {
  return r.problem.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("verify passes an untouched log and reports its summary", "[audit][verify]") {
  TempDir dir;
  std::string path = make_log(dir, 20);
  auto r = verify_files({path});
  CHECK(r.ok);
  CHECK(r.files == 1);
  CHECK(r.records == 20);
  CHECK(r.first_seq == 1);
  CHECK(r.last_seq == 20);
  CHECK(r.last_hash.size() == 64);
  CHECK(r.first_prev == std::string(64, '0'));
  CHECK(verify_files({path}, 20).ok);
  CHECK(verify_files({path}, 7).ok);  // an older anchor: the log went on after it
}

TEST_CASE("verify finds every kind of tampering", "[audit][verify]") {
  TempDir dir;
  std::string path = make_log(dir, 20);
  auto lines = test::read_lines(path);
  REQUIRE(lines.size() == 20);

  SECTION("one changed byte anywhere in the body") {
    for (std::size_t pos :
         {std::size_t{2}, lines[7].find("whatsapp"), lines[7].find("10.20.5.7")}) {
      auto copy = lines;
      copy[7][pos] ^= 0x01;
      test::write_lines(path, copy);
      auto r = verify_files({path});
      CHECK_FALSE(r.ok);
      CHECK(r.file == path);
      CHECK(r.line == 8);
      CHECK(mentions(r, "hash mismatch"));
    }
  }
  SECTION("one changed byte in prev or hash") {
    auto copy = lines;
    copy[4][copy[4].size() - 5] = copy[4][copy[4].size() - 5] == 'a' ? 'b' : 'a';
    test::write_lines(path, copy);
    auto r = verify_files({path});
    CHECK_FALSE(r.ok);
    CHECK(r.line == 5);
    CHECK(mentions(r, "hash mismatch"));
  }
  SECTION("a deleted line") {
    auto copy = lines;
    copy.erase(copy.begin() + 10);
    test::write_lines(path, copy);
    auto r = verify_files({path});
    CHECK_FALSE(r.ok);
    CHECK(r.line == 11);
    CHECK(mentions(r, "seq gap: expected 11, found 12"));
  }
  SECTION("two swapped lines") {
    auto copy = lines;
    std::swap(copy[3], copy[4]);
    test::write_lines(path, copy);
    auto r = verify_files({path});
    CHECK_FALSE(r.ok);
    CHECK(r.line == 4);
    CHECK(mentions(r, "seq gap"));
  }
  SECTION("a truncated last line") {
    std::string data = test::read_file(path);
    test::write_file(path, data.substr(0, data.size() - 30));
    auto r = verify_files({path});
    CHECK_FALSE(r.ok);
    CHECK(r.line == 20);
    CHECK(mentions(r, "torn line"));
  }
  SECTION("deleted tail records are found against the anchor") {
    auto copy = lines;
    copy.resize(15);
    test::write_lines(path, copy);
    CHECK(verify_files({path}).ok);  // without an anchor a shorter chain is consistent
    auto r = verify_files({path}, 20);
    CHECK_FALSE(r.ok);
    CHECK(r.line == 15);
    CHECK(mentions(r, "ends at seq 15 but the anchor says 20"));
  }
  SECTION("an inserted line") {
    auto copy = lines;
    copy.insert(copy.begin() + 5, copy[5]);
    test::write_lines(path, copy);
    auto r = verify_files({path});
    CHECK_FALSE(r.ok);
    CHECK(r.line == 7);  // line 6 is a faithful copy of the record that follows it
  }
  SECTION("a line that is not JSON, or an unknown action") {
    auto copy = lines;
    copy[0] = "garbage";
    test::write_lines(path, copy);
    CHECK(verify_files({path}).line == 1);
    // A well-chained record with an action outside the closed set.
    copy = lines;
    std::string& last = copy.back();
    auto cut = last.find(",\"prev\":");
    std::string prev = last.substr(cut + 9, 64);
    std::string body = last.substr(0, cut);
    body.replace(body.find("\"action\":\"allow\""), 16, "\"action\":\"maybe\"");
    chain_line(body, prev);
    body.pop_back();
    last = body;
    test::write_lines(path, copy);
    auto r = verify_files({path});
    CHECK(r.line == 20);
    CHECK(mentions(r, "action"));
  }
}

TEST_CASE("verify across files: a missing middle file is a broken link", "[audit][verify]") {
  TempDir dir;
  std::string path = make_log(dir, 30);
  auto lines = test::read_lines(path);
  std::vector<std::string> a(lines.begin(), lines.begin() + 10),
      b(lines.begin() + 10, lines.begin() + 20), c(lines.begin() + 20, lines.end());
  test::write_lines(dir / "a.jsonl", a);
  test::write_lines(dir / "b.jsonl", b);
  test::write_lines(dir / "c.jsonl", c);
  CHECK(verify_files({dir / "a.jsonl", dir / "b.jsonl", dir / "c.jsonl"}).ok);
  auto r = verify_files({dir / "a.jsonl", dir / "c.jsonl"});
  CHECK_FALSE(r.ok);
  CHECK(r.file == dir / "c.jsonl");
  CHECK(r.line == 1);
  CHECK(mentions(r, "broken link between files"));
  // Pruned old files: the chain may start later; verify says where it starts.
  auto tail = verify_files({dir / "b.jsonl", dir / "c.jsonl"});
  CHECK(tail.ok);
  CHECK(tail.first_seq == 11);
  CHECK(tail.first_prev != std::string(64, '0'));
}
