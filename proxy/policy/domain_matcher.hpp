// Exact and suffix domain rules for millions of names (README "Rule files"; README "Performance"),
// in about 16 bytes per rule at 1M rules, looked up with one memory round trip (docs/matcher.md
// describes the layout and the measurements).
//
// A lookup reverses the host and hashes it 8 bytes at a time, so each
// candidate suffix ("com", "example.com", "www.example.com") is a prefix of
// the reversed host whose hash falls out of the same pass. The hash alone
// gives the cache line where the candidate's home starts (its records run on
// into the next few lines), so every candidate's lines are fetched at once
// (one memory round trip for the whole lookup); a small filter skips most
// candidates that are no rule. The record found is always compared with the whole candidate, so a
// hash collision cannot match.
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
    // The hash's seed drawn from the system's random source, so that whoever
    // writes a rule list cannot pick names that crowd one home line
    // (docs/matcher.md, "Limits").
    Builder();
    // A fixed seed: for tests and fuzzing, which must be repeatable.
    explicit Builder(std::uint64_t seed) noexcept : seed_(seed) {}
    void reserve(std::size_t n);
    // `domain` is canonical, without the leading dot. Returns the value of an
    // identical rule (same domain, same kind) already added, which is kept.
    // An empty domain or one over 253 octets is ignored.
    std::optional<std::uint32_t> add(std::string_view domain, bool suffix, std::uint32_t value);
    // Throws std::length_error if the names need 2^32 lines (256 GiB) or more,
    // or if their hashes crowd one line too far (docs/matcher.md, "Limits").
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
    bool write_stream(DomainMatcher& m, std::uint32_t homes) const;
    void index_pending();
    // Huge pages: these are read in random order while building.
    std::vector<char, HugePageAllocator<char>> names_;
    std::vector<Pending, HugePageAllocator<Pending>> pending_;
    // hash tag << 32 | pending index + 1; 0 = empty
    std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> index_;
    std::size_t indexed_ = 0;            // pending_[0, indexed_) are in index_
    std::vector<std::uint64_t> filter_;  // every pending_ name, for "surely new"
    unsigned filter_shift_ = 0;
    std::uint64_t label_counts_ = 0;
    std::size_t rules_ = 0;
    std::uint64_t seed_;
  };

  DomainMatcher() = default;
  // `host` must be canonical. No allocation. (Inline, so the caller builds
  // the optional from the packed word in its registers: out of line, GCC
  // built it on the stack and read it back in other sizes, a
  // store-forwarding stall on every lookup.)
  std::optional<Hit> lookup(std::string_view host) const noexcept { return unpack(find(host)); }
  // Like lookup() but only suffix rules strictly above `domain` (for shadowing checks).
  std::optional<Hit> lookup_parent(std::string_view domain) const noexcept {
    return unpack(find_parent(domain));
  }
  std::size_t size() const noexcept { return rules_; }  // rules (exact + suffix)
  std::size_t memory_bytes() const noexcept;
  // Home lines of the stream (docs/matcher.md, "Homes"): more than the
  // names' bits need when build() had to lay the stream out again.
  std::size_t homes() const noexcept { return homes_; }
  // Lines a lookup fetches at once from a candidate's home line on
  // (docs/matcher.md, "Homes").
  std::size_t reach() const noexcept { return reach_; }

  static constexpr std::uint32_t kNone = 0xffffffffu;
  static constexpr std::size_t kLineBits = 512;        // one 64-byte cache line
  static constexpr std::uint16_t kEmptyHome = 0xffff;  // heads_: no name has this home

 private:
  // A hit packed in one word: value (bits 0-31), suffix (bit 32), length
  // (bits 48-63, 0: no rule). Built and returned in a register; a Hit, whose
  // byte 5 is padding, was built from a stack slot kept for that byte.
  using Found = std::uint64_t;
  static constexpr Found kNoHit = 0;
  static constexpr Found found(std::uint32_t value, bool suffix, std::size_t length) noexcept {
    return Found{value} | Found{suffix} << 32 | Found{length} << 48;
  }
  static std::optional<Hit> unpack(Found f) noexcept {
    if (f >> 48 == 0) return std::nullopt;  // kNoHit, or any word of length 0
    return Hit{static_cast<std::uint32_t>(f), ((f >> 32) & 1) != 0,
               static_cast<std::uint16_t>(f >> 48)};
  }
  Found find(std::string_view host) const noexcept;
  Found find_parent(std::string_view domain) const noexcept;
  template <bool kSkipFull>
  Found lookup_impl(std::string_view host) const noexcept;
  // A coded key (encode()'s words, a word of zeros after them), and what the
  // pick and the compare of a home's records need of it, worked out before
  // the home's lines arrive.
  static constexpr std::size_t kShortKey = 112;  // bits compared in two reads
  struct Key {
    const std::uint64_t* words;
    std::size_t bits;
    std::uint64_t lanes;  // bits in each byte (if below the escape lane)
    std::uint64_t first, first_mask, second, second_mask;  // bits [0, 56), [56, 112)
    static Key of(const std::uint64_t* words, std::size_t bits) noexcept;
  };
  // What a candidate gets from its home: the kind of the key's record (0:
  // none) and the value it gives the candidate (kNone: none).
  struct Match {
    unsigned kind;
    std::uint32_t value;
  };
  // The record of the key among the names homed at `home`, and the value it
  // gives the candidate (`whole`: the candidate is the whole host).
  Match find_record(std::uint32_t home, const Key& key, bool whole) const noexcept;
  // The same, record by record from the chunk at `pos` on (the slow way).
  // (The key by its words and length, not a Key: a Key passed by reference
  // was built on the stack on every lookup's path.)
  [[gnu::noinline]] Match walk_home(std::size_t pos, const std::uint64_t* key, std::size_t key_bits,
                                    bool whole) const noexcept;
  // The live candidates of a lookup (their homes and lengths), `count` of
  // them before the longest.
  struct Live {
    const std::uint32_t* home;
    const std::uint16_t* end;
    std::size_t count;
  };
  // The hit among them, the longest first (`rev`: the host reversed, `n`
  // bytes), then the shorter ones.
  Found longest_first(Live c, const unsigned char* rev, std::size_t n) const noexcept;
  [[gnu::noinline]] Found shorter(Live c, const std::uint64_t* key, std::size_t key_bits,
                                  const unsigned char* rev) const noexcept;
  // What the record of kind `kind` whose first value is at `first` and whose
  // second (if it is of both kinds) is at `second` gives the candidate: only
  // the value it gets is read.
  Match match_at(std::size_t first, std::size_t second, unsigned kind, bool whole) const noexcept;

  // Each name has a home line, picked by its hash (docs/matcher.md). The
  // records of the names homed at line h are consecutive in one bit stream,
  // in order of home, and start heads_[h] bits after the start of line h
  // (never before it: so a lookup can fetch the line before knowing more
  // than the hash). A home is one or more chunks of at most 7 records:
  //   count (3) | more (1) | a lane (8) a record: its name's length in bits,
  //   255 if longer | a kind (2: 1 exact, 2 suffix, 3 both) a record
  //   | the bodies: [length (13) if its lane is 255] | value (value_bits_)
  //   | name | second value if kind is 3
  // where the name is Huffman-coded and `more` says another chunk follows.
  // The records of escaped length come last in their home, and before them
  // those of both kinds.
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> stream_;
  std::vector<std::uint16_t, HugePageAllocator<std::uint16_t>> heads_;
  std::uint32_t homes_ = 0;
  // Lines a lookup fetches at once from a candidate's home line on (the
  // stream has that many lines of zeros after the last home's).
  std::uint32_t reach_ = 1;
  unsigned value_bits_ = 0;
  // A blocked Bloom filter of every name (3 bits in one 64-bit word, about 8
  // bits a name): a miss is mostly answered from it, without a line of the
  // stream.
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> filter_;
  // The Huffman code of each byte value, bit-reversed: code | length << 24.
  std::array<std::uint32_t, 256> code_{};
  // Bit n set: some rule domain has n labels (bit 63: 63 or more). A lookup
  // probes only the suffixes of the host with a label count that occurs, so
  // a deep host name costs no more probes than the rules need, and reads no
  // deeper than the highest bit set (none of 63 or more: no limit).
  std::uint64_t label_counts_ = 0;
  std::size_t rules_ = 0;
  // Where every hash starts (the builder's: random unless a test chose it).
  std::uint64_t seed_ = 0;
};

}  // namespace gh
