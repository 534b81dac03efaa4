// Progress of a long read (`audit report`, `audit verify` over years of
// logs) on a terminal: files done and records per second, redrawn in place
// at most five times a second. Silent unless enabled: the CLI enables it only
// when stderr is a terminal, so pipes, files and CI logs get nothing.
//
// Example line: "audit verify: 3/12 files, 1,204,332 records, 812,004 records/s"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace gh {

class ProgressMeter {
 public:
  ProgressMeter(int fd, bool enabled, std::string what, std::size_t files);
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // One record (line) read; cheap: looks at the clock every 4096 calls.
  void record() noexcept {
    if ((++records_ & 0xFFF) == 0 && enabled_) maybe_draw();
  }
  void file_done();
  // The final line, ended by a newline; call once when the read is over.
  void finish();

  std::uint64_t records() const noexcept { return records_; }
  // The line as it would be drawn now (for tests).
  std::string line() const;

 private:
  void maybe_draw();
  void draw(bool final);

  int fd_;
  bool enabled_;
  std::string what_;
  std::size_t files_, files_done_ = 0;
  std::uint64_t records_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace gh
