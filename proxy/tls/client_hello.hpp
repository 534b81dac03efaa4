// Reads a TLS ClientHello from the first bytes of a connection (possibly
// split across several TLS records and TCP segments) and reports what the
// policy needs: SNI, ALPN, ECH presence. No allocation; input is untrusted.
//
// It reads the hello the way OpenSSL's server does (docs/threat-model.md,
// class 1): the handshake is reassembled across records of any size the
// protocol allows (empty ones too), whatever the record's minor version byte.
// Whatever OpenSSL would accept and this reader cannot follow is `malformed`,
// which callers block (`bad-client-hello`): they never treat it as "no SNI".
// tests/fuzz/client_hello_openssl_fuzz.cpp holds the reader to that.
//
// Examples:
//   16 03 01 00 c4 01 00 00 c0 03 03 ...  (whole hello)   -> ok, sni "example.com"
//   the same, cut anywhere before its end                  -> need_more
//   the same, its handshake split over two records         -> ok, same result
//   the same with record version 03 05 or 03 00            -> ok, same result
//   an empty handshake record, then the hello              -> ok, same result
//   "GET / HTTP/1.1\r\n"                                   -> not_tls
//   15 03 03 00 02 01 00  (an alert first)                 -> malformed (TLS, but not followed)
//   80 2e 01 03 01 ...  (SSLv2-format hello)               -> malformed
//   16 03 01 00 05 02 ...  (a ServerHello)                 -> malformed
//   two server_name extensions, two names in one, a name
//   over 255 bytes or containing NUL                       -> malformed
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
  not_tls,    // the first byte is no TLS record type and no SSLv2-format hello
  malformed,  // TLS (or SSLv2), but not a ClientHello this reader can follow
};

// `sni` and `alpn_first` point into this object's own storage (not into the
// input), because a name split across two records has no contiguous bytes in
// the input. Keep the ClientHello alive while you use them; copies re-point.
struct ClientHello {
  HelloStatus status = HelloStatus::need_more;
  bool has_sni = false;         // a host_name was sent (its syntax is the caller's to check)
  bool ech = false;             // encrypted_client_hello extension (0xfe0d) present
  std::string_view sni;         // raw host_name bytes (1..255, no NUL); NOT canonical
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
