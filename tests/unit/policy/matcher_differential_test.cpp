// DomainMatcher against the obvious matcher (matcher_reference.hpp) on random
// rule sets and random hosts: deep names, IDN A-labels, names over 63 labels
// and near 253 octets, exact and suffix rules on the same name, bytes no rule
// has, and non-canonical bytes a caller should never pass but might.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "homed_names.hpp"
#include "matcher_reference.hpp"
#include "policy/domain_matcher.hpp"

using gh::DomainMatcher;
using gh::testing::names_homed_in;
using gh::testing::ReferenceHit;
using gh::testing::ReferenceMatcher;

namespace {

class NameMaker {
 public:
  explicit NameMaker(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  bool chance(unsigned percent) { return below(100) < percent; }

  std::string label() {
    static const char* kPool[] = {
        "com",      "net",   "co",   "uk",        "example",       "www",
        "a",        "b",     "mail", "cdn",       "xn--bcher-kva", "xn--80ak6aa92e",
        "xn--p1ai", "api-1", "s3",   "eu-west-1", "a-b",           "0",
        "z9"};
    if (chance(70)) return kPool[below(sizeof kPool / sizeof kPool[0])];
    static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    std::string out;
    const std::size_t n = chance(5) ? 55 + below(9) : 1 + below(12);  // up to 63
    for (std::size_t i = 0; i < n; ++i) out += kChars[below(chance(90) ? 36 : 37)];
    if (chance(3)) out[below(out.size())] = "_A\xc3\0."[below(5)];  // not canonical
    return out;
  }

  std::string name() {
    std::size_t labels = 1 + below(chance(10) ? 80 : 6);  // sometimes over 63 labels
    std::string out = label();
    while (--labels > 0 && out.size() < 300) out = label() + "." + out;
    if (out.size() > 253 && chance(80)) out.resize(253 - below(4));  // near the limit, or past it
    return out;
  }

  // A host drawn to meet the rules: a rule name, a subdomain of one, a
  // piece of one, or something unrelated.
  std::string host(const std::vector<std::string>& names) {
    if (names.empty() || chance(20)) return name();
    std::string h = names[below(names.size())];
    switch (below(5)) {
      case 0:
        break;
      case 1:
        h = label() + "." + h;
        break;
      case 2:
        for (std::size_t i = 1 + below(8); i-- > 0;) h = label() + "." + h;
        break;
      case 3: {
        auto dot = h.find('.');
        if (dot != std::string::npos) h = h.substr(dot + 1);
        break;
      }
      default:
        if (!h.empty()) h.erase(0, 1 + below(h.size()));
    }
    return h;
  }

 private:
  std::mt19937_64 rng_;
};

// Copied into a buffer of exactly its size, so ASan sees any read past the end.
std::optional<ReferenceHit> exact_lookup(const DomainMatcher& m, const std::string& host,
                                         bool parent) {
  auto buf = std::make_unique<char[]>(host.size() + !host.size());
  std::memcpy(buf.get(), host.data(), host.size());
  const std::string_view view(buf.get(), host.size());
  auto hit = parent ? m.lookup_parent(view) : m.lookup(view);
  if (!hit) return std::nullopt;
  return ReferenceHit{hit->value, hit->suffix, hit->length};
}

std::string show(const std::optional<ReferenceHit>& h) {
  if (!h) return "none";
  return std::to_string(h->value) + (h->suffix ? " suffix" : " exact") + " len " +
         std::to_string(h->length);
}

void compare_on_random_rules(std::uint64_t seed, std::size_t rules, std::size_t hosts) {
  NameMaker make(seed);
  ReferenceMatcher ref;
  DomainMatcher::Builder b{seed};  // the hash's seed too: a failure repeats
  std::vector<std::string> names;
  for (std::size_t i = 0; i < rules; ++i) {
    // Reuse names now and then: the same name as exact and suffix, and duplicates.
    std::string d =
        !names.empty() && make.chance(15) ? names[make.below(names.size())] : make.name();
    const bool suffix = make.chance(60);
    const auto value = static_cast<std::uint32_t>(make.chance(5) ? make.below(1u << 31) : i);
    INFO("seed " << seed << " add '" << d << "' suffix " << suffix);
    REQUIRE(b.add(d, suffix, value) == ref.add(d, suffix, value));
    names.push_back(d);
  }
  const DomainMatcher m = std::move(b).build();
  for (std::size_t i = 0; i < hosts; ++i) {
    const std::string h = make.host(names);
    for (bool parent : {false, true}) {
      const auto want = ref.lookup(h, parent);
      const auto got = exact_lookup(m, h, parent);
      if (got != want) {
        FAIL_CHECK("seed " << seed << (parent ? " lookup_parent('" : " lookup('") << h
                           << "'): matcher " << show(got) << ", reference " << show(want));
        return;
      }
    }
  }
}

}  // namespace

TEST_CASE("DomainMatcher agrees with the reference on small random rule sets",
          "[matcher][differential]") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed)
    compare_on_random_rules(seed, 1 + seed % 40, 200);
}

TEST_CASE("DomainMatcher agrees with the reference on larger random rule sets",
          "[matcher][differential]") {
  for (std::uint64_t seed = 1000; seed < 1004; ++seed) compare_on_random_rules(seed, 20000, 20000);
}

TEST_CASE("DomainMatcher: names of one byte value, hosts of bytes no rule has",
          "[matcher][differential]") {
  ReferenceMatcher ref;
  DomainMatcher::Builder b;
  std::uint32_t v = 0;
  for (const char* r : {"a", "aa", "aaaa"}) {
    CHECK(b.add(r, true, v) == ref.add(r, true, v));
    ++v;
  }
  auto m = std::move(b).build();
  for (const char* h : {"a", "aa", "aaa", "aaaa", "b.a", "a.a", "ab", "a.b", "b", ".aa", "aa.",
                        "x.aaaa", "aaaaa", "a\xff", "\xff.a"}) {
    INFO(h);
    CHECK(exact_lookup(m, h, false) == ref.lookup(h));
    CHECK(exact_lookup(m, h, true) == ref.lookup(h, true));
  }
}

TEST_CASE("DomainMatcher: skewed byte counts need codes capped at 24 bits",
          "[matcher][differential]") {
  // Byte i occurs 256 * Fibonacci(i) times, shuffled and cut into names:
  // with every other byte value counted once, an unlimited Huffman code for
  // this is 25 bits deep, so the builder must flatten the counts.
  std::string stream;
  std::uint64_t f0 = 1, f1 = 1;
  for (int sym = 0; sym < 17; ++sym) {
    stream.append(256 * f0, static_cast<char>('a' + sym));
    const std::uint64_t next = f0 + f1;
    f0 = f1;
    f1 = next;
  }
  std::mt19937_64 rng(5);
  std::shuffle(stream.begin(), stream.end(), rng);
  std::vector<std::string> names;
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t len = 100 + rng() % 150;
    names.push_back(stream.substr(at, len));
    at += len;
  }
  ReferenceMatcher ref;
  DomainMatcher::Builder b;
  for (std::size_t i = 0; i < names.size(); ++i)
    REQUIRE(b.add(names[i], i % 2 == 0, static_cast<std::uint32_t>(i)) ==
            ref.add(names[i], i % 2 == 0, static_cast<std::uint32_t>(i)));
  auto m = std::move(b).build();
  for (std::size_t i = 0; i < names.size(); i += 3) {
    for (const std::string& h : {names[i], "q." + names[i], names[i].substr(1), names[i] + "Z"}) {
      INFO(h);
      CHECK(exact_lookup(m, h, false) == ref.lookup(h));
    }
  }
}

TEST_CASE("DomainMatcher::Builder reports every duplicate while its index grows", "[matcher]") {
  // Without reserve() the index and its filter grow many times, some of them
  // in the middle of an add (found by fuzz_domain_matcher: the new name's
  // filter bits were written to the old, freed filter, so adding it again
  // was not reported as a duplicate).
  DomainMatcher::Builder b;
  const std::size_t n = 30000;
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE_FALSE(b.add("n" + std::to_string(i * 7919 % n) + ".example", true,
                        static_cast<std::uint32_t>(i)));
  std::size_t reported = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto dup = b.add("n" + std::to_string(i * 7919 % n) + ".example", true, 999999);
    reported += dup && *dup == i;
  }
  CHECK(reported == n);
}

TEST_CASE("DomainMatcher: names of many lines each, homes crowded past their line",
          "[matcher][differential]") {
  // Names of near 253 random bytes code to about 2,000 bits (four cache
  // lines), so a record runs over several lines and the records of a home
  // often start lines after its own (docs/matcher.md, "Layout").
  std::mt19937_64 rng(11);
  ReferenceMatcher ref;
  DomainMatcher::Builder b;
  std::vector<std::string> names;
  for (std::uint32_t i = 0; i < 8000; ++i) {
    std::string name(240 + rng() % 14, 'x');
    for (char& c : name) c = static_cast<char>(rng() % 256);
    name[rng() % 200 + 20] = '.';
    REQUIRE(b.add(name, i % 3 != 0, i) == ref.add(name, i % 3 != 0, i));
    names.push_back(std::move(name));
  }
  auto m = std::move(b).build();
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (const std::string& h :
         {names[i], names[i].substr(names[i].find('.') + 1), names[i].substr(1)}) {
      INFO(i);
      CHECK(exact_lookup(m, h, false) == ref.lookup(h));
      CHECK(exact_lookup(m, h, true) == ref.lookup(h, true));
    }
  }
}

namespace {

std::size_t first_homes_at_most(const std::vector<std::string>& names) {
  // Every record's bits, over-counted: names_homed_in's raw bytes are near
  // uniform, so their Huffman codes are 8 bits, some 9.
  std::size_t bits = 0;
  for (const std::string& n : names) bits += 3 + 20 + 2 * 32 + 9 * n.size();
  return static_cast<std::size_t>(
      std::ceil(static_cast<double>(bits) / (DomainMatcher::kLineBits * 0.92)));
}

}  // namespace

TEST_CASE("DomainMatcher::Builder lays the stream out again when a home is crowded too far",
          "[matcher][differential]") {
  // 40 names in home 0 for any home count up to 1,024 (about 78,000 bits of
  // records), and 2 in the home at about 1/16 of the count: at the fill
  // build() starts with, that home's line is some 12 lines into home 0's
  // records, more than the 16 bits of heads_ can say, so build() must add
  // homes (docs/matcher.md, "Homes") until the line is far enough down.
  std::mt19937_64 rng(17);
  std::vector<std::string> names = names_homed_in(0, std::uint64_t{1} << 22, 40, rng);
  for (std::string& n :
       names_homed_in(std::uint64_t{1} << 28, (std::uint64_t{1} << 28) + (1u << 26), 2, rng))
    names.push_back(std::move(n));
  ReferenceMatcher ref;
  DomainMatcher::Builder b{gh::testing::kCraftSeed};
  for (std::uint32_t i = 0; i < names.size(); ++i)
    REQUIRE(b.add(names[i], i % 2 == 0, i) == ref.add(names[i], i % 2 == 0, i));
  const DomainMatcher m = std::move(b).build();
  CHECK(m.homes() > first_homes_at_most(names));
  for (const std::string& n : names) {
    for (const std::string& h : {n, "q." + n, n.substr(n.find('.') + 1), n.substr(1)}) {
      INFO(h);
      CHECK(exact_lookup(m, h, false) == ref.lookup(h));
      CHECK(exact_lookup(m, h, true) == ref.lookup(h, true));
    }
  }
}

TEST_CASE("DomainMatcher::Builder gives up when colliding hashes crowd a home at every size",
          "[matcher]") {
  // 50 names whose home 0 holds about 93,000 bits of records at every
  // count build() tries, as a list crafted against a known seed would.
  // build() must fail with a clear error, not grow the table until memory
  // runs out (docs/matcher.md, "Limits").
  std::mt19937_64 rng(23);
  const std::vector<std::string> names = gh::testing::names_crowding_every_size(48, rng);
  DomainMatcher::Builder b{gh::testing::kCraftSeed};
  for (std::uint32_t i = 0; i < names.size(); ++i) REQUIRE_FALSE(b.add(names[i], true, i));
  // The first layout has about 210 homes; six times that is within 100 to 2,499.
  REQUIRE(first_homes_at_most(names) * 6 < 2400);
  CHECK_THROWS_AS(std::move(b).build(), std::length_error);

  // A builder that draws its own seed, as the loader's does, lays the same
  // names out at the first size: crafting them took knowing the seed.
  DomainMatcher::Builder drawn;
  for (std::uint32_t i = 0; i < names.size(); ++i) REQUIRE_FALSE(drawn.add(names[i], true, i));
  const DomainMatcher m = std::move(drawn).build();
  CHECK(m.homes() <= first_homes_at_most(names));
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    const auto hit = m.lookup("x." + names[i]);
    REQUIRE(hit);
    CHECK(hit->value == i);
  }
}
