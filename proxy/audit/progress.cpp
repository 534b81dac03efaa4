#include "audit/progress.hpp"

#include <unistd.h>

#include <cerrno>

#include "audit/html_text.hpp"

namespace gh {
using html::group_digits;

namespace {

constexpr auto kRedraw = std::chrono::milliseconds(200);

}  // namespace

ProgressMeter::ProgressMeter(int fd, bool enabled, std::string what, std::size_t files)
    : fd_(fd),
      enabled_(enabled),
      what_(std::move(what)),
      files_(files),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

std::string ProgressMeter::line() const {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto rate = static_cast<std::int64_t>(secs > 0.001 ? static_cast<double>(records_) / secs
                                                           : static_cast<double>(records_));
  return what_ + ": " + std::to_string(files_done_) + "/" + std::to_string(files_) + " files, " +
         group_digits(static_cast<std::int64_t>(records_)) + " records, " + group_digits(rate) +
         " records/s";
}

void ProgressMeter::maybe_draw() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedraw) return;
  last_draw_ = now;
  draw(false);
}

void ProgressMeter::file_done() {
  ++files_done_;
  if (enabled_) draw(false);
}

void ProgressMeter::finish() {
  if (enabled_) draw(true);
  enabled_ = false;
}

void ProgressMeter::draw(bool final) {
  // "\r" + erase to the end of the line: redraw in place on a terminal.
  std::string s = "\r" + line() + "\x1b[K";
  if (final) s += "\n";
  drawn_ = true;
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // progress is best effort
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace gh
