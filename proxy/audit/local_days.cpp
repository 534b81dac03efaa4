#include "audit/local_days.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace gh {
namespace {

constexpr int kMixed = 1 << 30;  // no offset is this large
constexpr std::int64_t kDay = 86400;
constexpr std::size_t kMaxCachedDays = 1 << 16;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t unix_seconds(TimePoint t) noexcept {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool is_utc(const std::string& z) {
  return z.empty() || z == "UTC" || z == "Etc/UTC" || z == "GMT" || z == "Etc/GMT" || z == "Zulu" ||
         z == "Etc/Zulu" || z == "Universal" || z == "Etc/Universal";
}

std::mutex& tz_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

// Howard Hinnant's civil calendar algorithms (public domain description of
// the proleptic Gregorian calendar).
std::int64_t day_from_civil(CivilDay c) noexcept {
  std::int64_t y = c.year - (c.month <= 2);
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(c.month + (c.month > 2 ? -3 : 9)) + 2) / 5 +
                       static_cast<unsigned>(c.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDay civil_from_day(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilDay c;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2));
  return c;
}

int weekday_of(std::int64_t day) noexcept {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

std::string format_day(std::int64_t day) {
  CivilDay c = civil_from_day(day);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

ZoneDays::ZoneDays(std::string zone) : zone_(std::move(zone)), utc_(is_utc(zone_)) {
  if (zone_.empty()) zone_ = "UTC";
}

int ZoneDays::lookup(std::int64_t utc_seconds) const {
  std::lock_guard lock(tz_mutex());
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  ::setenv("TZ", zone_.c_str(), 1);
  ::tzset();
  const auto tt = static_cast<std::time_t>(utc_seconds);
  std::tm tm{};
  const bool ok = ::localtime_r(&tt, &tm) != nullptr;
  if (old)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
  return ok ? static_cast<int>(tm.tm_gmtoff) : 0;
}

int ZoneDays::offset_at(TimePoint t) const {
  if (utc_) return 0;
  const std::int64_t s = unix_seconds(t);
  const std::int64_t d = floor_div(s, kDay);
  auto it = by_utc_day_.find(d);
  if (it == by_utc_day_.end()) {
    if (by_utc_day_.size() >= kMaxCachedDays) by_utc_day_.clear();
    // One offset at both ends of the UTC day: no transition inside it (zones
    // change at most twice a year, never there and back within a day).
    const int first = lookup(d * kDay);
    const int last = lookup(d * kDay + kDay - 1);
    it = by_utc_day_.emplace(d, first == last ? first : kMixed).first;
  }
  return it->second == kMixed ? lookup(s) : it->second;
}

std::int64_t ZoneDays::day_of(TimePoint t) const {
  return floor_div(unix_seconds(t) + offset_at(t), kDay);
}

std::string ZoneDays::format_minute(TimePoint t) const {
  const std::int64_t local = unix_seconds(t) + offset_at(t);
  const std::int64_t day = floor_div(local, kDay);
  const std::int64_t sec = local - day * kDay;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(sec / 3600),
                static_cast<int>(sec / 60 % 60));
  return format_day(day) + buf;
}

std::string ZoneDays::format_offset(TimePoint t) const {
  const int off = offset_at(t);
  if (utc_ && off == 0) return "Z";
  const int a = off < 0 ? -off : off;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

}  // namespace gh
