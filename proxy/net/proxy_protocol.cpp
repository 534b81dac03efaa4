// PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2).
//
// Strict on purpose: the header decides which client address the policy and
// the audit log see, so anything not exactly as specified is `invalid` and
// the connection is dropped rather than attributed to a guessed address.
#include "net/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace gh {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::size_t kV1MaxLine = 107;  // including CRLF
constexpr std::array<std::uint8_t, 12> kV2Signature{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                                    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
constexpr std::size_t kV2Header = 16;
constexpr std::size_t kV2MaxTotal = 4096;

using Bytes = std::span<const std::uint8_t>;

ProxyHeader with_status(ProxyHeaderStatus s) {
  ProxyHeader h;
  h.status = s;
  return h;
}

// Is `partial` a prefix of `whole` (or the other way round)?
bool prefix_agrees(std::string_view partial, std::string_view whole) {
  const std::size_t n = std::min(partial.size(), whole.size());
  return partial.substr(0, n) == whole.substr(0, n);
}

// Decimal 0..65535 without sign or leading zero ("0" itself is fine).
bool parse_port(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 5 || (s.size() > 1 && s[0] == '0')) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

// inet_pton for one family: dotted quads without leading zeros, or IPv6 text.
bool parse_address(std::string_view s, bool v6, IpAddress& out) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (v6) {
    std::array<std::uint8_t, 16> b{};
    if (inet_pton(AF_INET6, buf, b.data()) != 1) return false;
    out = IpAddress::v6(b);
  } else {
    in_addr a{};
    if (inet_pton(AF_INET, buf, &a) != 1) return false;
    out = IpAddress::v4(ntohl(a.s_addr));
  }
  return true;
}

// Splits off the text up to the next single space.
std::string_view next_field(std::string_view& rest) {
  const std::size_t sp = rest.find(' ');
  std::string_view field = rest.substr(0, sp);
  rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  return field;
}

// "PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n", "PROXY UNKNOWN ...\r\n".
ProxyHeader parse_v1(std::string_view in) {
  const std::string_view window = in.substr(0, kV1MaxLine);
  const std::size_t lf = window.find('\n');
  if (lf == std::string_view::npos) {
    if (in.size() >= kV1MaxLine) return with_status(ProxyHeaderStatus::invalid);
    // Reject early what cannot become a valid line.
    if (!prefix_agrees(in, kV1Prefix)) return with_status(ProxyHeaderStatus::invalid);
    for (std::size_t i = 0; i < in.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(in[i]);
      const bool last_cr = c == '\r' && i + 1 == in.size();
      if (!last_cr && (c < 0x20 || c > 0x7e)) return with_status(ProxyHeaderStatus::invalid);
    }
    if (in.size() > kV1Prefix.size()) {
      const std::string_view proto = in.substr(kV1Prefix.size());
      if (!prefix_agrees(proto, "TCP4 ") && !prefix_agrees(proto, "TCP6 ") &&
          !prefix_agrees(proto, "UNKNOWN"))
        return with_status(ProxyHeaderStatus::invalid);
    }
    return with_status(ProxyHeaderStatus::need_more);
  }
  if (lf == 0 || in[lf - 1] != '\r') return with_status(ProxyHeaderStatus::invalid);
  std::string_view line = in.substr(0, lf - 1);
  if (!line.starts_with(kV1Prefix)) return with_status(ProxyHeaderStatus::invalid);
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return with_status(ProxyHeaderStatus::invalid);

  ProxyHeader h;
  h.consumed = lf + 1;
  std::string_view rest = line.substr(kV1Prefix.size());
  const std::string_view proto = next_field(rest);
  if (proto == "UNKNOWN") {  // the sender does not know; anything may follow
    h.local = true;
    h.status = ProxyHeaderStatus::ok;
    return h;
  }
  if (proto != "TCP4" && proto != "TCP6") return with_status(ProxyHeaderStatus::invalid);
  const bool v6 = proto == "TCP6";
  const std::string_view src = next_field(rest), dst = next_field(rest);
  const std::string_view sport = next_field(rest), dport = rest;  // dport: up to CR
  if (dport.find(' ') != std::string_view::npos || !parse_address(src, v6, h.source) ||
      !parse_address(dst, v6, h.destination) || !parse_port(sport, h.source_port) ||
      !parse_port(dport, h.destination_port))
    return with_status(ProxyHeaderStatus::invalid);
  h.status = ProxyHeaderStatus::ok;
  return h;
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// TLVs (type, 16-bit length, value) must tile the rest of the block exactly.
bool tlvs_well_formed(Bytes tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < 3) return false;
    const std::size_t len = be16(tlvs.data() + 1);
    if (tlvs.size() < 3 + len) return false;
    tlvs = tlvs.subspan(3 + len);
  }
  return true;
}

ProxyHeader parse_v2(Bytes in) {
  const std::size_t sig = std::min(in.size(), kV2Signature.size());
  if (!std::equal(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(sig), kV2Signature.begin()))
    return with_status(ProxyHeaderStatus::invalid);
  if (in.size() > 12) {
    const std::uint8_t version = in[12] >> 4, command = in[12] & 0x0f;
    if (version != 2 || command > 1) return with_status(ProxyHeaderStatus::invalid);
  }
  if (in.size() < kV2Header) return with_status(ProxyHeaderStatus::need_more);
  const std::size_t total = kV2Header + be16(in.data() + 14);
  if (total > kV2MaxTotal) return with_status(ProxyHeaderStatus::invalid);
  if (in.size() < total) return with_status(ProxyHeaderStatus::need_more);

  ProxyHeader h;
  h.consumed = total;
  h.status = ProxyHeaderStatus::ok;
  if ((in[12] & 0x0f) == 0) {  // LOCAL: a health check from the proxy itself
    h.local = true;
    return h;
  }
  const Bytes block = in.subspan(kV2Header, total - kV2Header);
  std::size_t addresses = 0;
  switch (in[13]) {
    case 0x00:  // UNSPEC: the sender has no addresses to give
      h.local = true;
      break;
    case 0x11:  // TCP over IPv4
      addresses = 12;
      if (block.size() < addresses) return with_status(ProxyHeaderStatus::invalid);
      h.source = IpAddress::v4(std::uint32_t{block[0]} << 24 | std::uint32_t{block[1]} << 16 |
                               std::uint32_t{block[2]} << 8 | block[3]);
      h.destination = IpAddress::v4(std::uint32_t{block[4]} << 24 | std::uint32_t{block[5]} << 16 |
                                    std::uint32_t{block[6]} << 8 | block[7]);
      h.source_port = be16(block.data() + 8);
      h.destination_port = be16(block.data() + 10);
      break;
    case 0x21: {  // TCP over IPv6
      addresses = 36;
      if (block.size() < addresses) return with_status(ProxyHeaderStatus::invalid);
      std::array<std::uint8_t, 16> a{};
      std::copy_n(block.begin(), 16, a.begin());
      h.source = IpAddress::v6(a);
      std::copy_n(block.begin() + 16, 16, a.begin());
      h.destination = IpAddress::v6(a);
      h.source_port = be16(block.data() + 32);
      h.destination_port = be16(block.data() + 34);
      break;
    }
    case 0x31:  // AF_UNIX stream: no IP to attribute, keep the socket's own
    case 0x32:
      addresses = 216;
      if (block.size() < addresses) return with_status(ProxyHeaderStatus::invalid);
      h.local = true;
      break;
    default:  // UDP, or an unknown family/transport: not ours to guess
      return with_status(ProxyHeaderStatus::invalid);
  }
  if (in[13] != 0x00 && !tlvs_well_formed(block.subspan(addresses)))
    return with_status(ProxyHeaderStatus::invalid);
  return h;
}

}  // namespace

ProxyHeader parse_proxy_header(std::span<const std::byte> data) noexcept {
  if (data.empty()) return with_status(ProxyHeaderStatus::need_more);
  const Bytes in(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  if (in[0] == 'P')
    return parse_v1(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  if (in[0] == kV2Signature[0]) return parse_v2(in);
  return with_status(ProxyHeaderStatus::invalid);
}

}  // namespace gh
