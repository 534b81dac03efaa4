// `gatehouse audit verify`: checks the hash chain of README "The audit log" across files in
// the order given, streaming line by line. The hash is recomputed over the
// raw bytes of each line (up to `,"prev":`), never over a re-serialisation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

struct VerifyResult {
  bool ok = true;
  // The first bad record (when !ok): where and what.
  std::string file;
  std::uint64_t line = 0;
  std::string problem;
  // What was checked.
  std::uint64_t records = 0;
  std::uint64_t files = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
  std::string first_prev;  // 64 zeros when the chain starts at the log's beginning
  std::string last_hash;
};

// Feed files and lines in order; stops at the first problem.
class ChainVerifier {
 public:
  void begin_file(std::string name);
  // Returns false (and fills result().problem) at the first bad line.
  bool line(std::string_view raw, bool terminated, std::uint64_t line_no);
  // After the last file: checks an anchor seq (the log must reach it).
  bool expect_seq(std::uint64_t anchor);
  // Marks the current file's line `line_no` bad for a reason found outside.
  bool reject(std::uint64_t line_no, std::string problem);
  const VerifyResult& result() const noexcept { return r_; }

 private:
  VerifyResult r_;
  std::string current_file_, previous_file_;
  std::uint64_t last_line_ = 0;
  bool file_has_records_ = false;
  std::string last_record_file_;
};

// Reads the files and runs the verifier. Throws std::system_error if a file
// cannot be read.
// Called as verification goes (progress on a terminal, README "gatehouse audit report"); either may
// be empty.
struct VerifyHooks {
  std::function<void()> record;     // after each line read
  std::function<void()> file_done;  // after each file
};

VerifyResult verify_files(const std::vector<std::string>& files,
                          std::optional<std::uint64_t> expect_seq = std::nullopt,
                          const VerifyHooks& hooks = {});

}  // namespace gh
