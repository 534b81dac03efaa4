// Reads a TLS ClientHello from the first bytes of a connection (possibly
// split across several TLS records and TCP segments) and reports what the
// policy needs: SNI, ALPN, ECH presence. No allocation; input is untrusted.
//
// Examples:
//   16 03 01 00 c4 01 00 00 c0 03 03 ...  (whole hello)   -> ok, sni "example.com"
//   the same, cut anywhere before its end                  -> need_more
//   the same, its handshake split over two records         -> ok, same result
//   "GET / HTTP/1.1\r\n"                                   -> not_tls
//   16 03 01 00 05 02 ...  (a ServerHello)                 -> malformed
//   two server_name extensions                             -> malformed
#pragma once

#include <array>
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

// `sni` and `alpn_first` point into this object's own storage (not into the
// input), because a name split across two records has no contiguous bytes in
// the input. Keep the ClientHello alive while you use them; copies re-point.
struct ClientHello {
  HelloStatus status = HelloStatus::need_more;
  bool has_sni = false;         // a host_name was sent (sni may still be invalid)
  bool ech = false;             // encrypted_client_hello extension (0xfe0d) present
  std::string_view sni;         // raw host_name bytes; NOT canonical; "" if > 255 bytes
  std::string_view alpn_first;  // first ALPN protocol, if any
  std::uint16_t legacy_version = 0;
  std::size_t consumed = 0;  // bytes of records that made up the hello

  ClientHello() noexcept = default;
  ClientHello(const ClientHello& other) noexcept { *this = other; }
  ClientHello& operator=(const ClientHello& other) noexcept;

  // Used by the parser: copy `bytes` into the storage and point the view at it.
  void set_sni(std::span<const std::uint8_t> bytes) noexcept;
  void set_alpn_first(std::span<const std::uint8_t> bytes) noexcept;

 private:
  std::array<char, 255> sni_storage_{};
  std::array<char, 255> alpn_storage_{};
};

// `max_bytes`: give up (malformed) if the records carrying the hello need
// more than this many bytes of input, so need_more is only ever returned
// while data.size() < max_bytes. The handshake message itself is at most
// 16 KiB whatever `max_bytes` says.
ClientHello parse_client_hello(std::span<const std::byte> data,
                               std::size_t max_bytes = 16384) noexcept;

}  // namespace gh
