// Exact and suffix domain rules for millions of names (README "Rule files"; README "Performance"), laid
// out to stay in the last-level cache: about 16 bytes per rule at 1M rules
// (docs/matcher.md describes the layout and the measurements).
//
// A lookup reverses the host and hashes it one label at a time, so each
// candidate suffix ("com", "example.com", "www.example.com") is a prefix of
// the reversed host with its own hash. Candidates are probed in a table of
// 32-bit fingerprints, longest first; only a fingerprint hit is verified,
// always, against the stored rule name, so a false positive cannot match.
//
// Examples (rules ".example.com" = 1, "www.example.com" = 2, ".both.net" = 3,
// "both.net" = 4):
//   "a.example.com"    -> 1 (suffix)        "www.example.com" -> 2 (exact)
//   "x.www.example.com"-> 1 (exact rules do not cover subdomains)
//   "both.net"         -> 4 (equal length: exact beats suffix)
//   "x.both.net"       -> 3                  "notexample.com" -> none
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/huge_page_allocator.hpp"

namespace gh {

class DomainMatcher {
 public:
  struct Hit {
    std::uint32_t value;   // caller's payload (index of a RuleEntry)
    bool suffix;           // matched a ".example.com" rule
    std::uint16_t length;  // length of the matched domain
  };

  class Builder {
   public:
    void reserve(std::size_t n);
    // `domain` is canonical, without the leading dot. Returns the value of an
    // identical rule (same domain, same kind) already added, which is kept.
    // An empty domain or one over 253 octets is ignored.
    std::optional<std::uint32_t> add(std::string_view domain, bool suffix, std::uint32_t value);
    // Throws std::length_error if the names need over 2^24 lines (1 GiB).
    DomainMatcher build() &&;

   private:
    struct Pending {
      std::uint64_t hash;    // the lookup hash of the whole name
      std::uint32_t offset;  // into names_: the name reversed
      std::uint32_t length;
      std::uint32_t exact;   // kNone if no exact rule
      std::uint32_t suffix;  // kNone if no suffix rule
    };
    void grow_index(std::size_t size);
    void index_pending();
    // Huge pages: these are read in random order while building.
    std::vector<char, HugePageAllocator<char>> names_;
    std::vector<Pending, HugePageAllocator<Pending>> pending_;
    // hash tag << 32 | pending index + 1; 0 = empty
    std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> index_;
    std::size_t indexed_ = 0;             // pending_[0, indexed_) are in index_
    std::vector<std::uint64_t> filter_;  // every pending_ name, for "surely new"
    unsigned filter_shift_ = 0;
    std::uint64_t label_counts_ = 0;
    std::size_t rules_ = 0;
  };

  DomainMatcher() = default;
  // `host` must be canonical. No allocation.
  std::optional<Hit> lookup(std::string_view host) const noexcept;
  // Like lookup() but only suffix rules strictly above `domain` (for shadowing checks).
  std::optional<Hit> lookup_parent(std::string_view domain) const noexcept;
  std::size_t size() const noexcept { return rules_; }  // rules (exact + suffix)
  std::size_t memory_bytes() const noexcept;

  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::size_t kBucket = 16;     // slots per bucket: one 64-byte line
  static constexpr std::size_t kLineBytes = 64;  // a name is verified within one cache line
  static constexpr unsigned kPosBits = 4;        // up to 16 names in a line

 private:
  template <bool kSkipFull>
  std::optional<Hit> lookup_impl(std::string_view host) const noexcept;
  // Whether record `target` of the line at `line` is the key's bit string;
  // if so, its value goes to `value`.
  bool record_is(const unsigned char* line, unsigned target, const unsigned char* key,
                 std::size_t key_bits, std::uint32_t& value) const noexcept;
  std::uint32_t second_value_of(std::uint32_t ref) const noexcept;

  // Fingerprint table: buckets of kBucket slots, linear probing bucket by
  // bucket, a lookup stops at the first bucket with an empty slot. A slot is
  // fingerprint << (ref_bits_ + 2) | kind << ref_bits_ | ref, never 0 (kind
  // is 1 exact, 2 suffix, 3 both; 0 is an empty slot), and ref is the name's
  // line << kPosBits | its place in the line.
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> slots_;
  std::uint32_t buckets_ = 0;
  unsigned ref_bits_ = 0;
  // Names sorted by their reversed bytes, Huffman-coded, each followed by
  // its rule's value in value_bits_, and front-coded at the bit level within
  // a line of kLineBytes: the first name of a line is whole.
  std::vector<unsigned char, HugePageAllocator<unsigned char>> names_;
  unsigned value_bits_ = 0;
  // The Huffman code of each byte value, bit-reversed: code | length << 24.
  std::array<std::uint32_t, 256> code_{};
  // A name with both kinds of rule holds the exact rule's value; the suffix
  // rule's is here, by ref.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> second_;
  // Bit n set: some rule domain has n labels (bit 63: 63 or more). A lookup
  // probes only the suffixes of the host with a label count that occurs, so
  // a deep host name costs no more probes than the rules need.
  std::uint64_t label_counts_ = 0;
  std::size_t rules_ = 0;
};

}  // namespace gh
