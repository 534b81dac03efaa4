#include "policy/endpoint.hpp"

#include <charconv>

namespace gh {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view text, EndpointHost kind,
                                       bool port_zero) noexcept {
  std::string_view host, port;
  bool bracketed = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    bracketed = true;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || v > 65535 ||
      (v == 0 && !port_zero))
    return std::nullopt;
  if (host.empty()) return std::nullopt;
  try {
    Endpoint e;
    e.port = static_cast<std::uint16_t>(v);
    e.ip = IpAddress::parse(host);
    if (e.ip && bracketed != !e.ip->is_v4()) return std::nullopt;  // brackets for v6 only
    if (!e.ip) {
      if (kind == EndpointHost::ip_only || bracketed) return std::nullopt;
      for (char c : host)
        if (!name_char(c)) return std::nullopt;
    }
    e.host = std::string(host);
    return e;
  } catch (...) {  // allocation failure
    return std::nullopt;
  }
}

std::string to_string(const Endpoint& e) {
  const bool v6 = e.ip && !e.ip->is_v4();
  std::string out;
  out.reserve(e.host.size() + 8);
  if (v6) out += '[';
  out += e.host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(e.port);
  return out;
}

}  // namespace gh
