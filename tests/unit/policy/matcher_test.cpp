#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <random>
#include <string>

#include "policy/cidr_table.hpp"
#include "policy/domain_matcher.hpp"
#include "policy/domain_matcher_coding.hpp"
#include "policy/url_patterns.hpp"

using gh::Cidr;
using gh::CidrTable;
using gh::DomainMatcher;
using gh::IpAddress;

TEST_CASE("DomainMatcher: exact and suffix, most specific wins", "[matcher]") {
  DomainMatcher::Builder b;
  CHECK_FALSE(b.add("example.com", true, 1));         // .example.com
  CHECK_FALSE(b.add("www.example.com", false, 2));    // www.example.com only
  CHECK_FALSE(b.add("deep.a.example.com", true, 3));  // .deep.a.example.com
  CHECK_FALSE(b.add("exact.org", false, 4));
  CHECK_FALSE(b.add("both.net", true, 5));
  CHECK_FALSE(b.add("both.net", false, 6));
  auto m = std::move(b).build();
  CHECK(m.size() == 6);

  auto v = [&](const char* h) -> long {
    auto hit = m.lookup(h);
    return hit ? static_cast<long>(hit->value) : -1;
  };
  CHECK(v("example.com") == 1);  // suffix rule covers the apex
  CHECK(v("a.example.com") == 1);
  CHECK(v("www.example.com") == 2);    // exact beats the shorter suffix
  CHECK(v("x.www.example.com") == 1);  // exact rule does not cover subdomains
  CHECK(v("deep.a.example.com") == 3);
  CHECK(v("1.2.3.4.5.deep.a.example.com") == 3);
  CHECK(v("notexample.com") == -1);  // label boundary respected
  CHECK(v("example.com.evil") == -1);
  CHECK(v("exact.org") == 4);
  CHECK(v("sub.exact.org") == -1);
  CHECK(v("both.net") == 6);  // equal length: exact beats suffix
  CHECK(v("x.both.net") == 5);
  CHECK(v("com") == -1);
  CHECK(v("") == -1);

  auto hit = m.lookup("x.deep.a.example.com");
  REQUIRE(hit);
  CHECK(hit->suffix);
  CHECK(hit->length == std::string("deep.a.example.com").size());
}

TEST_CASE("DomainMatcher: duplicates report the kept value", "[matcher]") {
  DomainMatcher::Builder b;
  CHECK_FALSE(b.add("a.com", true, 1));
  auto dup = b.add("a.com", true, 2);
  REQUIRE(dup);
  CHECK(*dup == 1);
  CHECK_FALSE(b.add("a.com", false, 3));  // other kind: not a duplicate
  auto m = std::move(b).build();
  CHECK(m.lookup("x.a.com")->value == 1);
}

TEST_CASE("DomainMatcher: lookup_parent ignores the name itself", "[matcher]") {
  DomainMatcher::Builder b;
  b.add("example.com", true, 1);
  b.add("mail.example.com", true, 2);
  auto m = std::move(b).build();
  CHECK(m.lookup_parent("mail.example.com")->value == 1);
  CHECK_FALSE(m.lookup_parent("example.com"));
}

TEST_CASE("DomainMatcher: survives growth with many rules", "[matcher]") {
  DomainMatcher::Builder b;
  for (int i = 0; i < 50000; ++i) b.add("host" + std::to_string(i) + ".example", (i % 2) == 0, i);
  auto m = std::move(b).build();
  for (int i = 0; i < 50000; i += 997) {
    std::string h = "host" + std::to_string(i) + ".example";
    REQUIRE(m.lookup(h));
    CHECK(m.lookup(h)->value == static_cast<unsigned>(i));
    CHECK(static_cast<bool>(m.lookup("a." + h)) == ((i % 2) == 0));
  }
  CHECK_FALSE(m.lookup("host50001.example"));
  // At the build's fill most homes' records run past the home line, so a
  // lookup fetches several lines at once (docs/matcher.md, "Homes"); with
  // them, unlisted hosts are still no match.
  CHECK(m.reach() >= 2);
  CHECK(m.reach() <= 8);
  for (int i = 0; i < 2000; ++i) CHECK_FALSE(m.lookup("other" + std::to_string(i) + ".example"));
}

TEST_CASE("DomainMatcher: a few names fit their home lines", "[matcher]") {
  DomainMatcher::Builder b;
  b.add("example.com", true, 1);
  auto m = std::move(b).build();
  CHECK(m.reach() == 1);
  CHECK(m.lookup("www.example.com"));
}

namespace {
// Bytes as the lanes of a chunk, byte 0 first.
std::uint64_t lanes_of(std::initializer_list<unsigned> bytes) {
  std::uint64_t v = 0;
  unsigned at = 0;
  for (unsigned b : bytes) v |= std::uint64_t{b} << (8 * at++);
  return v;
}
std::uint64_t kinds_of(std::initializer_list<unsigned> kinds) {
  std::uint64_t v = 0;
  unsigned at = 0;
  for (unsigned k : kinds) v |= std::uint64_t{k} << (2 * at++);
  return v;
}
}  // namespace

// The branch-free pick of a chunk's record (docs/matcher.md, "Lookup"). A
// lookup falls back to a walk when the pick's record does not compare, so
// the differential tests would not see a wrong place: this checks it.
TEST_CASE("DomainMatcher: the pick finds the first record of the key's length and its body",
          "[matcher]") {
  using gh::matcher_coding::kLanes;
  using Picker = gh::matcher_coding::Pick (*)(std::uint64_t, std::uint64_t, unsigned, std::uint64_t,
                                              unsigned) noexcept;
  // The pick the lookup uses (SSE2 on x86-64) and the portable one.
  const Picker picker = GENERATE(&gh::matcher_coding::pick, &gh::matcher_coding::pick_portable);
  const auto pick = [&](auto... args) { return picker(args...); };
  const std::uint64_t lanes = lanes_of({80, 100, 80}), kinds = kinds_of({1, 3, 2});
  auto p = pick(lanes, kinds, 3u, 80 * kLanes, 20u);
  CHECK((p.found && p.plain && p.kind == 1 && p.body == 0));
  p = pick(lanes, kinds, 3u, 100 * kLanes, 20u);
  CHECK((p.found && p.plain && p.kind == 3 && p.body == 80 + 20));
  CHECK_FALSE(pick(lanes, kinds, 3u, 81 * kLanes, 20u).found);
  // Lanes past the count are not records.
  CHECK_FALSE(pick(lanes_of({80, 100, 77}), kinds, 2u, 77 * kLanes, 20u).found);
  // A record of both kinds keeps its second value after its name: the
  // records after it are not where one value a record puts them, so the
  // pick says so and the lookup walks the home.
  p = pick(lanes_of({10, 11, 12, 13}), kinds_of({3, 1, 3, 2}), 4u, 13 * kLanes, 5u);
  CHECK((p.found && !p.plain && p.kind == 2));
  p = pick(lanes_of({10, 11, 12, 13}), kinds_of({3, 1, 3, 2}), 4u, 10 * kLanes, 5u);
  CHECK((p.found && p.plain && p.kind == 3 && p.body == 0));
  p = pick(lanes_of({10, 11, 12}), kinds_of({1, 2, 3}), 3u, 12 * kLanes, 5u);
  CHECK((p.found && p.plain && p.kind == 3 && p.body == 10 + 11 + 5 * 2));
  // Equal lengths: the first; sums past a byte.
  p = pick(lanes_of({50, 60, 60}), kinds_of({1, 1, 2}), 3u, 60 * kLanes, 7u);
  CHECK((p.found && p.plain && p.kind == 1 && p.body == 50 + 7));
  p = pick(lanes_of({254, 254, 254, 254, 254, 254, 90}), kinds_of({1, 2, 1, 2, 2, 1, 3}), 7u,
           90 * kLanes, 31u);
  CHECK((p.found && p.plain && p.kind == 3 && p.body == 6 * 254 + 31 * 6));
}

// encode() appends two bytes' codes a step (docs/matcher.md, "Measured",
// tenth session); builder and lookup share it, so a bit it lost or misplaced
// would code distinct names alike, which no lookup test would notice unless
// its names happened to collide. This checks it bit by bit against a
// one-bit-at-a-time writer, with codes of every length from 1 to 24 bits.
TEST_CASE("DomainMatcher: encode appends every byte's code, in order, bit by bit", "[matcher]") {
  using namespace gh::matcher_coding;
  std::mt19937_64 rng(41);
  std::uint32_t code[256];
  for (unsigned c = 0; c < 256; ++c) {
    const unsigned len = 1 + (c * 7 + static_cast<unsigned>(rng() % 5)) % kMaxCode;
    code[c] = static_cast<std::uint32_t>(rng() & ((1u << len) - 1)) | len << 24;
  }
  for (std::size_t n : {0, 1, 2, 3, 7, 8, 9, 15, 16, 63, 64, 65, 200, 252, 253}) {
    for (int round = 0; round < 20; ++round) {
      unsigned char s[kMaxName];
      for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<unsigned char>(rng());
      std::uint64_t want[kKeyWords + 1] = {};
      std::size_t bits = 0;
      for (std::size_t i = 0; i < n; ++i)
        for (unsigned b = 0; b < (code[s[i]] >> 24); ++b, ++bits)
          want[bits / 64] |= std::uint64_t{(code[s[i]] >> b) & 1} << (bits % 64);
      std::uint64_t got[kKeyWords + 1];
      std::fill(std::begin(got), std::end(got), ~std::uint64_t{0});
      INFO("n " << n << " round " << round);
      REQUIRE(encode(code, s, n, got) == bits);
      CHECK(code_bits(code, s, n) == bits);
      // Every word written, and the word of zeros after the last.
      for (std::size_t w = 0; w <= bits / 64 + 1; ++w) CHECK(got[w] == want[w]);
    }
  }
}

TEST_CASE("DomainMatcher: only label counts that rules have are probed", "[matcher]") {
  // Rules of 2 and 5 labels only: hosts of every depth still find them, and
  // a name with one of the skipped depths is never mistaken for a rule.
  DomainMatcher::Builder b;
  CHECK_FALSE(b.add("two.com", true, 1));
  CHECK_FALSE(b.add("a.b.c.five.com", true, 2));
  CHECK_FALSE(b.add("x.y.z.exact.org", false, 3));
  auto m = std::move(b).build();
  auto v = [&](const std::string& h) -> long {
    auto hit = m.lookup(h);
    return hit ? static_cast<long>(hit->value) : -1;
  };
  CHECK(v("two.com") == 1);
  CHECK(v("a.two.com") == 1);
  CHECK(v("1.2.3.4.5.6.7.8.two.com") == 1);
  CHECK(v("a.b.c.five.com") == 2);  // 5 labels: the longest suffix
  CHECK(v("q.a.b.c.five.com") == 2);
  CHECK(v("b.c.five.com") == -1);  // 4 labels: not a rule
  CHECK(v("c.five.com") == -1);
  CHECK(v("x.y.z.exact.org") == 3);
  CHECK(v("w.x.y.z.exact.org") == -1);  // exact rule only
  CHECK(v("com") == -1);
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "l.";  // more than 63 labels
  CHECK(v(deep + "two.com") == 1);
  CHECK(m.lookup_parent("a.b.c.five.com") == std::nullopt);
  CHECK(m.lookup_parent("q.a.b.c.five.com")->value == 2);
}

TEST_CASE("DomainMatcher: more than 63 labels in a rule", "[matcher]") {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "l.";
  DomainMatcher::Builder b;
  CHECK_FALSE(b.add(deep + "deep.com", true, 7));
  auto m = std::move(b).build();
  CHECK(m.lookup(deep + "deep.com")->value == 7);
  CHECK(m.lookup("z." + deep + "deep.com")->value == 7);
  CHECK_FALSE(m.lookup("deep.com"));
}

TEST_CASE("DomainMatcher: empty matcher", "[matcher]") {
  DomainMatcher m;
  CHECK_FALSE(m.lookup("example.com"));
}

TEST_CASE("Cidr: parse and contain, v4 and v6", "[cidr]") {
  auto c = Cidr::parse("10.20.0.0/16");
  REQUIRE(c);
  CHECK(c->to_string() == "10.20.0.0/16");
  CHECK(c->contains(*IpAddress::parse("10.20.5.7")));
  CHECK_FALSE(c->contains(*IpAddress::parse("10.21.0.1")));
  CHECK(Cidr::parse("10.20.1.2/16")->to_string() == "10.20.0.0/16");  // masked
  CHECK(Cidr::parse("2001:db8:20::/48")->contains(*IpAddress::parse("2001:db8:20:1::5")));
  CHECK_FALSE(Cidr::parse("2001:db8:20::/48")->contains(*IpAddress::parse("2001:db8:21::5")));
  CHECK(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("8.8.8.8")));
  CHECK_FALSE(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("::1")));
  CHECK(Cidr::parse("127.0.0.1")->bits == 128);
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "::/129", "10.0.0.0/", "x/8", "10.0.0.0/8x",
                          "", "1.2.3.4.5/32", "010.0.0.0/8x"})
    CHECK_FALSE(Cidr::parse(bad));
}

TEST_CASE("CidrTable: longest prefix wins, v4 and v6, overlapping", "[cidr]") {
  CidrTable t;
  CHECK(t.insert(*Cidr::parse("10.0.0.0/8"), 1));
  CHECK(t.insert(*Cidr::parse("10.20.0.0/16"), 2));
  CHECK(t.insert(*Cidr::parse("10.20.5.0/24"), 3));
  CHECK(t.insert(*Cidr::parse("2001:db8::/32"), 4));
  CHECK(t.insert(*Cidr::parse("2001:db8:20::/48"), 5));
  std::uint32_t existing = 0;
  CHECK_FALSE(t.insert(*Cidr::parse("10.20.0.0/16"), 9, &existing));
  CHECK(existing == 2);
  CHECK(t.lookup(*IpAddress::parse("10.1.1.1")) == 1u);
  CHECK(t.lookup(*IpAddress::parse("10.20.1.1")) == 2u);
  CHECK(t.lookup(*IpAddress::parse("10.20.5.200")) == 3u);
  CHECK_FALSE(t.lookup(*IpAddress::parse("11.0.0.1")));
  CHECK(t.lookup(*IpAddress::parse("2001:db8:1::1")) == 4u);
  CHECK(t.lookup(*IpAddress::parse("2001:db8:20:ffff::1")) == 5u);
  CHECK_FALSE(t.lookup(*IpAddress::parse("2001:db9::1")));
  CHECK(t.lookup_prefix(*IpAddress::parse("10.20.5.9"))->to_string() == "10.20.5.0/24");
  CHECK(t.size() == 5);
}

TEST_CASE("IpAddress: an embedded NUL is not an address", "[cidr]") {
  using namespace std::string_view_literals;
  CHECK_FALSE(IpAddress::parse("10.0.0.1\0.evil.com"sv));
  CHECK_FALSE(IpAddress::parse("::1\0x"sv));
  CHECK_FALSE(Cidr::parse("10.0.0.0\0/8"sv));
}

TEST_CASE("IpAddress: private ranges", "[cidr]") {
  for (const char* p :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1",
        "::", "2001:db8::1"})  // documentation: special since issue 10 (special_addresses_test.cpp)
    CHECK(IpAddress::parse(p)->is_private());
  for (const char* p : {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "100.128.0.1"})
    CHECK_FALSE(IpAddress::parse(p)->is_private());
}

TEST_CASE("UrlPatterns: one set, lowest pattern wins, bad regex reported", "[urls]") {
  gh::UrlPatterns u;
  std::string err;
  REQUIRE(u.add("^https?://[^/]+/cgi-bin/mmwebwx-bin/", 7, &err));
  REQUIRE(u.add("/upload", 8, &err));
  CHECK_FALSE(u.add("a(b", 9, &err));
  CHECK_FALSE(err.empty());
  REQUIRE(u.compile());
  CHECK(u.match("http://wx.qq.com/cgi-bin/mmwebwx-bin/webwxinit") == 7u);
  CHECK(u.match("http://x.com/upload/cgi-bin/mmwebwx-bin/") == 8u);     // anchored at the host
  CHECK(u.match("http://wx.qq.com/cgi-bin/mmwebwx-bin/upload") == 7u);  // both: lowest wins
  CHECK(u.match("http://x.com/upload") == 8u);
  CHECK_FALSE(u.match("http://x.com/"));
}
