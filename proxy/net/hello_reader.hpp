// Reads the first bytes of a tunnel (CONNECT or transparent TLS) until they
// form a whole TLS ClientHello, are clearly not TLS or not a hello we can
// read, or the time runs out. The bytes read are kept so they can be sent on
// to the origin unchanged -- but only after a decision on them: nothing is
// relayed on a timeout or on bytes we could not classify (docs/threat-model.md).
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "base/millis.hpp"
#include "net/asio.hpp"
#include "policy/decide.hpp"
#include "tls/client_hello.hpp"

namespace gh {

struct HelloRead {
  static constexpr std::size_t kMax = 16 * 1024 + 5 * 4;  // a hello may span several records
  std::array<std::byte, kMax> bytes;
  std::size_t size = 0;  // bytes read so far (forwarded as they are)
  bool eof = false;      // the client closed (or reset) before a hello was complete
  bool timed_out = false;
  bool tls = false;  // the first bytes are TLS (an alert is the way to refuse them)
  // What the decision sees: sni, no_sni, ech, bad_hello, not_tls, timeout;
  // none only when the client closed without sending a byte (nothing asked).
  TlsSeen seen = TlsSeen::none;
  std::string sni;  // canonical, when seen == sni
};

// The classification above from a parse result and how the read ended
// (a pure function, tested without sockets).
struct HelloEnd {
  bool eof = false;
  bool timed_out = false;
};
TlsSeen classify_hello(const ClientHello& h, HelloEnd end, std::size_t bytes_read,
                       std::string& canonical_sni);

// `prefix`: bytes already read past the CONNECT request (pipelined hello).
asio::awaitable<void> read_client_hello(tcp::socket& s, HelloRead& out, Millis timeout,
                                        std::string_view prefix = {});

// TLS alert record: fatal, access_denied (RFC 8446 §6).
inline constexpr std::array<unsigned char, 7> kTlsAccessDenied{0x15, 0x03, 0x03, 0x00,
                                                               0x02, 0x02, 0x31};

}  // namespace gh
