// `host:port` as every address in the configuration spells it (listeners,
// admin, pac.proxy, resolver servers, syslog targets): one parser and one
// printer (README "Configuration"). IPv6 addresses are written in brackets:
// "[2001:db8::1]:3128".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/ip_address.hpp"

namespace gh {

struct Endpoint {
  std::string host;             // an address without brackets, or a host name
  std::optional<IpAddress> ip;  // set when `host` is an address
  std::uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class EndpointHost : std::uint8_t {
  ip_only,     // listeners, admin, resolver servers: an address to bind or to ask
  name_or_ip,  // pac.proxy, syslog: what clients or the resolver will look up
};

// nullopt on anything else: no port, a port that is not 1-65535 (0 too,
// unless `port_zero`: an ephemeral listener port), an empty host, an IPv6
// address without brackets, a host name with characters outside
// [A-Za-z0-9.-], text after the port.
std::optional<Endpoint> parse_endpoint(std::string_view text, EndpointHost kind,
                                       bool port_zero = false) noexcept;

// "1.2.3.4:80", "[2001:db8::1]:443", "proxy.example:3128".
std::string to_string(const Endpoint& e);

}  // namespace gh
