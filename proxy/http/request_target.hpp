// What a forward-proxy request asks for, from Beast's parsed request line.
// Pure functions over untrusted text; fuzzed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

enum class TargetForm : std::uint8_t { absolute, authority, origin, asterisk, invalid };

struct RequestTarget {
  TargetForm form = TargetForm::invalid;
  std::string_view scheme;  // "http" (absolute form)
  std::string_view host;    // raw, not canonical; brackets removed for IPv6
  std::uint16_t port = 0;   // explicit or the scheme's default
  bool port_given = false;
  std::string_view path;   // "/a/b?q" (absolute and origin form); "/" if empty
  std::string_view query;  // without '?'
};

// `connect`: the method is CONNECT, so only authority form is valid
// ("host:port" with a port, or "[v6]:port").
RequestTarget parse_request_target(std::string_view target, bool connect) noexcept;

// The URL of a plain-HTTP request as rules and the audit see it:
// "http://" + host (IPv6 in brackets) + ":port" unless 80 + path.
std::string http_url(std::string_view canonical_host, bool is_ip, std::uint16_t port,
                     std::string_view path);
// Its authority alone, as the origin's Host header gets it.
std::string http_authority(std::string_view canonical_host, bool is_ip, std::uint16_t port);

// RFC 9110 token (method names).
bool is_token(std::string_view s) noexcept;

}  // namespace gh
