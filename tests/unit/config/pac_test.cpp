#include <catch2/catch.hpp>

#include "config/pac.hpp"

using namespace gh;

namespace {

Settings settings() {
  Settings s;
  s.config_path = "rules/gatehouse.yaml";
  s.listeners.push_back({*parse_endpoint("127.0.0.1:3129", EndpointHost::ip_only),
                         Mode::transparent_tls, "transparent-tls", false});
  s.listeners.push_back(
      {*parse_endpoint("127.0.0.1:3128", EndpointHost::ip_only), Mode::forward, "forward", false});
  return s;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("PAC: the proxy is pac.proxy, else the first forward listener", "[config][pac]") {
  Settings s = settings();
  CHECK(pac_proxy(s) == "127.0.0.1:3128");
  CHECK(contains(pac_text(s), "return \"PROXY 127.0.0.1:3128\";\n}\n"));
  s.pac.proxy = "proxy.example.gov:3128";
  CHECK(contains(pac_text(s), "return \"PROXY proxy.example.gov:3128\";"));
}

TEST_CASE("PAC: direct domains, IPv4 and IPv6 networks, never DIRECT as a fallback",
          "[config][pac]") {
  Settings s = settings();
  s.pac.direct_domains = {".intranet.example.gov", "wiki.example.org"};
  s.pac.direct_networks = {*Cidr::parse("10.0.0.0/8"), *Cidr::parse("192.168.1.0/24"),
                           *Cidr::parse("2001:db8:20::/48")};
  const std::string pac = pac_text(s);
  CHECK(contains(pac,
                 "if (h == \"intranet.example.gov\" || dnsDomainIs(h, \".intranet.example.gov\")) "
                 "return \"DIRECT\";"));
  CHECK(contains(pac, "if (h == \"wiki.example.org\") return \"DIRECT\";"));
  CHECK(contains(pac, "isInNet(h, \"10.0.0.0\", \"255.0.0.0\")"));
  CHECK(contains(pac, "isInNet(h, \"192.168.1.0\", \"255.255.255.0\")"));
  CHECK(contains(pac, "ghV6InNet(a, [0x2001,0xdb8,0x20,0x0,0x0,0x0,0x0,0x0], 48)"));
  CHECK_FALSE(contains(pac, "; DIRECT"));
  CHECK_FALSE(contains(pac, "dnsResolve"));  // no DNS lookups in the browser
  // The last statement is the proxy, with no fallback.
  const std::size_t last = pac.rfind("return ");
  CHECK(pac.substr(last) == "return \"PROXY 127.0.0.1:3128\";\n}\n");
}

TEST_CASE("PAC: without IPv6 networks no helper is emitted", "[config][pac]") {
  Settings s = settings();
  CHECK_FALSE(contains(pac_text(s), "ghV6Groups"));
  CHECK(contains(pac_text(s), "function FindProxyForURL(url, host)"));
}
