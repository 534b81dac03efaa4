#include "config/calendar.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <mutex>

namespace gh {
namespace {

bool digits(std::string_view s, int& out) noexcept {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool leap(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) noexcept {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

std::mutex& tz_mutex() {
  static std::mutex m;
  return m;
}

bool is_utc(const std::string& zone) noexcept {
  return zone == "UTC" || zone == "Etc/UTC" || zone == "GMT" || zone == "Etc/GMT" ||
         zone == "Zulu" || zone == "Etc/Zulu" || zone == "Universal" || zone == "Etc/Universal";
}

// Sets TZ for the lifetime of the object (under tz_mutex), then restores it.
class ZoneScope {
 public:
  explicit ZoneScope(const std::string& zone) : lock_(tz_mutex()) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) saved_ = old;
    ::setenv("TZ", zone.c_str(), 1);
    ::tzset();
  }
  ~ZoneScope() {
    if (had_)
      ::setenv("TZ", saved_.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
  ZoneScope(const ZoneScope&) = delete;
  ZoneScope& operator=(const ZoneScope&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  bool had_ = false;
  std::string saved_;
};

long gmtoff_at(std::time_t t) noexcept {
  std::tm tm{};
  return ::localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

// Clock::duration counts nanoseconds in 64 bits: about 292 years either side
// of 1970. A date past that (an approval "until 9999-12-31", found by the
// rule_file fuzzer) is clamped to the clock's end instead of overflowing.
constexpr long long kClockMaxSeconds =
    std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 1;

bool in_clock_range(long long secs) noexcept {
  return secs < kClockMaxSeconds && secs > -kClockMaxSeconds;
}

TimePoint clamped_time(long long secs) noexcept {
  if (secs >= kClockMaxSeconds) return TimePoint::max();
  if (secs <= -kClockMaxSeconds) return TimePoint::min();
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(secs)));
}

}  // namespace

std::optional<CalendarDate> parse_date(std::string_view t) noexcept {
  CalendarDate d;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  if (!digits(t.substr(0, 4), d.year) || !digits(t.substr(5, 2), d.month) ||
      !digits(t.substr(8, 2), d.day))
    return std::nullopt;
  if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > days_in_month(d.year, d.month))
    return std::nullopt;
  return d;
}

bool zone_exists(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
    return false;
  std::string path = "/usr/share/zoneinfo/";
  path += name;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<TimePoint> local_midnight(const std::string& zone, CalendarDate date) {
  // UTC needs no zone rules, and the environment is best left untouched
  // (setenv races with getenv in other threads).
  if (is_utc(zone)) {
    // days_from_civil is linear in the day, so day 32 of March is April 1st.
    const long long days = days_from_civil(date.year, date.month, date.day);
    return clamped_time(days * 86400LL);
  }
  std::time_t t = 0;
  {
    ZoneScope scope(zone);
    std::tm tm{};
    tm.tm_year = date.year - 1900;
    tm.tm_mon = date.month - 1;
    tm.tm_mday = date.day;
    tm.tm_isdst = -1;  // let the zone rules decide
    t = std::mktime(&tm);
  }
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return clamped_time(static_cast<long long>(t));
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20) return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (s[13] != ':' || s[16] != ':' || !digits(s.substr(11, 2), hh) ||
      !digits(s.substr(14, 2), mm) || !digits(s.substr(17, 2), ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::size_t i = 19;
  long long frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    long long scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_us += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  if (i >= s.size()) return std::nullopt;
  long long offset_s = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh = 0, om = 0;
    if (s.size() - i != 6 || s[i + 3] != ':' || !digits(s.substr(i + 1, 2), oh) ||
        !digits(s.substr(i + 4, 2), om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_s = (oh * 3600LL + om * 60LL) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const long long secs = days_from_civil(date->year, date->month, date->day) * 86400LL +
                         hh * 3600LL + mm * 60LL + ss - offset_s;
  if (!in_clock_range(secs)) return std::nullopt;  // not a time this clock can hold
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(secs) +
                                                               std::chrono::microseconds(frac_us)));
}

std::vector<OffsetChange> zone_offsets(const std::string& zone) {
  std::vector<OffsetChange> out;
  if (is_utc(zone)) return out;
  ZoneScope scope(zone);
  // Offsets change at most a few times a year and never twice within a day,
  // so a daily sample finds every change; bisection then finds its second.
  constexpr std::time_t kDay = 86400;
  const std::time_t first = 0;  // 1970-01-01
  const std::time_t last = static_cast<std::time_t>(days_from_civil(2100, 1, 1)) * kDay;
  long prev = gmtoff_at(first);
  out.push_back(OffsetChange{first, static_cast<std::int32_t>(prev)});
  for (std::time_t t = first + kDay; t <= last; t += kDay) {
    const long now = gmtoff_at(t);
    if (now == prev) continue;
    std::time_t lo = t - kDay, hi = t;  // offset(lo) == prev, offset(hi) == now
    while (hi - lo > 1) {
      const std::time_t mid = lo + (hi - lo) / 2;
      (gmtoff_at(mid) == prev ? lo : hi) = mid;
    }
    out.push_back(OffsetChange{static_cast<std::int64_t>(hi), static_cast<std::int32_t>(now)});
    prev = now;
  }
  return out;
}

std::string format_utc(TimePoint t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace gh
