// Compressed retention (docs/capacity.md, audit/compression.hpp): rotated files are
// compressed off the writer's thread, read back by verify and report alike,
// the chain spans plain and compressed files, a changed byte is found and
// named, and a crash at any step leaves the plain file or a whole compressed
// one, never neither.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "audit/compression.hpp"
#include "audit/line_reader.hpp"
#include "audit/log_files.hpp"
#include "audit/verify.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> all_lines(const std::string& path) {
  std::vector<std::string> out;
  LineReader r(path);
  std::string_view line;
  bool terminated = false;
  while (r.next(line, terminated) == LineReader::Status::line) out.emplace_back(line);
  return out;
}

std::vector<std::string> log_files(const std::string& live) {
  std::vector<std::string> out;
  for (const auto& f : rotated_files(log_paths(live))) out.push_back(f.string());
  out.push_back(live);
  return out;
}

// Writes `per_file` records, rotates, `files` times; waits for compression.
std::string chained_log(const TempDir& dir, AuditCompression c, int files, int per_file) {
  std::string path = dir / "audit.jsonl";
  AuditSettings s = test::settings_for(path);
  s.rotate_compress = c;
  AuditWriter w(s, "cmp");
  for (int f = 0; f < files; ++f) {
    for (int i = 0; i < per_file; ++i) w.submit_wait(test::sample_record(i));
    w.rotate();
    w.flush();
  }
  w.submit_wait(test::sample_record(99));  // the live file, never compressed
  w.flush();
  // The compressor runs on its own thread: wait until no plain rotated file is left.
  for (int tries = 0; tries < 500; ++tries) {
    auto rot = rotated_files(log_paths(path));
    if (c == AuditCompression::off || std::all_of(rot.begin(), rot.end(), [&](const fs::path& p) {
          return compression_of(p.string()) == c;
        }))
      break;
    ::usleep(10'000);
  }
  return path;
}

}  // namespace

TEST_CASE("compression is chosen by file name", "[audit][compress]") {
  CHECK(compression_of("var/audit-20261204T101010Z.jsonl.gz") == AuditCompression::gzip);
  CHECK(compression_of("var/audit-20261204T101010Z.jsonl.zst") == AuditCompression::zstd);
  CHECK(compression_of("var/audit.jsonl") == AuditCompression::off);
  CHECK(is_rotated_name("audit", "audit-20261204T101010Z.jsonl.gz"));
  CHECK(is_rotated_name("audit", "audit-20261204T101010Z.jsonl.zst"));
  CHECK_FALSE(is_rotated_name("audit", "audit-20261204T101010Z.jsonl.gz.tmp"));
  CHECK_FALSE(is_rotated_name("audit", "audit-20261204T101010Z.jsonl.bz2"));
}

TEST_CASE("rotated files are compressed; the chain spans plain and compressed",
          "[audit][compress]") {
  for (AuditCompression c : {AuditCompression::gzip, AuditCompression::zstd}) {
    INFO("compression " << static_cast<int>(c));
    TempDir dir;
    std::string live = chained_log(dir, c, 3, 40);
    auto files = log_files(live);
    REQUIRE(files.size() == 4);
    for (std::size_t i = 0; i + 1 < files.size(); ++i) {
      INFO(files[i]);
      CHECK(compression_of(files[i]) == c);
      CHECK(all_lines(files[i]).size() == 40);
    }
    CHECK(compression_of(files.back()) == AuditCompression::off);  // the live file stays plain
    auto r = verify_files(files, 121);
    CHECK(r.ok);
    CHECK(r.records == 121);
    CHECK(r.files == 4);
    // A writer started again continues the chain of the newest compressed file.
    fs::remove(live);
    {
      AuditWriter w(test::settings_for(live), "cmp2");
      w.submit_wait(test::sample_record(1));
    }
    auto again = log_files(live);
    CHECK(verify_files(again).ok);
    CHECK(verify_files(again).last_seq == 121);
  }
}

TEST_CASE("a changed byte inside a compressed file is found and named", "[audit][compress]") {
  for (AuditCompression c : {AuditCompression::gzip, AuditCompression::zstd}) {
    INFO("compression " << static_cast<int>(c));
    TempDir dir;
    std::string live = chained_log(dir, c, 2, 200);
    auto files = log_files(live);
    REQUIRE(verify_files(files).ok);
    const std::string victim = files[0];
    std::string data = test::read_file(victim);
    for (std::size_t at : {data.size() / 2, data.size() - 6, std::size_t{30}}) {
      std::string bad = data;
      bad[at] = static_cast<char>(bad[at] ^ 0x20);
      test::write_file(victim, bad);
      auto r = verify_files(files);
      INFO("byte " << at);
      CHECK_FALSE(r.ok);
      CHECK(r.file == victim);
    }
    test::write_file(victim, data.substr(0, data.size() - 10));  // truncated
    auto r = verify_files(files);
    CHECK_FALSE(r.ok);
    CHECK(r.file == victim);
    CHECK(r.problem.find("truncated") != std::string::npos);
  }
}

TEST_CASE("a crash at any step of compressing leaves the records readable", "[audit][compress]") {
  TempDir dir;
  std::string live = chained_log(dir, AuditCompression::off, 2, 30);
  const LogPaths paths = log_paths(live);
  auto plain = rotated_files(paths);
  REQUIRE(plain.size() == 2);
  const std::string first = plain[0].string();
  const std::string original = test::read_file(first);

  SECTION("crash while writing the .tmp: the plain file stays, the .tmp goes at start") {
    test::write_file(first + ".gz.tmp", "\x1f\x8b partial");
    auto todo = recover_compression(paths, AuditCompression::gzip);
    CHECK_FALSE(fs::exists(first + ".gz.tmp"));
    CHECK(test::read_file(first) == original);
    CHECK(todo.size() == 2);  // both still to compress
  }
  SECTION("crash after the rename, before the unlink: listed once, plain removed at start") {
    std::atomic<bool> cancel{false};
    std::string error;
    REQUIRE(compress_rotated(first, AuditCompression::gzip, cancel, error) == 0);
    test::write_file(first, original);  // as if the unlink never happened
    CHECK(rotated_files(paths).size() == 2);
    CHECK(verify_files(log_files(live)).ok);
    recover_compression(paths, AuditCompression::off);
    CHECK_FALSE(fs::exists(first));
    CHECK(fs::exists(first + ".gz"));
    CHECK(verify_files(log_files(live)).ok);
  }
  SECTION("a cancelled compression leaves only the plain file") {
    std::atomic<bool> cancel{true};
    std::string error;
    CHECK(compress_rotated(first, AuditCompression::zstd, cancel, error) == ECANCELED);
    CHECK(test::read_file(first) == original);
    CHECK_FALSE(fs::exists(first + ".zst"));
    CHECK_FALSE(fs::exists(first + ".zst.tmp"));
  }
  SECTION("a writer started with compression on compresses what was left plain") {
    AuditSettings s = test::settings_for(live);
    s.rotate_compress = AuditCompression::zstd;
    {
      AuditWriter w(s, "cmp3");
      for (int tries = 0; tries < 500 && fs::exists(first); ++tries) ::usleep(10'000);
    }
    CHECK(fs::exists(first + ".zst"));
    CHECK(all_lines(first + ".zst").size() == 30);
    CHECK(verify_files(log_files(live)).ok);
  }
}
