// Rule names whose matcher hash puts them in a chosen range of homes, found
// by brute force with the builder's own hash (white box:
// policy/domain_matcher_coding.hpp; docs/matcher.md, "Homes" and "Limits").
// For the tests of the builder's re-layout path and of its bound.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "policy/domain_matcher_coding.hpp"

namespace gh::testing {

// The seed the names below are found against: the one every build used
// while the hash was not keyed. A builder given it crowds their home; one
// that draws its own seed (the loader's) does not.
constexpr std::uint64_t kCraftSeed = 0x243f6a8885a308d3ull;

// `count` names whose hash (from kCraftSeed) has its high 32 bits (the ones home_of() scales by the
// home count) are in [from, below). Raw: 240 near-random bytes with one
// dot, about 8 bits each once coded (a record of about 1,950 bits).
// Canonical: 253 bytes of [a-z0-9] in labels of 63, as a rule list may hold
// (about 5.2 bits each coded, a record of about 1,350 bits).
inline std::vector<std::string> names_homed_in(std::uint64_t from, std::uint64_t below,
                                               std::size_t count, std::mt19937_64& rng,
                                               bool canonical = false) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  const std::size_t n = canonical ? 253 : 240;
  std::vector<std::string> out;
  // the name reversed, as the builder hashes it
  unsigned char rev[253] = {};
  while (out.size() < count) {
    for (std::size_t i = 0; i < n; i += 8) {
      std::uint64_t r = rng();
      for (std::size_t j = 0; j < 8 && i + j < n; ++j, r >>= 8) {
        const auto b = static_cast<unsigned char>(r & 0xff);
        rev[i + j] = canonical        ? static_cast<unsigned char>(kChars[b % 36])
                     : b == '.' || !b ? static_cast<unsigned char>('x')
                                      : b;
      }
    }
    if (canonical) {
      rev[63] = rev[127] = rev[191] = '.';
    } else {
      rev[100] = '.';
    }
    std::size_t labels;
    const std::uint64_t high = gh::matcher_coding::name_hash(kCraftSeed, rev, n, labels) >> 32;
    if (high >= from && high < below)
      out.emplace_back(std::make_reverse_iterator(rev + n), std::make_reverse_iterator(rev));
  }
  return out;
}

// `count` names in home 0 for any home count below 4,096, then 2 in home
// count / 100 (1 to 24 for counts of 100 to 2,499). Under kCraftSeed that
// home's line stays inside home 0's records, over 2^16 bits before their
// end, at every home count build() tries, so build() must give up
// (docs/matcher.md, "Limits").
inline std::vector<std::string> names_crowding_every_size(std::size_t count, std::mt19937_64& rng,
                                                          bool canonical = false) {
  std::vector<std::string> names =
      names_homed_in(0, (std::uint64_t{1} << 32) / 4096, count, rng, canonical);
  const std::uint64_t at = (std::uint64_t{1} << 32) / 100 + 1;
  for (std::string& n :
       names_homed_in(at, at + (std::uint64_t{1} << 32) / 100000, 2, rng, canonical))
    names.push_back(std::move(n));
  return names;
}

}  // namespace gh::testing
