// Which destination addresses the private-destination guard refuses (docs/threat-model.md,
// class 3). One table, in special_addresses.cpp, copied by hand from the IANA
// "IPv4 Special-Purpose Address Registry" and "IPv6 Special-Purpose Address
// Registry", plus multicast, deprecated site-local and the cloud metadata
// addresses. Rows that embed an IPv4 address (IPv4-compatible, NAT64, 6to4)
// are judged by the address they embed.
//
// Examples:
//   127.0.0.1, 10.1.2.3, 100.64.0.1, 198.18.0.1, 255.255.255.255  -> special
//   168.63.129.16 (Azure wire server), 100.100.100.200 (Alibaba)  -> special
//   93.184.216.34, 1.1.1.1, 2606:4700::1111                        -> public
//   ::ffff:127.0.0.1 (mapped)      -> special (it is 127.0.0.1)
//   ::127.0.0.1 (IPv4-compatible)  -> special;  ::8.8.8.8 -> public
//   64:ff9b::a00:1 (NAT64 10.0.0.1) -> special; 64:ff9b::808:808 -> public
//   2002:a00:1:: (6to4 10.0.0.1)   -> special;  2002:808:808:: -> public
//   2001::1 (Teredo), 2001:db8::1, fd00:ec2::254, fe80::1, ff02::1 -> special
#pragma once

#include <span>
#include <string_view>

#include "policy/ip_address.hpp"

namespace gh {

enum class SpecialKind : unsigned char {
  special,          // never a public destination
  embeds_v4_at_2,   // 6to4: judge the IPv4 in bytes 2..5
  embeds_v4_at_12,  // IPv4-compatible, NAT64: judge the IPv4 in bytes 12..15
};

struct SpecialRange {
  std::string_view prefix;  // CIDR text, as the registry writes it
  SpecialKind kind;
  std::string_view what;  // the registry's name for it (for tests and explain)
};

// The table itself (rows are checked in order; `special` rows first).
std::span<const SpecialRange> special_ranges() noexcept;

// The row that makes `a` special, or nullptr when `a` is a public address.
// For embedding rows, the row is returned only when the embedded IPv4 is
// itself special.
const SpecialRange* special_range_of(const IpAddress& a) noexcept;

}  // namespace gh
