#include "policy/schedule.hpp"

#include <algorithm>

namespace gh {

std::optional<std::uint32_t> parse_clock_time(std::string_view t, bool end_of_day) noexcept {
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  const std::uint32_t h = static_cast<std::uint32_t>((t[0] - '0') * 10 + (t[1] - '0'));
  const std::uint32_t m = static_cast<std::uint32_t>((t[3] - '0') * 10 + (t[4] - '0'));
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && end_of_day) return kMinutesPerDay;
  if (h > 23) return std::nullopt;
  return h * 60 + m;
}

std::optional<std::uint32_t> parse_weekday(std::string_view text) noexcept {
  static constexpr std::string_view kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (std::uint32_t i = 0; i < 7; ++i)
    if (kDays[i] == text) return i;
  return std::nullopt;
}

std::optional<WeeklyWindow> window_of(std::uint32_t day, std::uint32_t from,
                                      std::uint32_t to) noexcept {
  if (day > 6 || from >= kMinutesPerDay || to > kMinutesPerDay || from == to) return std::nullopt;
  const std::uint32_t start = day * kMinutesPerDay + from;
  const std::uint32_t length = to > from ? to - from : kMinutesPerDay - from + to;
  return WeeklyWindow{start, start + length};
}

bool WeeklyWindow::overlaps(const WeeklyWindow& o) const noexcept {
  // Compare on a two-week line so a window wrapping past Sunday meets Monday's.
  auto meets = [](std::uint32_t a0, std::uint32_t a1, std::uint32_t b0, std::uint32_t b1) {
    return a0 < b1 && b0 < a1;
  };
  return meets(start, end, o.start, o.end) ||
         meets(start + kMinutesPerWeek, end + kMinutesPerWeek, o.start, o.end) ||
         meets(start, end, o.start + kMinutesPerWeek, o.end + kMinutesPerWeek);
}

bool Schedule::in_force(std::uint32_t minute_of_week) const noexcept {
  return std::any_of(windows.begin(), windows.end(),
                     [&](const WeeklyWindow& w) { return w.contains(minute_of_week); });
}

std::int32_t UtcOffsets::offset_at(TimePoint t) const noexcept {
  if (changes_.empty()) return 0;
  const std::int64_t s =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  auto it = std::upper_bound(changes_.begin(), changes_.end(), s,
                             [](std::int64_t v, const OffsetChange& c) { return v < c.from_utc; });
  return it == changes_.begin() ? changes_.front().offset : std::prev(it)->offset;
}

std::uint32_t UtcOffsets::minute_of_week(TimePoint t) const noexcept {
  const std::int64_t local =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count() + offset_at(t);
  // 1970-01-01 was a Thursday: shift by three days so Monday 00:00 is zero.
  constexpr std::int64_t kWeek = std::int64_t{kMinutesPerWeek} * 60;
  std::int64_t s = (local + 3 * 86400) % kWeek;
  if (s < 0) s += kWeek;
  return static_cast<std::uint32_t>(s / 60);
}

}  // namespace gh
