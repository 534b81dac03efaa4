// libFuzzer target: schedule windows (policy/schedule.hpp) from arbitrary
// bytes: "day from to" triples are parsed as a rule file's would be, and
// every window built must satisfy its invariants at every probed minute.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "policy/schedule.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<gh::WeeklyWindow> windows;
  for (int i = 0; i < 64 && !text.empty(); ++i) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    // "mon 12:00 14:00"
    auto day = gh::parse_weekday(line.substr(0, 3));
    auto from = line.size() >= 9 ? gh::parse_clock_time(line.substr(4, 5), false) : std::nullopt;
    auto to = line.size() >= 15 ? gh::parse_clock_time(line.substr(10, 5), true) : std::nullopt;
    if (from && *from >= gh::kMinutesPerDay) std::abort();
    if (to && *to > gh::kMinutesPerDay) std::abort();
    if (!day || !from || !to) continue;
    auto w = gh::window_of(*day, *from, *to);
    if (!w) {
      if (*from != *to) std::abort();
      continue;
    }
    if (w->start >= gh::kMinutesPerWeek || w->end <= w->start ||
        w->end - w->start > gh::kMinutesPerDay || !w->contains(w->start))
      std::abort();
    windows.push_back(*w);
  }
  gh::Schedule s{"fuzz", windows, ""};
  for (std::uint32_t m = 0; m < gh::kMinutesPerWeek; m += 97) (void)s.in_force(m);
  for (const auto& a : windows)
    for (const auto& b : windows)
      if (a.overlaps(b) != b.overlaps(a)) std::abort();
  return 0;
}
