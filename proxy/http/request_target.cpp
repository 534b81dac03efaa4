// Request-target forms of RFC 9112 §3.2, read strictly: anything a policy
// check and the upstream server could read differently is `invalid`.
//
// Bypasses this file exists to stop (each has a row in the unit table):
//   http://allowed.com@blocked.com/      userinfo: which host is meant?
//   http://allowed.com\@blocked.com/     the same, with a backslash
//   http://allowed.com#@blocked.com/     a fragment hiding the real authority
//   http://2130706433/, http://0x7f.1/   numeric hosts that resolvers read as
//                                        IPv4 but matchers read as names
#include "http/request_target.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstring>

namespace gh {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != b[i]) return false;
  return true;
}

// 1..65535, at most five digits.
bool parse_port(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 5) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

bool is_ipv6_literal(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  // inet_pton stops at a NUL: "[::1\0@evil]" must not pass as "::1" (found by fuzzing).
  for (char c : s)
    if (!(is_digit(c) || c == ':' || c == '.' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
      return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  std::array<unsigned char, 16> out{};
  return inet_pton(AF_INET6, buf, out.data()) == 1;
}

bool is_dotted_quad(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  char buf[16];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr out{};
  return inet_pton(AF_INET, buf, &out) == 1;  // no octal, hex or short forms
}

// WHATWG "ends in a number": a last label of digits or 0x-hex makes the
// whole host an IPv4 address to browsers and inet_aton. We accept only the
// canonical dotted quad, so that the matcher and the resolver agree.
bool ends_in_number(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (last.size() >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x') return true;
  for (char c : last)
    if (!is_digit(c)) return false;
  return true;
}

// reg-name or IPv4: unreserved characters, plus UTF-8 (IDNA is the
// canonicaliser's job). No '%', no sub-delims: no host needs them.
bool is_host_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// host[:port] or [v6][:port]; fills host, port, port_given.
bool parse_authority(std::string_view a, RequestTarget& out) {
  std::string_view port;
  bool has_colon = false;
  if (!a.empty() && a[0] == '[') {
    const std::size_t close = a.find(']');
    if (close == std::string_view::npos) return false;
    out.host = a.substr(1, close - 1);
    if (!is_ipv6_literal(out.host)) return false;  // also rejects zone ids and IPvFuture
    std::string_view after = a.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      has_colon = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = a.find(':');
    out.host = a.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_colon = true;
      port = a.substr(colon + 1);
    }
    if (out.host.empty()) return false;
    for (char c : out.host)
      if (!is_host_char(c)) return false;
    if (ends_in_number(out.host) && !is_dotted_quad(out.host)) return false;
  }
  if (has_colon) {  // "host:" (empty port) is refused, not defaulted
    if (!parse_port(port, out.port)) return false;
    out.port_given = true;
  }
  return true;
}

// Path and query characters: anything visible; no controls, space, DEL or '#'.
bool is_path_text(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '#') return false;
  }
  return true;
}

void split_query(std::string_view path, RequestTarget& out) {
  out.path = path;
  const std::size_t q = path.find('?');
  if (q != std::string_view::npos) out.query = path.substr(q + 1);
}

RequestTarget invalid() { return RequestTarget{}; }

RequestTarget parse_absolute(std::string_view t) {
  const std::size_t sep = t.find("://");
  if (sep == std::string_view::npos || sep == 0) return invalid();
  const std::string_view scheme = t.substr(0, sep);
  RequestTarget out;
  if (iequals(scheme, "http")) {
    out.scheme = "http";
    out.port = 80;
  } else if (iequals(scheme, "https")) {
    out.scheme = "https";
    out.port = 443;
  } else {
    return invalid();
  }
  const std::string_view rest = t.substr(sep + 3);
  const std::size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (!parse_authority(authority, out)) return invalid();
  const std::string_view path = end == std::string_view::npos ? "" : rest.substr(end);
  if (path.empty()) {
    out.path = "/";
  } else {
    if (path[0] != '/' || !is_path_text(path)) return invalid();  // "?q" without a path
    split_query(path, out);
  }
  out.form = TargetForm::absolute;
  return out;
}

}  // namespace

RequestTarget parse_request_target(std::string_view target, bool connect) noexcept {
  if (target.empty()) return invalid();
  if (connect) {  // authority form only, and the port is mandatory
    RequestTarget out;
    if (target.find_first_of("/?#@") != std::string_view::npos) return invalid();
    if (!parse_authority(target, out) || !out.port_given) return invalid();
    out.form = TargetForm::authority;
    return out;
  }
  if (target == "*") {
    RequestTarget out;
    out.form = TargetForm::asterisk;
    return out;
  }
  if (target[0] == '/') {
    if (!is_path_text(target)) return invalid();
    RequestTarget out;
    split_query(target, out);
    out.form = TargetForm::origin;
    return out;
  }
  if (!is_alpha(target[0])) return invalid();
  return parse_absolute(target);
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (is_alpha(c) || is_digit(c)) continue;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        continue;
      default:
        return false;
    }
  }
  return true;
}

std::string http_authority(std::string_view host, bool is_ip, std::uint16_t port) {
  std::string a;
  const bool brackets = is_ip && host.find(':') != std::string_view::npos;
  a.reserve(host.size() + 8);
  if (brackets) a += '[';
  a += host;
  if (brackets) a += ']';
  if (port != 80) a.append(":").append(std::to_string(port));
  return a;
}

std::string http_url(std::string_view host, bool is_ip, std::uint16_t port, std::string_view path) {
  std::string url = "http://" + http_authority(host, is_ip, port);
  url += path;
  return url;
}

}  // namespace gh
