// The resolver's pure parts: the TTL cache with negative entries and its
// bound, the per-client cap on lookups in flight, the hosts-file reader.
#include <catch2/catch.hpp>

#include <string>

#include "net/resolver_cache.hpp"
#include "net/resolver_hosts.hpp"
#include "net/resolver_limit.hpp"

using namespace gh;
using namespace std::chrono_literals;

namespace {
IpAddress ip(const char* t) { return *IpAddress::parse(t); }
const DnsCache::Time t0{};
}  // namespace

TEST_CASE("cache: an answer lives for its TTL", "[resolver][cache]") {
  DnsCache c(10);
  c.put("a.test", {ip("192.0.2.1")}, 60s, t0);
  auto hit = c.find("a.test", t0 + 59s);
  REQUIRE(hit);
  CHECK(hit->addresses == std::vector<IpAddress>{ip("192.0.2.1")});
  CHECK_FALSE(c.find("a.test", t0 + 60s));
  CHECK(c.size() == 0);  // the expired entry went with the look
  CHECK_FALSE(c.find("b.test", t0));
}

TEST_CASE("cache: TTL 0 and empty answers are not kept", "[resolver][cache]") {
  DnsCache c(10);
  c.put("zero.test", {ip("192.0.2.1")}, 0s, t0);
  c.put("empty.test", {}, 60s, t0);
  CHECK(c.size() == 0);
}

TEST_CASE("cache: no such name is remembered for the negative TTL", "[resolver][cache]") {
  DnsCache c(10);
  c.put_negative("nx.test", 30s, t0);
  auto hit = c.find("nx.test", t0 + 29s);
  REQUIRE(hit);
  CHECK(hit->addresses.empty());
  CHECK_FALSE(c.find("nx.test", t0 + 30s));
  c.put_negative("off.test", 0ms, t0);
  CHECK_FALSE(c.find("off.test", t0));
}

TEST_CASE("cache: bounded, the least recently used name goes first", "[resolver][cache]") {
  DnsCache c(3);
  c.put("a", {ip("192.0.2.1")}, 60s, t0);
  c.put("b", {ip("192.0.2.2")}, 60s, t0);
  c.put("c", {ip("192.0.2.3")}, 60s, t0);
  REQUIRE(c.find("a", t0));  // a is now the most recent
  c.put("d", {ip("192.0.2.4")}, 60s, t0);
  CHECK(c.size() == 3);
  CHECK_FALSE(c.find("b", t0));
  CHECK(c.find("a", t0));
  CHECK(c.find("c", t0));
  CHECK(c.find("d", t0));
  for (int i = 0; i < 1000; ++i) c.put("n" + std::to_string(i), {ip("192.0.2.9")}, 60s, t0);
  CHECK(c.size() == 3);
}

TEST_CASE("cache: a new answer replaces the old one", "[resolver][cache]") {
  DnsCache c(3);
  c.put_negative("x", 30s, t0);
  c.put("x", {ip("192.0.2.7")}, 10s, t0);
  CHECK(c.size() == 1);
  REQUIRE(c.find("x", t0 + 5s));
  CHECK(c.find("x", t0 + 5s)->addresses.size() == 1);
  CHECK_FALSE(c.find("x", t0 + 11s));
}

TEST_CASE("cache: size 0 keeps nothing", "[resolver][cache]") {
  DnsCache c(0);
  c.put("a", {ip("192.0.2.1")}, 60s, t0);
  c.put_negative("b", 60s, t0);
  CHECK_FALSE(c.find("a", t0));
  CHECK(c.size() == 0);
}

TEST_CASE("limit: per client, released when the slot goes", "[resolver][limit]") {
  LookupLimit l(2, 100);
  const auto a = ip("10.0.0.1"), b = ip("10.0.0.2");
  auto s1 = l.acquire(a);
  auto s2 = l.acquire(a);
  auto s3 = l.acquire(a);
  CHECK(s1);
  CHECK(s2);
  CHECK_FALSE(s3);  // over the cap: the request gets 503 overloaded
  auto sb = l.acquire(b);
  CHECK(sb);  // another client is not affected
  CHECK(l.in_flight(a) == 2);
  CHECK(l.in_flight() == 3);
  s1.release();
  CHECK(l.in_flight(a) == 1);
  CHECK(l.acquire(a));  // taken and given back at once (temporary)
  {
    LookupLimit::Slot moved = std::move(s2);
    CHECK_FALSE(s2);
    CHECK(l.in_flight(a) == 1);
  }
  CHECK(l.in_flight(a) == 0);
  CHECK(l.in_flight() == 1);
}

TEST_CASE("limit: a total bound over all clients", "[resolver][limit]") {
  LookupLimit l(10, 3);
  std::vector<LookupLimit::Slot> held;
  for (int i = 1; i <= 3; ++i) held.push_back(l.acquire(IpAddress::v4(0x0a000000u + i)));
  CHECK(l.in_flight() == 3);
  CHECK_FALSE(l.acquire(ip("10.0.0.9")));
  held.clear();
  CHECK(l.in_flight() == 0);
  CHECK(l.acquire(ip("10.0.0.9")));
}

TEST_CASE("hosts: addresses per name, comments, case, junk lines", "[resolver][hosts]") {
  const auto t = HostsTable::parse(
      "# comment line\n"
      "127.0.0.1\tlocalhost\n"
      "::1 localhost ip6-localhost   ip6-loopback\n"
      "10.0.0.5 Intranet.Example. intranet # office\r\n"
      "not-an-ip name.test\n"
      "192.0.2.1\n"
      "fe80::1%lo0 scoped.test\n"
      "   \n"
      "127.0.0.1 localhost\n"
      "192.0.2.2 last.test");  // no final newline
  REQUIRE(t.find("localhost"));
  CHECK(*t.find("localhost") == std::vector<IpAddress>{ip("127.0.0.1"), ip("::1")});
  CHECK(*t.find("intranet.example") == std::vector<IpAddress>{ip("10.0.0.5")});
  CHECK(*t.find("intranet") == std::vector<IpAddress>{ip("10.0.0.5")});
  CHECK(*t.find("last.test") == std::vector<IpAddress>{ip("192.0.2.2")});
  CHECK(t.find("name.test") == nullptr);
  CHECK(t.find("scoped.test") == nullptr);
  CHECK(t.find("office") == nullptr);
  CHECK(t.find("Intranet") == nullptr);  // callers pass canonical (lower-case) names
}

TEST_CASE("hosts: empty and binary input do not crash", "[resolver][hosts]") {
  CHECK(HostsTable::parse("").size() == 0);
  std::string junk(300, '\0');
  junk += "\xff\xfe 1.2.3.4\n1.2.3.4 \x01\x02";
  CHECK(HostsTable::parse(junk).size() == 1);
}
