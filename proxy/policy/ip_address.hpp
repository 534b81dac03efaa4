// An IPv4 or IPv6 address and CIDR prefixes, independent of any socket API.
// IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) so that one
// longest-prefix table serves both families.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // network order, v4 mapped
  bool is_v4() const noexcept;
  static IpAddress v4(std::uint32_t host_order) noexcept;
  static IpAddress v6(const std::array<std::uint8_t, 16>& b) noexcept;
  // Accepts "1.2.3.4", "2001:db8::1", "[2001:db8::1]"; nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text) noexcept;
  std::string to_string() const;  // "1.2.3.4" or "2001:db8::1"
  // Any range of the IANA special-purpose registries, multicast, cloud
  // metadata, or an address embedding a private IPv4 (special_addresses.hpp).
  bool is_private() const noexcept;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
  IpAddress base;       // masked
  std::uint8_t bits{};  // prefix length in the 128-bit (mapped) space
  // "10.0.0.0/8", "2001:db8::/32", or a bare address (host route).
  static std::optional<Cidr> parse(std::string_view text) noexcept;
  bool contains(const IpAddress& a) const noexcept;
  std::string to_string() const;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

}  // namespace gh
