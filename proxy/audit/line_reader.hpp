// Reads a file line by line through a fixed buffer: constant memory on a
// multi-GB audit log (a line is held whole only up to kMaxLine bytes).
// Rotated files compressed with gzip or zstd (by their name) are read
// decompressed; damaged compressed data throws CorruptData.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

class DecompressingReader;

class LineReader {
 public:
  static constexpr std::size_t kMaxLine = 16 * 1024 * 1024;

  // Throws std::system_error if the file cannot be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  enum class Status { line, end, too_long };
  // On `line`: `out` is the line without its '\n' (valid until the next
  // call) and `terminated` says whether the '\n' was there (a torn last
  // line has none). Throws std::system_error on a read error.
  Status next(std::string_view& out, bool& terminated);
  std::uint64_t line_number() const noexcept { return line_no_; }

 private:
  bool fill();
  std::unique_ptr<DecompressingReader> in_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::string long_;  // a line that spans buffer refills
  std::uint64_t line_no_ = 0;
};

}  // namespace gh
