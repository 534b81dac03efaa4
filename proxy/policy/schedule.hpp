// Schedules (README "Rule files"): named weekly windows read in policy.timezone, and the
// category verdicts that depend on them. Pure: the time is passed in, and the
// zone's UTC offsets come from a table built once at load time
// (config/calendar.hpp), so deciding never reads the clock or a file.
//
// Examples (minute of week: Monday 00:00 = 0):
//   {days: [mon], from: "12:00", to: "14:00"}  -> [720, 840)
//   {days: [fri], from: "22:00", to: "06:00"}  -> [6120, 6600): Friday 22:00 to Saturday 06:00
//   {days: [sun], from: "22:00", to: "06:00"}  -> [9960, 10440): wraps to Monday 06:00
//   {days: [sat], from: "00:00", to: "24:00"}  -> [7200, 8640)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/types.hpp"

namespace gh {

inline constexpr std::uint32_t kMinutesPerDay = 24 * 60;
inline constexpr std::uint32_t kMinutesPerWeek = 7 * kMinutesPerDay;

// One window of one day: [start, end) in minutes of the week. start is below
// kMinutesPerWeek; end may pass it (a Sunday window that crosses midnight).
struct WeeklyWindow {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  bool contains(std::uint32_t minute_of_week) const noexcept {
    return (minute_of_week >= start && minute_of_week < end) ||
           (minute_of_week + kMinutesPerWeek >= start && minute_of_week + kMinutesPerWeek < end);
  }
  bool overlaps(const WeeklyWindow& o) const noexcept;
};

struct Schedule {
  std::string id;  // "lunch"
  std::vector<WeeklyWindow> windows;
  std::string location;  // "rules/gatehouse.yaml:3"
  bool in_force(std::uint32_t minute_of_week) const noexcept;
};

// "HH:MM" on a 24-hour clock -> minutes since midnight. "24:00" only if
// `end_of_day` (a window's `to`). Examples: "09:30" -> 570, "9:30" -> none,
// "24:00" -> 1440 (end_of_day) or none, "12:60" -> none.
std::optional<std::uint32_t> parse_clock_time(std::string_view text, bool end_of_day) noexcept;

// "mon".."sun" -> 0..6 (Monday first, as ISO 8601 counts).
std::optional<std::uint32_t> parse_weekday(std::string_view text) noexcept;

// The window of `day` from `from` to `to` (minutes since midnight). When
// to < from it crosses midnight into the next day: it belongs to the day it
// starts (README "Rule files"). to == from is empty and yields none.
std::optional<WeeklyWindow> window_of(std::uint32_t day, std::uint32_t from,
                                      std::uint32_t to) noexcept;

// An entry of a first-match verdict list that names a schedule:
// `{ schedule: lunch, action: monitor }`. The entry without a schedule that
// ends every list is the category's (or override's) plain verdict.
struct ScheduledVerdict {
  std::uint32_t schedule = 0;  // index into RuleSet::schedules
  Verdict action = Verdict::allow;
};

// The UTC offset of one zone over time: a sorted table of changes. Empty =
// UTC. Built by config/ from the system's zone rules.
struct OffsetChange {
  std::int64_t from_utc = 0;  // seconds since the epoch at which `offset` starts
  std::int32_t offset = 0;    // seconds east of UTC
};

class UtcOffsets {
 public:
  UtcOffsets() = default;
  explicit UtcOffsets(std::vector<OffsetChange> changes) : changes_(std::move(changes)) {}
  // Offset in force at `t` (the first change's before the table, the last's after it).
  std::int32_t offset_at(TimePoint t) const noexcept;
  // Local minute of the week at `t`: Monday 00:00 = 0.
  std::uint32_t minute_of_week(TimePoint t) const noexcept;
  std::size_t size() const noexcept { return changes_.size(); }

 private:
  std::vector<OffsetChange> changes_;
};

}  // namespace gh
