// Instants to calendar days in an IANA time zone, for reports that count per
// day (README "gatehouse audit report": dates in policy.timezone). g++ 12 has no std::chrono tzdb,
// so offsets come from the C library (TZ + localtime_r) under a mutex and are
// cached per UTC day: a year of records costs a few hundred zone look-ups.
// Used by CLI commands only, never on the event loop.
//
// Examples (zone "Asia/Hong_Kong", UTC+8):
//   day_of(2026-11-21T15:59:59Z) -> day of 2026-11-21
//   day_of(2026-11-21T16:00:00Z) -> day of 2026-11-22
//   format_minute(2026-11-21T16:00:00Z) -> "2026-11-22 00:00"
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "policy/types.hpp"

namespace gh {

// A proleptic Gregorian date; day numbers count from 1970-01-01 = 0.
struct CivilDay {
  int year = 1970, month = 1, day = 1;
};
CivilDay civil_from_day(std::int64_t day) noexcept;
std::int64_t day_from_civil(CivilDay d) noexcept;
int weekday_of(std::int64_t day) noexcept;  // 0 = Monday … 6 = Sunday
std::string format_day(std::int64_t day);   // "2026-11-22"

class ZoneDays {
 public:
  // An unknown zone behaves as UTC; the caller validates names (config does).
  explicit ZoneDays(std::string zone = "UTC");

  const std::string& zone() const noexcept { return zone_; }
  // Seconds east of UTC in force at `t`.
  int offset_at(TimePoint t) const;
  // The local calendar day that contains `t`.
  std::int64_t day_of(TimePoint t) const;
  // "2026-11-22 18:05" (local)
  std::string format_minute(TimePoint t) const;
  // "+08:00", "Z" for UTC
  std::string format_offset(TimePoint t) const;

 private:
  int lookup(std::int64_t utc_seconds) const;
  std::string zone_;
  bool utc_ = true;
  // UTC day -> its offset, or kMixed when the offset changes during that day
  // (then every query of that day asks the C library).
  mutable std::unordered_map<std::int64_t, int> by_utc_day_;
};

}  // namespace gh
