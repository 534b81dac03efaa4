#include "policy/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "policy/special_addresses.hpp"

namespace gh {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

bool IpAddress::is_v4() const noexcept {
  return std::memcmp(bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
}

IpAddress IpAddress::v4(std::uint32_t host_order) noexcept {
  IpAddress a;
  std::memcpy(a.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
  a.bytes[12] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) noexcept {
  IpAddress a;
  a.bytes = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  // inet_pton would stop at an embedded NUL and accept the prefix.
  if (text.empty() || text.size() > 45 || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4{};
  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only dotted quads (no "1", no octal): what we want.
    if (inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    return IpAddress::v4(ntohl(v4.s_addr));
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::array<std::uint8_t, 16> b;
  std::memcpy(b.data(), &v6, 16);
  return IpAddress::v6(b);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

bool IpAddress::is_private() const noexcept { return special_range_of(*this) != nullptr; }

std::optional<Cidr> Cidr::parse(std::string_view text) noexcept {
  auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const bool v4 = addr->is_v4() && text.substr(0, slash).find(':') == std::string_view::npos;
  unsigned bits = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc{} || p != digits.data() + digits.size()) return std::nullopt;
    if (bits > (v4 ? 32u : 128u)) return std::nullopt;
  }
  Cidr c;
  c.bits = static_cast<std::uint8_t>(v4 ? bits + 96 : bits);
  c.base = *addr;
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned lo = i * 8;
    if (lo >= c.bits) {
      c.base.bytes[i] = 0;
    } else if (lo + 8 > c.bits) {
      c.base.bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - (c.bits - lo)));
    }
  }
  return c;
}

bool Cidr::contains(const IpAddress& a) const noexcept {
  unsigned full = bits / 8, rest = bits % 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == base.bytes[full];
}

std::string Cidr::to_string() const {
  if (base.is_v4() && bits >= 96) return base.to_string() + "/" + std::to_string(bits - 96);
  return base.to_string() + "/" + std::to_string(bits);
}

}  // namespace gh
