// The operational log: one line per event on stderr (journald adds time
// stamps under systemd). Not the audit log.
#pragma once

#include <cstdarg>
#include <cstdio>

namespace gh {

enum class LogLevel { debug, info, warning, error };

inline const char* log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "?";
}

// printf-style; the whole line goes out in one write so threads do not interleave.
[[gnu::format(printf, 2, 3)]] inline void log(LogLevel level, const char* fmt, ...) {
  char buf[2048];
  int n = std::snprintf(buf, sizeof buf, "gatehouse: %s: ", log_level_name(level));
  va_list ap;
  va_start(ap, fmt);
  int m = std::vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
  va_end(ap);
  std::size_t len = static_cast<std::size_t>(n) + (m < 0 ? 0 : static_cast<std::size_t>(m));
  if (len > sizeof buf - 2) len = sizeof buf - 2;
  buf[len++] = '\n';
  std::fwrite(buf, 1, len, stderr);
}

}  // namespace gh
