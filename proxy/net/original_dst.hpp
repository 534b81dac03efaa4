// The destination a redirected connection was originally sent to, from the
// netfilter NAT table (SO_ORIGINAL_DST for IPv4, IP6T_SO_ORIGINAL_DST for IPv6).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "policy/ip_address.hpp"

namespace gh {

std::optional<std::pair<IpAddress, std::uint16_t>> original_destination(int fd) noexcept;

}  // namespace gh
