// Calendar dates in an IANA time zone, and RFC 3339 instants. g++ 12 has no
// std::chrono tzdb, so zone conversion goes through the C library (TZ +
// mktime) under a process-wide mutex; it runs at load time, never on the
// event loop.
//
// Examples:
//   local_midnight("UTC", {2027,3,31})            -> 2027-03-31T00:00:00Z
//   local_midnight("Asia/Hong_Kong", {2027,4,1})  -> 2027-03-31T16:00:00Z
//   parse_rfc3339("2027-03-31T16:30:00+08:00")    -> 2027-03-31T08:30:00Z
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/schedule.hpp"
#include "policy/types.hpp"

namespace gh {

struct CalendarDate {
  int year = 0, month = 0, day = 0;
  friend auto operator<=>(const CalendarDate&, const CalendarDate&) = default;
};

// Strict "YYYY-MM-DD" with a real day of that month.
std::optional<CalendarDate> parse_date(std::string_view text) noexcept;

// True if `name` is a zone under /usr/share/zoneinfo (no "..", not absolute).
bool zone_exists(std::string_view name);

// Start of `date` (day may be one past the month's end: it rolls over) in `zone`.
std::optional<TimePoint> local_midnight(const std::string& zone, CalendarDate date);

// "2027-03-31T16:30:00Z", "...T16:30:00.250+08:00", lower-case t/z accepted.
std::optional<TimePoint> parse_rfc3339(std::string_view text) noexcept;

// "2027-03-31T16:30:00Z"
std::string format_utc(TimePoint t);

// Every change of `zone`'s UTC offset from 1970 to 2100, for schedules
// (policy/schedule.hpp). Empty for UTC and its aliases.
// Examples:
//   zone_offsets("Asia/Hong_Kong") -> ..., {1979-10-20T18:30Z, +8h}
//                                     (its last DST), no later change
//   zone_offsets("Europe/London")  -> ..., {2026-03-29T01:00Z, +1h},
//                                     {2026-10-25T01:00Z, 0}, ...
std::vector<OffsetChange> zone_offsets(const std::string& zone);

}  // namespace gh
