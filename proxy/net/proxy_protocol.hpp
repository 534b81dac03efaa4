// PROXY protocol v1 (text) and v2 (binary) header, HAProxy's specification.
// Pure parser: no sockets, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "policy/ip_address.hpp"

namespace gh {

enum class ProxyHeaderStatus : std::uint8_t { need_more, ok, invalid };

struct ProxyHeader {
  ProxyHeaderStatus status = ProxyHeaderStatus::need_more;
  bool local = false;  // v2 LOCAL / v1 UNKNOWN: keep the socket's own addresses
  IpAddress source;
  std::uint16_t source_port = 0;
  IpAddress destination;
  std::uint16_t destination_port = 0;
  std::size_t consumed = 0;  // header length to drop from the stream
};

// Parses the start of a connection; v1 lines are at most 107 bytes, v2
// headers at most 16+65535 (we refuse > 4096 as invalid).
ProxyHeader parse_proxy_header(std::span<const std::byte> data) noexcept;

}  // namespace gh
