// The private-destination table (special_addresses.cpp), row by row: an
// address at each end of every range is special, the neighbours just outside
// are not; embedded IPv4 (mapped, compatible, NAT64, 6to4) is judged.
#include <catch2/catch.hpp>

#include <string>

#include "policy/special_addresses.hpp"

using namespace gh;

namespace {

bool special(const char* text) {
  auto a = IpAddress::parse(text);
  REQUIRE(a.has_value());
  return a->is_private();
}

struct Case {
  const char* address;
  bool special;
};

}  // namespace

TEST_CASE("every row of the table parses and covers its own prefix", "[special]") {
  for (const SpecialRange& r : special_ranges()) {
    INFO(r.prefix);
    auto c = Cidr::parse(r.prefix);
    REQUIRE(c.has_value());
    if (r.kind == SpecialKind::special) {
      CHECK(special_range_of(c->base) != nullptr);
    }
  }
}

TEST_CASE("IPv4 special-purpose registry, boundaries of each range", "[special]") {
  const Case cases[] = {
      {"0.0.0.0", true},          {"0.255.255.255", true},   {"1.0.0.0", false},
      {"9.255.255.255", false},   {"10.0.0.0", true},        {"10.255.255.255", true},
      {"11.0.0.0", false},        {"100.63.255.255", false}, {"100.64.0.0", true},
      {"100.127.255.255", true},  {"100.128.0.0", false},    {"126.255.255.255", false},
      {"127.0.0.1", true},        {"127.255.255.255", true}, {"128.0.0.0", false},
      {"169.253.255.255", false}, {"169.254.0.0", true},     {"169.254.255.255", true},
      {"169.255.0.0", false},     {"172.15.255.255", false}, {"172.16.0.0", true},
      {"172.31.255.255", true},   {"172.32.0.0", false},     {"191.255.255.255", false},
      {"192.0.0.0", true},        {"192.0.0.255", true},     {"192.0.1.0", false},
      {"192.0.2.0", true},        {"192.0.2.255", true},     {"192.0.3.0", false},
      {"192.31.196.1", true},     {"192.31.197.0", false},   {"192.52.193.1", true},
      {"192.52.194.0", false},    {"192.88.98.255", false},  {"192.88.99.0", true},
      {"192.88.99.255", true},    {"192.88.100.0", false},   {"192.167.255.255", false},
      {"192.168.0.0", true},      {"192.168.255.255", true}, {"192.169.0.0", false},
      {"192.175.48.1", true},     {"192.175.49.0", false},   {"198.17.255.255", false},
      {"198.18.0.0", true},       {"198.19.255.255", true},  {"198.20.0.0", false},
      {"198.51.99.255", false},   {"198.51.100.0", true},    {"198.51.100.255", true},
      {"198.51.101.0", false},    {"203.0.112.255", false},  {"203.0.113.0", true},
      {"203.0.113.255", true},    {"203.0.114.0", false},    {"223.255.255.255", false},
      {"224.0.0.0", true},        {"239.255.255.255", true}, {"240.0.0.0", true},
      {"255.255.255.254", true},  {"255.255.255.255", true}, {"8.8.8.8", false},
      {"93.184.216.34", false},   {"1.1.1.1", false},
  };
  for (const Case& c : cases) {
    INFO(c.address);
    CHECK(special(c.address) == c.special);
  }
}

TEST_CASE("cloud metadata addresses", "[special]") {
  for (const char* a : {"169.254.169.254", "168.63.129.16", "192.0.0.192", "100.100.100.200",
                        "fd00:ec2::254", "::ffff:169.254.169.254"}) {
    INFO(a);
    CHECK(special(a));
  }
  // Azure's wire server is a single address inside a public block.
  CHECK_FALSE(special("168.63.129.15"));
  CHECK_FALSE(special("168.63.129.17"));
}

TEST_CASE("IPv6 special-purpose registry, boundaries of each range", "[special]") {
  const Case cases[] = {
      {"::", true},
      {"::1", true},
      {"::2", true},  // IPv4-compatible ::0.0.0.2, inside 0.0.0.0/8
      {"64:ff9b:1::", true},
      {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", true},
      {"64:ff9b:2::", false},
      {"100::", true},
      {"100::ffff:ffff:ffff:ffff", true},
      {"100:0:0:1::", false},
      {"2001::", true},
      {"2001::1", true},  // Teredo
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", true},
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"2001:200::", false},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"2001:db8::", true},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"2001:db9::", false},
      {"2620:4f:8000::1", true},
      {"2620:4f:8001::", false},
      {"3fff::1", true},
      {"3fff:fff:ffff::", true},
      {"3fff:1000::", false},
      {"5f00::1", true},
      {"5f01::", false},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"fc00::", true},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"fe00::", false},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"fe80::", true},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"fec0::1", true},
      {"ff00::", true},
      {"ff02::1", true},
      {"2606:4700::1111", false},
      {"2a00:1450:4001:80b::200e", false},
  };
  for (const Case& c : cases) {
    INFO(c.address);
    CHECK(special(c.address) == c.special);
  }
}

TEST_CASE("addresses that embed an IPv4 are judged by it", "[special]") {
  const Case cases[] = {
      // IPv4-mapped: stored as the IPv4 address itself
      {"::ffff:127.0.0.1", true},
      {"::ffff:10.1.2.3", true},
      {"::ffff:8.8.8.8", false},
      // IPv4-compatible ::a.b.c.d
      {"::127.0.0.1", true},
      {"::10.0.0.1", true},
      {"::169.254.169.254", true},
      {"::8.8.8.8", false},
      // NAT64 well-known prefix 64:ff9b::/96
      {"64:ff9b::127.0.0.1", true},
      {"64:ff9b::a00:1", true},
      {"64:ff9b::c0a8:101", true},
      {"64:ff9b::8.8.8.8", false},
      {"64:ff9b::1:0:0:1", false},  // inside no /96 row, outside the /48
      // 6to4 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
      {"2002:7f00:1::", true},
      {"2002:a00:1::1", true},
      {"2002:a9fe:a9fe::", true},
      {"2002:c0a8:101:1::1", true},
      {"2002:808:808::1", false},
      {"2002:5db8:d822::", false},
  };
  for (const Case& c : cases) {
    INFO(c.address);
    CHECK(special(c.address) == c.special);
  }
}
