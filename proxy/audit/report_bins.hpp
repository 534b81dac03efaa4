// Time bins for the "attempts over time" chart: one bar per day for up to
// two months, per week (Monday to Sunday) up to 53 weeks, per month beyond,
// so that one day and a year of logs both give a chart that can be read.
//
// Examples (span = first to last local day with records, inclusive):
//   1 day .. 62 days    -> day bins,   label "2026-11-22", axis "11-22"
//   63 .. 371 days      -> week bins,  label "week of 2026-11-16", axis "11-16"
//   372 days and more   -> month bins, label "2026-11", axis "2026-11"
// Days without records inside the span are bins with zero counts; a first or
// last bin that the span covers only in part says so (`partial`).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

enum class BinWidth : std::uint8_t { day, week, month };
std::string_view to_string(BinWidth w) noexcept;  // "day", "week", "month"

BinWidth choose_bin_width(std::int64_t first_day, std::int64_t last_day) noexcept;

struct TimeBin {
  std::int64_t first_day = 0, last_day = 0;  // inclusive, local day numbers
  std::string label, axis_label;
  std::map<std::string, std::int64_t> counts;  // series -> count
  std::int64_t total = 0;
  bool partial = false;  // the span starts or ends inside this bin
};

// Bins covering first_day..last_day (first_day <= last_day), summed from
// per-day counts; days outside the span are ignored.
std::vector<TimeBin> bin_days(
    const std::map<std::int64_t, std::map<std::string, std::int64_t>>& days, std::int64_t first_day,
    std::int64_t last_day, BinWidth width);

}  // namespace gh
