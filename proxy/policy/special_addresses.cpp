#include "policy/special_addresses.hpp"

#include <array>
#include <optional>
#include <vector>

namespace gh {
namespace {

using K = SpecialKind;

// Sources: IANA "IPv4 Special-Purpose Address Registry" and "IPv6
// Special-Purpose Address Registry" (iana-ipv4-special-registry,
// iana-ipv6-special-registry), every row, including the few the registry
// marks globally reachable (AS112, AMT, PCP/TURN anycast): nobody browses to
// them through a web proxy, and refusing costs nothing. Added to them: IPv4
// and IPv6 multicast (IANA multicast registries), IPv6 site-local (RFC 3879,
// deprecated but still routed inside some networks), and the cloud metadata
// services (most already inside a row above; listed so the table says so).
constexpr std::array kRanges{
    // IPv4 registry
    SpecialRange{"0.0.0.0/8", K::special, "\"This network\" (RFC 791)"},
    SpecialRange{"10.0.0.0/8", K::special, "Private-Use (RFC 1918)"},
    SpecialRange{"100.64.0.0/10", K::special, "Shared Address Space (RFC 6598)"},
    SpecialRange{"127.0.0.0/8", K::special, "Loopback (RFC 1122)"},
    SpecialRange{"169.254.0.0/16", K::special, "Link Local (RFC 3927)"},
    SpecialRange{"172.16.0.0/12", K::special, "Private-Use (RFC 1918)"},
    SpecialRange{"192.0.0.0/24", K::special, "IETF Protocol Assignments (RFC 6890)"},
    SpecialRange{"192.0.2.0/24", K::special, "Documentation TEST-NET-1 (RFC 5737)"},
    SpecialRange{"192.31.196.0/24", K::special, "AS112-v4 (RFC 7535)"},
    SpecialRange{"192.52.193.0/24", K::special, "AMT (RFC 7450)"},
    SpecialRange{"192.88.99.0/24", K::special, "Deprecated 6to4 Relay Anycast (RFC 7526)"},
    SpecialRange{"192.168.0.0/16", K::special, "Private-Use (RFC 1918)"},
    SpecialRange{"192.175.48.0/24", K::special, "Direct Delegation AS112 Service (RFC 7534)"},
    SpecialRange{"198.18.0.0/15", K::special, "Benchmarking (RFC 2544)"},
    SpecialRange{"198.51.100.0/24", K::special, "Documentation TEST-NET-2 (RFC 5737)"},
    SpecialRange{"203.0.113.0/24", K::special, "Documentation TEST-NET-3 (RFC 5737)"},
    SpecialRange{"240.0.0.0/4", K::special, "Reserved (RFC 1112)"},
    SpecialRange{"255.255.255.255/32", K::special, "Limited Broadcast (RFC 919)"},
    // IPv4 multicast registry
    SpecialRange{"224.0.0.0/4", K::special, "Multicast (RFC 5771)"},
    // Cloud metadata services
    SpecialRange{"169.254.169.254/32", K::special, "metadata: AWS, GCP, Azure, OpenStack"},
    SpecialRange{"168.63.129.16/32", K::special, "metadata: Azure wire server"},
    SpecialRange{"100.100.100.200/32", K::special, "metadata: Alibaba Cloud"},
    SpecialRange{"192.0.0.192/32", K::special, "metadata: Oracle Cloud"},
    SpecialRange{"fd00:ec2::254/128", K::special, "metadata: AWS (IPv6)"},
    // IPv6 registry (::ffff:0:0/96, IPv4-mapped, is stored as IPv4 and judged
    // by the rows above)
    SpecialRange{"::/128", K::special, "Unspecified Address (RFC 4291)"},
    SpecialRange{"::1/128", K::special, "Loopback Address (RFC 4291)"},
    SpecialRange{"64:ff9b:1::/48", K::special, "IPv4-IPv6 Translat., local use (RFC 8215)"},
    SpecialRange{"100::/64", K::special, "Discard-Only Address Block (RFC 6666)"},
    SpecialRange{"2001::/23", K::special, "IETF Protocol Assignments, incl. Teredo 2001::/32"},
    SpecialRange{"2001:db8::/32", K::special, "Documentation (RFC 3849)"},
    SpecialRange{"2620:4f:8000::/48", K::special, "Direct Delegation AS112 Service (RFC 7534)"},
    SpecialRange{"3fff::/20", K::special, "Documentation (RFC 9637)"},
    SpecialRange{"5f00::/16", K::special, "Segment Routing SIDs (RFC 9602)"},
    SpecialRange{"fc00::/7", K::special, "Unique-Local (RFC 4193)"},
    SpecialRange{"fe80::/10", K::special, "Link-Local Unicast (RFC 4291)"},
    SpecialRange{"fec0::/10", K::special, "Site-Local, deprecated (RFC 3879)"},
    SpecialRange{"ff00::/8", K::special, "Multicast (RFC 4291)"},
    // Rows judged by the IPv4 address they carry
    SpecialRange{"::/96", K::embeds_v4_at_12, "IPv4-compatible, deprecated (RFC 4291)"},
    SpecialRange{"64:ff9b::/96", K::embeds_v4_at_12, "IPv4-IPv6 Translat. (RFC 6052)"},
    SpecialRange{"2002::/16", K::embeds_v4_at_2, "6to4 (RFC 3056)"},
};

struct Parsed {
  Cidr cidr;
  const SpecialRange* row;
};

// Parsed once; the table is constant text, so a row that does not parse is a
// programming error caught by the unit tests (every row is exercised).
const std::vector<Parsed>& parsed() {
  static const std::vector<Parsed> rows = [] {
    std::vector<Parsed> out;
    out.reserve(kRanges.size());
    for (const SpecialRange& r : kRanges) {
      if (auto c = Cidr::parse(r.prefix)) out.push_back(Parsed{*c, &r});
    }
    return out;
  }();
  return rows;
}

IpAddress embedded_v4(const IpAddress& a, std::size_t at) noexcept {
  const auto& b = a.bytes;
  return IpAddress::v4(std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 |
                       std::uint32_t{b[at + 2]} << 8 | std::uint32_t{b[at + 3]});
}

const SpecialRange* direct_row(const IpAddress& a) noexcept {
  for (const Parsed& p : parsed())
    if (p.row->kind == K::special && p.cidr.contains(a)) return p.row;
  return nullptr;
}

}  // namespace

std::span<const SpecialRange> special_ranges() noexcept { return kRanges; }

const SpecialRange* special_range_of(const IpAddress& a) noexcept {
  if (const SpecialRange* r = direct_row(a)) return r;
  if (a.is_v4()) return nullptr;
  for (const Parsed& p : parsed()) {
    if (p.row->kind == K::special || !p.cidr.contains(a)) continue;
    const std::size_t at = p.row->kind == K::embeds_v4_at_2 ? 2 : 12;
    // One level only: the embedded address is IPv4, judged by the IPv4 rows.
    return direct_row(embedded_v4(a, at)) ? p.row : nullptr;
  }
  return nullptr;
}

}  // namespace gh
