// Reads the first bytes of a tunnel (CONNECT or transparent TLS) until they
// form a whole TLS ClientHello, are clearly not TLS, or the time runs out.
// The bytes read are kept so they can be sent on to the origin unchanged.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "policy/decide.hpp"

namespace gh {

struct HelloRead {
  static constexpr std::size_t kMax = 16 * 1024 + 5 * 4;  // a hello may span several records
  std::array<std::byte, kMax> bytes;
  std::size_t size = 0;  // bytes read so far (forwarded as they are)
  bool eof = false;      // the client closed before sending anything useful
  bool timed_out = false;
  bool tls = false;              // the first bytes are a TLS handshake record
  TlsSeen seen = TlsSeen::none;  // sni / no_sni / ech when tls
  std::string sni;               // canonical, when seen == sni
};

// `prefix`: bytes already read past the CONNECT request (pipelined hello).
asio::awaitable<void> read_client_hello(tcp::socket& s, HelloRead& out, Millis timeout,
                                        std::string_view prefix = {});

// TLS alert record: fatal, access_denied (RFC 8446 §6).
inline constexpr std::array<unsigned char, 7> kTlsAccessDenied{0x15, 0x03, 0x03, 0x00,
                                                               0x02, 0x02, 0x31};

}  // namespace gh
