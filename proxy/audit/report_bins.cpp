#include "audit/report_bins.hpp"

#include <algorithm>

#include "audit/local_days.hpp"

namespace gh {
namespace {

constexpr std::int64_t kMaxDayBins = 62;
constexpr std::int64_t kMaxWeekBins = 53;

std::int64_t month_start(std::int64_t day) {
  CivilDay c = civil_from_day(day);
  c.day = 1;
  return day_from_civil(c);
}

std::int64_t next_month_start(std::int64_t day) {
  CivilDay c = civil_from_day(day);
  c.day = 1;
  if (++c.month > 12) {
    c.month = 1;
    ++c.year;
  }
  return day_from_civil(c);
}

}  // namespace

std::string_view to_string(BinWidth w) noexcept {
  switch (w) {
    case BinWidth::day:
      return "day";
    case BinWidth::week:
      return "week";
    case BinWidth::month:
      return "month";
  }
  return "?";
}

BinWidth choose_bin_width(std::int64_t first_day, std::int64_t last_day) noexcept {
  const std::int64_t span = last_day - first_day + 1;
  if (span <= kMaxDayBins) return BinWidth::day;
  if (span <= kMaxWeekBins * 7) return BinWidth::week;
  return BinWidth::month;
}

std::vector<TimeBin> bin_days(
    const std::map<std::int64_t, std::map<std::string, std::int64_t>>& days, std::int64_t first_day,
    std::int64_t last_day, BinWidth width) {
  std::vector<TimeBin> bins;
  if (last_day < first_day) return bins;
  std::int64_t start = first_day;
  if (width == BinWidth::week) start = first_day - weekday_of(first_day);
  if (width == BinWidth::month) start = month_start(first_day);
  while (start <= last_day) {
    TimeBin b;
    b.first_day = start;
    switch (width) {
      case BinWidth::day:
        b.last_day = start;
        b.label = format_day(start);
        b.axis_label = b.label.substr(5);
        break;
      case BinWidth::week:
        b.last_day = start + 6;
        b.label = "week of " + format_day(start);
        b.axis_label = format_day(start).substr(5);
        break;
      case BinWidth::month:
        b.last_day = next_month_start(start) - 1;
        b.label = format_day(start).substr(0, 7);
        b.axis_label = b.label;
        break;
    }
    b.partial = b.first_day < first_day || b.last_day > last_day;
    for (auto it = days.lower_bound(std::max(b.first_day, first_day));
         it != days.end() && it->first <= std::min(b.last_day, last_day); ++it) {
      for (const auto& [series, n] : it->second) {
        if (n == 0) continue;
        b.counts[series] += n;
        b.total += n;
      }
    }
    start = b.last_day + 1;
    bins.push_back(std::move(b));
  }
  return bins;
}

}  // namespace gh
