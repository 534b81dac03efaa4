// Lookup side of DomainMatcher; the layout is described in docs/matcher.md,
// the builder is in domain_matcher_build.cpp, the coding both share in
// domain_matcher_coding.hpp.
#include "policy/domain_matcher.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "policy/domain_matcher_coding.hpp"

namespace gh {
namespace {

using namespace matcher_coding;

// Whether the first n bits of the stream from bit `pos` are the key's (as
// encode() left it, a word of zeros after it). 56 bits a step, which is 7
// whole bytes, so the key is read at byte offsets: in aligned words, as the
// lookup has just stored them (see load64_words).
bool same_bits(const unsigned char* s, std::size_t pos, const std::uint64_t* key,
               std::size_t n) noexcept {
  const auto* k = reinterpret_cast<const unsigned char*>(key);
  for (std::size_t done = 0; done < n; done += 56) {
    const std::size_t chunk = std::min<std::size_t>(n - done, 56);
    const std::uint64_t x = (bits_at(s, pos + done) ^ load64_words(k, done / 8)) &
                            low_bits(static_cast<unsigned>(chunk));
    if (x) return false;
  }
  return true;
}

// A host of fewer than 8 bytes as the little-endian word of its bytes
// reversed (zeros past them). Not inlined: inlined, its shift counts were
// worked out in the lookup's prologue, on every lookup's path.
[[gnu::noinline]] std::uint64_t reversed_short(const unsigned char* in, std::size_t n) noexcept {
  std::uint64_t le = 0;
  if (n >= 4) {  // two 4-byte loads that overlap
    le = load32(in) << (8 * (8 - n)) | load32(in + n - 4) << 32;
  } else {
    for (std::size_t j = 0; j < n; ++j) le |= std::uint64_t{in[j]} << (8 * (8 - n + j));
  }
  return __builtin_bswap64(le);
}

// Host bytes [0, n - i), fewer than 8, reversed: the little-endian word of
// the reversed host from byte i on, zeros past the host (0 if i == n).
[[gnu::always_inline]] inline std::uint64_t tail_word(const unsigned char* in, std::size_t n,
                                                      std::size_t i) noexcept {
  if (n < 8) [[unlikely]]
    return reversed_short(in, n);
  // Two shifts, so that n - i == 0 shifts all 64 bits out.
  return __builtin_bswap64((load64(in) << (8 * (7 - (n - i)))) << 8);
}

// The high bit of each byte of `w` that is a '.' (the zeros past a host are
// not dots).
inline std::uint64_t dots_of(std::uint64_t w) noexcept { return zero_bytes(w ^ ('.' * kLanes)); }

// The `reach` lines from `line` on (1 to kMaxReach) fetched: no loop, one
// jump into a run that falls through.
[[gnu::always_inline]] inline void prefetch_lines(const std::uint64_t* line,
                                                  std::uint32_t reach) noexcept {
  static_assert(kMaxReach == 8, "one case per line");
  switch (reach) {
    default:
      __builtin_prefetch(line + 56);
      [[fallthrough]];
    case 7:
      __builtin_prefetch(line + 48);
      [[fallthrough]];
    case 6:
      __builtin_prefetch(line + 40);
      [[fallthrough]];
    case 5:
      __builtin_prefetch(line + 32);
      [[fallthrough]];
    case 4:
      __builtin_prefetch(line + 24);
      [[fallthrough]];
    case 3:
      __builtin_prefetch(line + 16);
      [[fallthrough]];
    case 2:
      __builtin_prefetch(line + 8);
      [[fallthrough]];
    case 1:
      __builtin_prefetch(line);
  }
}

// A chunk of a home: its header (count, more, lanes, kinds), read from the
// stream at `pos`.
struct Chunk {
  unsigned count;       // records in it, 1 to kChunk
  bool more;            // another chunk of the home follows its bodies
  std::uint64_t lanes;  // byte j < count: record j's lane (name bits, kEscape if longer)
  std::uint64_t kinds;  // bits 2j, 2j + 1 (j < count): record j's kind
  std::size_t bodies;   // where record 0's body starts
};

[[gnu::always_inline]] inline Chunk read_chunk(const unsigned char* s, std::size_t pos) noexcept {
  const std::uint64_t w = bits_at(s, pos);
  const auto count = static_cast<unsigned>(w & 7);
  const std::size_t lanes_at = pos + kChunkHeader;
  const std::size_t kinds_at = lanes_at + 8 * std::size_t{count};
  return Chunk{count, ((w >> 3) & 1) != 0, bits_at(s, lanes_at), bits_at(s, kinds_at),
               kinds_at + 2 * std::size_t{count}};
}

}  // namespace

[[gnu::always_inline]] inline DomainMatcher::Key DomainMatcher::Key::of(const std::uint64_t* words,
                                                                        std::size_t bits) noexcept {
  const std::uint64_t low = bits >= 56 ? mask_below(56) : mask_below(static_cast<unsigned>(bits));
  const std::uint64_t high = bits <= 56    ? 0
                             : bits >= 112 ? mask_below(56)
                                           : mask_below(static_cast<unsigned>(bits - 56));
  return Key{
      words, bits, bits * kLanes, words[0] & low, low, (words[0] >> 56 | words[1] << 8) & high,
      high};
}

// The value a record of kind `kind` gives a candidate, from a table and
// selects, not branches (the kinds of hits mix, so a branch on them would be
// mispredicted: docs/matcher.md, "Lookup"). `whole`: the candidate is the
// whole host, where an exact rule applies and beats a suffix rule; elsewhere
// only a suffix rule does. Two bits an entry, indexed by kind | whole << 2:
// 0 none, 1 the first value, 2 the second (a both-kinds record's suffix).
//   kind (none, exact, suffix, both):  0 1 2 3
//   a candidate shorter than the host: 0 0 1 2
//   the whole host:                    0 1 1 1
constexpr std::uint32_t kPickValue = 0b01'01'01'00'10'01'00'00;

[[gnu::always_inline]] inline DomainMatcher::Match DomainMatcher::match_at(
    std::size_t first, std::size_t second, unsigned kind, bool whole) const noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(stream_.data());
  const unsigned choice = (kPickValue >> (2 * (kind | unsigned{whole} << 2))) & 3;
  const auto value = static_cast<std::uint32_t>(bits_at(s, choice >> 1 ? second : first) &
                                                mask_below(value_bits_));
  return Match{kind, value | (0u - static_cast<std::uint32_t>(choice == 0))};
}

// Every record of the home from `pos` (a chunk's header) on, one at a time,
// each compared with the key if its name has the key's length: the way for
// long keys, homes of more than one chunk and names of equal length.
DomainMatcher::Match DomainMatcher::walk_home(std::size_t pos, const std::uint64_t* key,
                                              std::size_t key_bits, bool whole) const noexcept {
  const auto* s = reinterpret_cast<const unsigned char*>(stream_.data());
  const unsigned value_bits = value_bits_;
  for (;;) {
    const Chunk c = read_chunk(s, pos);
    std::size_t body = c.bodies;
    for (unsigned j = 0; j < c.count; ++j) {
      const unsigned kind = static_cast<unsigned>(c.kinds >> (2 * j)) & 3;
      std::size_t bits = (c.lanes >> (8 * j)) & 0xff;
      std::size_t values = body;
      if (bits == kEscape) {
        bits = bits_at(s, body) & low_bits(kLongLength);
        values += kLongLength;
      }
      const std::size_t name = values + value_bits;
      if (bits == key_bits && same_bits(s, name, key, key_bits))
        return match_at(values, name + bits, kind, whole);
      body = name + bits + (kind == kBothKinds ? value_bits : 0);
    }
    if (!c.more) return Match{0, kNone};
    pos = body;
  }
}

// The record of the key among the names homed at `home`, compared with the
// whole key: a hash that merely collides cannot match.
//
// The home's first chunk says every record's name length (its lane) and
// kind, so the record whose length is the key's is picked, and its place
// worked out, without a branch on what the stream holds: a walk that loops
// until the match is mispredicted about once a lookup, when the line
// arrives (docs/matcher.md, "Lookup" and "Measured"). Records of escaped
// length come last in their home (the builder's order), so no lane before a
// short key's is escaped.
[[gnu::always_inline]] inline DomainMatcher::Match DomainMatcher::find_record(
    std::uint32_t home, const Key& key, bool whole) const noexcept {
  const std::uint16_t head = heads_[home];
  if (head == kEmptyHome) return Match{0, kNone};
  const std::size_t pos = std::size_t{home} * kLineBits + head;
  const auto walk = [&] { return walk_home(pos, key.words, key.bits, whole); };
  if (key.bits >= kEscape) [[unlikely]]
    return walk();
  const auto* s = reinterpret_cast<const unsigned char*>(stream_.data());
  const unsigned value_bits = value_bits_;
  const Chunk c = read_chunk(s, pos);
  const Pick p = pick(c.lanes, c.kinds, c.count, key.lanes, value_bits);
  if (!p.found) {
    if (c.more) [[unlikely]]
      return walk();
    return Match{0, kNone};
  }
  if (!p.plain) [[unlikely]]
    return walk();
  const std::size_t body = c.bodies + p.body;
  const std::size_t name = body + value_bits;
  // The name against the key: two reads of 56 bits for most keys (a branch
  // on the key's length, known before the lines arrive).
  const bool differ = key.bits <= kShortKey
                          ? (((bits_at(s, name) ^ key.first) & key.first_mask) |
                             ((bits_at(s, name + 56) ^ key.second) & key.second_mask)) != 0
                          : !same_bits(s, name, key.words, key.bits);
  if (differ) [[unlikely]]
    return walk();
  return match_at(body, name + key.bits, p.kind, whole);
}

template <bool kSkipFull>
[[gnu::always_inline]] inline DomainMatcher::Found DomainMatcher::lookup_impl(
    std::string_view host) const noexcept {
  const std::size_t n = host.size();
  if (n == 0 || n > kMaxName || homes_ == 0) return kNoHit;
  const auto* in = reinterpret_cast<const unsigned char*>(host.data());

  // One pass over the host reversed, eight bytes at a time: each word's
  // dots end candidates, whose hashes (prefix_hash) come from the running
  // hash and the word, in registers. Only label counts rules have are
  // candidates, and none deeper than the deepest rule: the rest of a deep
  // name is never read. A candidate the filter lets through has its home
  // line fetched at once, and the lines after it, so the cache misses of
  // all depths overlap; it is "live".
  alignas(8) unsigned char rev[kMaxName + 3 + 16];  // whole words, then two of zeros
  std::uint32_t live_home[kMaxName + 1];
  std::uint16_t live_end[kMaxName + 1];
  std::size_t live = 0;
  // (Members read at each candidate, not copied before the pass: the copies
  // were kept on the stack, a store and a load each.)
  const auto probe = [&](std::uint64_t hash, std::size_t end) {
    const FilterProbe f = filter_probe(hash, filter_.size());
    if ((filter_[f.word] & f.bits) != f.bits) return;
    const std::uint32_t home = home_of(hash, homes_);
    __builtin_prefetch(&heads_[home]);
    prefetch_lines(&stream_[std::size_t{home} * (kLineBits / 64)], reach_);
    live_home[live] = home;
    live_end[live++] = static_cast<std::uint16_t>(end);
  };
  // Bit k of label_counts_: some rule has k labels. Shifted right once a
  // dot (arithmetically: bit 63 stands for 63 or more), so that bit 0 says
  // whether the candidate ending at the dot has a label count some rule has,
  // and 0 that no rule is deeper.
  auto depths = static_cast<std::int64_t>(label_counts_);
  // The candidates that end at the dots of word `w` (bytes [i, i + 8) of the
  // reversed host; h: the hash of the words before it). False: no rule is
  // deeper.
  const auto candidates = [&](std::uint64_t w, std::uint64_t h, std::size_t i) {
    for (std::uint64_t dot = dots_of(w); dot; dot &= dot - 1) {
      depths >>= 1;
      if (depths == 0) return false;
      if (depths & 1) {
        const std::size_t end = i + static_cast<std::size_t>(std::countr_zero(dot)) / 8;
        probe(prefix_hash(h, w, end), end);
      }
    }
    return true;
  };
  std::size_t i = 0;
  std::uint64_t h = seed_;
  bool deeper = true;
  for (; i + 8 <= n; i += 8) {  // the whole words
    const std::uint64_t w = __builtin_bswap64(load64(in + n - i - 8));
    std::memcpy(rev + i, &w, 8);
    if (!candidates(w, h, i)) {
      deeper = false;
      break;
    }
    h = word_step(h, w);
  }
  if (deeper) {  // the last, partial word (zeros if there is none), and the host itself
    const std::uint64_t w = tail_word(in, n, i);
    std::memcpy(rev + i, &w, 8);
    if (candidates(w, h, i)) {
      depths >>= 1;
      if (!kSkipFull && (depths & 1)) probe(prefix_hash(h, w, n), n);
    }
  }
  // Two whole aligned words of zeros after the last word stored.
  std::memset(rev + i + 8, 0, 16);
  if (live == 0) return kNoHit;
  return longest_first(Live{live_home, live_end, live - 1}, rev, n);
}

// The key's bits up to the end of the longest live candidate, while the
// lines arrive; a shorter candidate's key is a prefix of it (its length
// worked out only if it is needed: the longest candidate usually is the hit).
[[gnu::always_inline]] inline DomainMatcher::Found DomainMatcher::longest_first(
    Live c, const unsigned char* rev, std::size_t n) const noexcept {
  std::uint64_t key[kKeyWords];
  const std::size_t end = c.end[c.count];
  const std::size_t key_bits = encode(code_.data(), rev, end, key);
  const bool whole = end == n;
  const Match m = find_record(c.home[c.count], Key::of(key, key_bits), whole);
  if (m.value != kNone) return found(m.value, !(whole & (m.kind & kExactKind)), end);
  if (c.count == 0) return kNoHit;
  return shorter(c, key, key_bits, rev);
}

// The shorter live candidates, longest first (out of line: the longest is
// usually the hit, and this loop's registers kept the lookup's own on the
// stack).
DomainMatcher::Found DomainMatcher::shorter(Live c, const std::uint64_t* key, std::size_t key_bits,
                                            const unsigned char* rev) const noexcept {
  std::size_t key_end = c.end[c.count];
  for (std::size_t j = c.count; j-- > 0;) {
    const std::size_t end = c.end[j];
    key_bits -= code_bits(code_.data(), rev + end, key_end - end);
    key_end = end;
    const Match m = find_record(c.home[j], Key::of(key, key_bits), false);
    if (m.value != kNone) return found(m.value, true, end);
  }
  return kNoHit;
}

DomainMatcher::Found DomainMatcher::find(std::string_view host) const noexcept {
  return lookup_impl<false>(host);
}

DomainMatcher::Found DomainMatcher::find_parent(std::string_view domain) const noexcept {
  return lookup_impl<true>(domain);
}

std::size_t DomainMatcher::memory_bytes() const noexcept {
  return stream_.capacity() * sizeof(stream_[0]) + heads_.capacity() * sizeof(heads_[0]) +
         filter_.capacity() * sizeof(filter_[0]) + sizeof(*this);
}

}  // namespace gh
