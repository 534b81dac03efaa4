// The one host:port parser and printer (policy/endpoint.hpp).
#include "policy/endpoint.hpp"

#include <catch2/catch.hpp>

using namespace gh;

TEST_CASE("endpoints: what parses and how it prints") {
  auto v4 = parse_endpoint("127.0.0.1:3128", EndpointHost::ip_only);
  REQUIRE(v4);
  CHECK(v4->ip);
  CHECK(v4->port == 3128);
  CHECK(to_string(*v4) == "127.0.0.1:3128");
  auto v6 = parse_endpoint("[2001:db8::1]:443", EndpointHost::ip_only);
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(to_string(*v6) == "[2001:db8::1]:443");
  auto name = parse_endpoint("proxy.example.gov:3128", EndpointHost::name_or_ip);
  REQUIRE(name);
  CHECK_FALSE(name->ip);
  CHECK(to_string(*name) == "proxy.example.gov:3128");
  CHECK(parse_endpoint("127.0.0.1:0", EndpointHost::ip_only, true)->port == 0);
}

TEST_CASE("endpoints: what is refused, the same everywhere") {
  for (const char* bad :
       {"x:abc", ":9090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:80x", "2001:db8::1:443", "[127.0.0.1]:80", "[::1", "[::1]", "[::1]x80",
        "a_b.example:80", "[name]:80", "", "127.0.0.1:-1", "127.0.0.1: 80"}) {
    INFO(bad);
    CHECK_FALSE(parse_endpoint(bad, EndpointHost::name_or_ip));
  }
  CHECK_FALSE(parse_endpoint("proxy.example:3128", EndpointHost::ip_only));
}
