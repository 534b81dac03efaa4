// Reads a TLS ClientHello from the first bytes of a connection (possibly
// split across several TLS records and TCP segments) and reports what the
// policy needs: SNI, ALPN, ECH presence. No allocation; input is untrusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace gh {

enum class HelloStatus : std::uint8_t {
  need_more,  // a prefix of a ClientHello: read more bytes and call again
  ok,         // a whole ClientHello was parsed
  not_tls,    // the bytes are not a TLS handshake record
  malformed,  // TLS, but broken or truncated in a way more bytes cannot fix
};

struct ClientHello {
  HelloStatus status = HelloStatus::need_more;
  bool has_sni = false;
  bool ech = false;           // encrypted_client_hello extension (0xfe0d) present
  std::string_view sni;       // raw host_name bytes (points into the input); NOT canonical
  std::string_view alpn_first;  // first ALPN protocol, if any
  std::uint16_t legacy_version = 0;
  std::size_t consumed = 0;   // bytes of records that made up the hello
};

// `max_bytes`: give up (malformed) if the hello needs more than this.
ClientHello parse_client_hello(std::span<const std::byte> data, std::size_t max_bytes = 16384) noexcept;

}  // namespace gh
