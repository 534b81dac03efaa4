#include "config/units.hpp"

#include <charconv>
#include <limits>

namespace gh {
namespace {

// Leading decimal digits of `text` into *value; the rest is the unit.
bool split_number(std::string_view text, std::uint64_t& value, std::string_view& unit) noexcept {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{}) return false;
  unit = text.substr(static_cast<std::size_t>(ptr - text.data()));
  return true;
}

bool scaled(std::uint64_t value, std::uint64_t factor, std::uint64_t& out) noexcept {
  if (factor != 0 && value > std::numeric_limits<std::uint64_t>::max() / factor) return false;
  out = value * factor;
  return true;
}

}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) noexcept {
  std::uint64_t value = 0;
  std::string_view unit;
  if (!split_number(text, value, unit)) return false;
  std::uint64_t factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return false;
  std::uint64_t ms = 0;
  // Keep far below the range of milliseconds::rep so later arithmetic cannot overflow.
  if (!scaled(value, factor, ms) || ms > (1ull << 53)) return false;
  out = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  return true;
}

bool parse_size(std::string_view text, std::uint64_t& out) noexcept {
  std::uint64_t value = 0;
  std::string_view unit;
  if (!split_number(text, value, unit)) return false;
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "B")
    factor = 1;
  else if (unit == "KiB")
    factor = 1ull << 10;
  else if (unit == "MiB")
    factor = 1ull << 20;
  else if (unit == "GiB")
    factor = 1ull << 30;
  else if (unit == "TiB")
    factor = 1ull << 40;
  else
    return false;
  return scaled(value, factor, out);
}

}  // namespace gh
