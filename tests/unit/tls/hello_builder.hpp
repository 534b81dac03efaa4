// Builds ClientHellos byte by byte for the cases no real client sends
// (ECH injected, duplicate extensions, lying lengths), and cuts a handshake
// message into records at chosen offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tls/client_hello.hpp"

namespace gh::test {

using Buf = std::vector<std::uint8_t>;

inline Buf from_hex(std::string_view hex) {
  Buf out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nib(hex[i]) << 4 | nib(hex[i + 1])));
  return out;
}

inline void put16(Buf& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put24(Buf& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 16));
  put16(b, v & 0xffff);
}
inline void append(Buf& b, const Buf& more) { b.insert(b.end(), more.begin(), more.end()); }
inline void append(Buf& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

inline Buf extension(std::uint16_t type, const Buf& data) {
  Buf b;
  put16(b, type);
  put16(b, data.size());
  append(b, data);
  return b;
}

inline Buf sni_extension(const std::vector<std::string>& hosts, std::uint8_t name_type = 0) {
  Buf list;
  for (const auto& h : hosts) {
    list.push_back(name_type);
    put16(list, h.size());
    append(list, h);
  }
  Buf data;
  put16(data, list.size());
  append(data, list);
  return extension(0, data);
}

inline Buf alpn_extension(const std::vector<std::string>& protos) {
  Buf list;
  for (const auto& p : protos) {
    list.push_back(static_cast<std::uint8_t>(p.size()));
    append(list, p);
  }
  Buf data;
  put16(data, list.size());
  append(data, list);
  return extension(16, data);
}

// A whole handshake message (type 1 + 24-bit length + body) with the given
// extension blocks; `with_extensions=false` leaves out the extensions vector.
inline Buf hello_message(const std::vector<Buf>& exts, bool with_extensions = true) {
  Buf body;
  put16(body, 0x0303);
  body.insert(body.end(), 32, 0xab);  // random
  body.push_back(0);                  // session id
  put16(body, 4);                     // two cipher suites
  append(body, Buf{0x13, 0x01, 0xc0, 0x2f});
  body.push_back(1);  // one compression method: null
  body.push_back(0);
  if (with_extensions) {
    Buf all;
    for (const auto& e : exts) append(all, e);
    put16(body, all.size());
    append(body, all);
  }
  Buf msg{1};
  put24(msg, body.size());
  append(msg, body);
  return msg;
}

// Wraps `msg` in handshake records, starting a new record at each cut.
inline Buf records(const Buf& msg, const std::vector<std::size_t>& cuts = {}) {
  Buf out;
  std::size_t start = 0;
  auto emit = [&](std::size_t end) {
    out.push_back(22);
    put16(out, 0x0301);
    put16(out, end - start);
    out.insert(out.end(), msg.begin() + static_cast<std::ptrdiff_t>(start),
               msg.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
  };
  for (std::size_t c : cuts)
    if (c > start && c < msg.size()) emit(c);
  emit(msg.size());
  return out;
}

// Parses the first `n` bytes from an exactly-sized heap copy, so that ASan
// reports any read past the end (ada-url's trick).
inline ClientHello parse_prefix(const Buf& b, std::size_t n, std::size_t max = 16384) {
  auto copy = std::make_unique<std::byte[]>(n == 0 ? 1 : n);
  for (std::size_t i = 0; i < n; ++i) copy[i] = static_cast<std::byte>(b[i]);
  return parse_client_hello(std::span<const std::byte>(copy.get(), n), max);
}
inline ClientHello parse(const Buf& b, std::size_t max = 16384) {
  return parse_prefix(b, b.size(), max);
}

}  // namespace gh::test
