// Durations and sizes as written in the config (README "Main config").
//
// Examples:
//   "500ms" -> 500 ms     "10s" -> 10 s     "5m" -> 5 min     "1h" -> 1 h    "2d" -> 2 days
//   "64KiB" -> 65536      "1MiB" -> 1048576  "1GiB" -> 1073741824  "4096" -> 4096 bytes
//   "10", "5 s", "-1s", "1.5s", "1KB", "" -> rejected
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace gh {

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) noexcept;
bool parse_size(std::string_view text, std::uint64_t& out) noexcept;

}  // namespace gh
