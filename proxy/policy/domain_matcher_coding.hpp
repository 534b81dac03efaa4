// The hashing and bit coding that DomainMatcher's builder and lookup must
// agree on (docs/matcher.md). Internal to domain_matcher*.cpp.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace gh::matcher_coding {

static_assert(std::endian::native == std::endian::little,
              "bit streams are read as little-endian words");

constexpr std::size_t kMaxName = 253;  // octets in a host or rule name
constexpr unsigned kMaxCode = 24;      // longest Huffman code, in bits
// Words of an encoded name, plus one of zeros so reads 8 bytes past any
// bit stay inside.
constexpr std::size_t kKeyWords = kMaxName * kMaxCode / 64 + 2;
// A home's records come in chunks of at most kChunk (docs/matcher.md,
// "Records"): a header of kChunkHeader bits (count, more), a lane of 8 bits
// a record (its name's length in bits, or kEscape and the length in
// kLongLength bits in its body) and its kind in 2 bits; then the bodies.
constexpr unsigned kChunk = 7;  // 7 lanes: 56 bits, one bits_at()
constexpr unsigned kChunkHeader = 4;
constexpr std::size_t kEscape = 255;
constexpr unsigned kLongLength = 13;  // 253 * 24 = 6072 < 8192
constexpr std::uint64_t kEvenBits = 0x5555555555555555ull;
constexpr unsigned kExactKind = 1, kSuffixKind = 2, kBothKinds = 3;

inline std::uint64_t load64(const void* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t load32(const void* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t low_bits(unsigned n) noexcept {
  return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
}

// At least 56 bits of a little-endian bit stream, from bit `pos` on. The
// stream must have 8 readable bytes past the byte holding `pos`.
inline std::uint64_t bits_at(const unsigned char* p, std::size_t pos) noexcept {
  return load64(p + pos / 8) >> (pos % 8);
}

inline std::uint64_t label_bit(std::size_t labels) noexcept {
  return std::uint64_t{1} << (labels < 63 ? labels : 63);
}

// Bytes [at, at + 8) of a string stored from an 8-byte aligned `base`, as
// a little-endian word: the two aligned words that hold them, shifted. Not
// one unaligned load, because the lookup has just written the string (the
// coded key) in aligned words, and a load that spans two such stores cannot
// take its bytes from them: it waits until they reach the cache, after every
// older instruction has retired (docs/matcher.md, "Lookup"). `base` must be
// readable through the word after the one holding byte at + 7.
inline std::uint64_t load64_words(const unsigned char* base, std::size_t at) noexcept {
  const unsigned char* word = base + at / 8 * 8;
  const unsigned shift = 8 * static_cast<unsigned>(at % 8);
  return load64(word) >> shift | (load64(word + 8) << 1) << (63 - shift);
}

constexpr std::uint64_t kLanes = 0x0101010101010101ull;  // a 1 in each byte

// The high bit of each byte of `x` that is zero (exact: no carries between
// bytes).
inline std::uint64_t zero_bytes(std::uint64_t x) noexcept {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

// (1 << n) - 1 for n < 64: for lanes, kinds and values, whose widths are
// below 64, without low_bits()'s test.
inline std::uint64_t mask_below(unsigned n) noexcept { return (std::uint64_t{1} << n) - 1; }

// The sum of the bytes of `x` (each at most 255, at most 7 bytes non-zero):
// the low and high nibbles summed apart, so no byte of a partial sum carries.
inline std::size_t byte_sum(std::uint64_t x) noexcept {
  constexpr std::uint64_t kNibbles = 0x0f0f0f0f0f0f0f0full;
  return static_cast<std::size_t>(((x & kNibbles) * kLanes) >> 56) +
         16 * static_cast<std::size_t>((((x >> 4) & kNibbles) * kLanes) >> 56);
}

// The record of a chunk whose name has the key's length, picked without a
// branch: `lanes` has one byte a record (the name's length in bits), `kinds`
// 2 bits a record (what follows the chunk's `count` records is ignored);
// `key_lanes` the key's length in every byte. The first record that agrees,
// its kind and where its body starts from the chunk's first body: the lanes
// before it summed, and a value a record before it. A record of both kinds
// has its second value after its name, so where a body starts does not wait
// for the kinds (docs/matcher.md, "Records"), unless a record of both kinds
// comes before it: then `plain` is false and `body` is not where it starts
// (the builder puts a home's records of both kinds after its others).
struct Pick {
  bool found;
  bool plain;
  unsigned kind;
  std::size_t body;
};
// The rest of a pick once record k (the first that agrees, if `found`) is
// known, with the sum of the lanes before it.
inline Pick pick_at(unsigned k, bool found, std::size_t lanes_before, std::uint64_t kinds,
                    unsigned value_bits) noexcept {
  const std::uint64_t before = kinds & mask_below(2 * k);
  return Pick{found, (before & (before >> 1) & kEvenBits) == 0,
              static_cast<unsigned>(kinds >> (2 * k)) & 3,
              lanes_before + std::size_t{value_bits} * k};
}

// The pick in 64-bit registers: the zero bytes of the lanes xor the key's,
// and the lanes before summed a nibble at a time.
inline Pick pick_portable(std::uint64_t lanes, std::uint64_t kinds, unsigned count,
                          std::uint64_t key_lanes, unsigned value_bits) noexcept {
  const std::uint64_t same = zero_bytes(lanes ^ key_lanes) & mask_below(8 * count);
  const unsigned k = static_cast<unsigned>(std::countr_zero(same | std::uint64_t{1} << 63)) / 8;
  return pick_at(k, same != 0, byte_sum(lanes & mask_below(8 * k)), kinds, value_bits);
}

// The same with SSE2, which every x86-64 has: one compare of all the lanes
// (a bit a byte), and the lanes before summed by one psadbw; about 20
// instructions fewer a lookup (docs/matcher.md, "Measured", tenth session).
inline Pick pick(std::uint64_t lanes, std::uint64_t kinds, unsigned count, std::uint64_t key_lanes,
                 unsigned value_bits) noexcept {
#ifdef __SSE2__
  const auto as_vector = [](std::uint64_t x) {
    return _mm_cvtsi64_si128(static_cast<long long>(x));
  };
  const auto same = static_cast<unsigned>(
                        _mm_movemask_epi8(_mm_cmpeq_epi8(as_vector(lanes), as_vector(key_lanes)))) &
                    mask_below(count);
  const auto k = static_cast<unsigned>(std::countr_zero(same | 0x80u));
  const auto lanes_before = static_cast<std::size_t>(
      _mm_cvtsi128_si64(_mm_sad_epu8(as_vector(lanes & mask_below(8 * k)), _mm_setzero_si128())));
  return pick_at(k, same != 0, lanes_before, kinds, value_bits);
#else
  return pick_portable(lanes, kinds, count, key_lanes, value_bits);
#endif
}

// The hash of a name is taken over its bytes reversed ("com.example.www"),
// eight at a time, so the hash of every candidate suffix of a host falls out
// of one pass over the reversed host, in registers: `h` is the running hash
// of the whole words before the candidate's last (partial) word, which
// prefix_hash() folds in with the candidate's length. Collisions cost a
// verification, never a match.
inline std::uint64_t word_step(std::uint64_t h, std::uint64_t word) noexcept {
  h = (h ^ word) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

// The hash of the first `end` bytes of a reversed name, given `h` after its
// end / 8 whole words and `word`, the word that holds byte end (its first
// end % 8 bytes are the name's). Its high 32 bits pick the home line, its
// low ones the filter's word and bits. One 128-bit product, its halves
// folded: on every candidate's path before its lines are fetched, where two
// rounds of multiply and shift took about twice the instructions.
inline std::uint64_t prefix_hash(std::uint64_t h, std::uint64_t word, std::size_t end) noexcept {
  const unsigned tail = 8 * static_cast<unsigned>(end % 8);  // < 64
  const std::uint64_t x =
      h ^ (word & ((std::uint64_t{1} << tail) - 1)) ^ static_cast<std::uint64_t>(end) << 56;
  const unsigned __int128 p = static_cast<unsigned __int128>(x) * 0x9e3779b97f4a7c15ull;
  return static_cast<std::uint64_t>(p) ^ static_cast<std::uint64_t>(p >> 64);
}

// The hash of a whole rule name, given reversed in rev[0, n), as a lookup
// computes it for the candidate equal to it, from the matcher's `seed`
// (random a build: docs/matcher.md, "Limits"); its label count in `labels`.
// (Shared with the tests that home names on purpose.)
inline std::uint64_t name_hash(std::uint64_t seed, const unsigned char* rev, std::size_t n,
                               std::size_t& labels) noexcept {
  std::uint64_t h = seed;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) h = word_step(h, load64(rev + i));
  std::uint64_t last = 0;
  std::memcpy(&last, rev + i, n - i);
  labels = 1;
  for (std::size_t j = 0; j < n; ++j) labels += rev[j] == '.';
  return prefix_hash(h, last, n);
}

inline std::uint32_t home_of(std::uint64_t hash, std::uint32_t homes) noexcept {
  return static_cast<std::uint32_t>(((hash >> 32) * homes) >> 32);
}

constexpr std::size_t kFilterBitsPerName = 8;

// A lookup fetches the home line of a candidate and the lines after it that
// hold the ends of kReachShare of all records (their home's records run on
// past the home line: at a fill of 0.92, 36 % of the records end in their
// home line, 69 % by the next, 98.6 % by the sixth; docs/matcher.md,
// "Homes"), at most kMaxReach lines.
constexpr double kReachShare = 0.98;
constexpr std::uint32_t kMaxReach = 8;

// The filter's word for a hash (any word count below 2^32) and the three
// bits a name sets in it: one 64-bit load and test per candidate.
struct FilterProbe {
  std::size_t word;
  std::uint64_t bits;
};
inline FilterProbe filter_probe(std::uint64_t hash, std::size_t words) noexcept {
  // The word from bits [0, 32), mostly their high ones; the bits from bits
  // [0, 12) and [32, 38) (home_of takes mostly bits [46, 64)).
  return FilterProbe{static_cast<std::size_t>(((hash & 0xffffffffu) * words) >> 32),
                     std::uint64_t{1} << (hash & 63) | std::uint64_t{1} << ((hash >> 6) & 63) |
                         std::uint64_t{1} << ((hash >> 32) & 63)};
}

// The codes of s[0, n) into `out` (kKeyWords words) as one little-endian
// bit stream, then a word of zeros; returns its length in bits. On every
// hit's path, so two bytes a step: their codes (at most 24 bits each) joined
// in a register and appended at once, with a branch taken about once in 12
// bytes when a word fills (callgrind on the bench's hits: about 13
// instructions a byte, where one byte a step took 16; docs/matcher.md,
// "Measured", tenth session).
inline std::size_t encode(const std::uint32_t* code, const unsigned char* s, std::size_t n,
                          std::uint64_t* out) noexcept {
  std::uint64_t acc = 0;
  unsigned fill = 0;  // < 64
  std::size_t w = 0;
  const auto append = [&](std::uint64_t bits, unsigned len) {  // len <= 48
    acc |= bits << fill;
    const unsigned total = fill + len;
    if (total >= 64) [[unlikely]] {
      out[w++] = acc;
      acc = bits >> (64 - fill);  // fill > 16 here, as len <= 48
      fill = total - 64;
    } else {
      fill = total;
    }
  };
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const std::uint32_t a = code[s[i]], b = code[s[i + 1]];
    const unsigned la = a >> 24;
    append(std::uint64_t{a & 0xffffffu} | std::uint64_t{b & 0xffffffu} << la, la + (b >> 24));
  }
  if (i < n) append(code[s[i]] & 0xffffffu, code[s[i]] >> 24);
  out[w] = acc;
  out[w + 1] = 0;
  return w * 64 + fill;
}

// The length in bits of the codes of s[0, n).
inline std::size_t code_bits(const std::uint32_t* code, const unsigned char* s,
                             std::size_t n) noexcept {
  std::size_t bits = 0;
  for (std::size_t i = 0; i < n; ++i) bits += code[s[i]] >> 24;
  return bits;
}

}  // namespace gh::matcher_coding
