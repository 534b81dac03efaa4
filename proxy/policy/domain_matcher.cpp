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

struct Probe {
  std::uint64_t hash;
  std::uint32_t home;
  std::uint16_t end;  // the candidate is the first `end` bytes of the reversed host
};

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

// The host reversed into `rev` (16 zero bytes after the part reversed), so
// every candidate suffix is a prefix of it: eight bytes at a time (a byte
// swap), and the dots of each word found at once. Stops once `enough` dots
// are found (no rule has more labels than that: the rest of a deep name is
// never read). Returns the number of dots found, whose places go to `dots`.
[[gnu::always_inline]] inline std::size_t reverse_host(std::string_view host, std::size_t enough,
                                                       unsigned char* rev,
                                                       std::uint16_t* dots) noexcept {
  const std::size_t n = host.size();
  const auto* in = reinterpret_cast<const unsigned char*>(host.data());
  std::size_t ndots = 0;
  std::size_t i = 0;
  for (; i < n && ndots < enough; i += 8) {
    // host bytes [n - i - 8, n - i) as a little-endian word, zeros for the
    // bytes before the host (read from the host only)
    std::uint64_t le = 0;
    if (n - i >= 8) {
      le = load64(in + n - i - 8);
    } else if (n >= 8) {
      le = load64(in) << (8 * (8 - (n - i)));
    } else if (n >= 4) {  // two 4-byte loads that overlap
      le = load32(in) << (8 * (8 - n)) | load32(in + n - 4) << 32;
    } else {
      for (std::size_t j = 0; j < n; ++j) le |= std::uint64_t{in[j]} << (8 * (8 - n + j));
    }
    const std::uint64_t w = __builtin_bswap64(le);
    std::memcpy(rev + i, &w, 8);
    const std::uint64_t x = w ^ 0x2e2e2e2e2e2e2e2eull;  // a '.' byte becomes 0
    constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
    std::uint64_t dot = ~(((x & kLow7) + kLow7) | x | kLow7);  // high bit of each zero byte
    if (i + 8 > n) dot &= low_bits(static_cast<unsigned>(8 * (n - i)));
    for (; dot; dot &= dot - 1)
      dots[ndots++] = static_cast<std::uint16_t>(i + std::countr_zero(dot) / 8);
  }
  // Two whole aligned words of zeros, see load64_words (an empty label at
  // the end reads both); the bytes of the last word past the host are zeros
  // already.
  std::memset(rev + i, 0, 16);
  return ndots;
}

}  // namespace

bool DomainMatcher::maybe_present(std::uint64_t hash) const noexcept {
  const std::uint64_t want = filter_bits(hash);
  return (filter_[filter_word(hash, filter_.size())] & want) == want;
}

// Walks the records homed at `home` (about four, in one or two lines) and
// compares the key with each name of its length: a hash that merely collides
// cannot match.
bool DomainMatcher::find_record(std::uint32_t home, const std::uint64_t* key, std::size_t key_bits,
                                unsigned& kind, std::uint32_t& exact,
                                std::uint32_t& suffix) const noexcept {
  const std::uint16_t head = heads_[home];
  if (head == kEmptyHome) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(stream_.data());
  const unsigned value_bits = value_bits_;
  std::size_t pos = std::size_t{home} * kLineBits + head;
  for (;;) {
    const std::uint64_t w = bits_at(s, pos);
    const unsigned k = static_cast<unsigned>(w >> 1) & 3;
    pos += 3;
    const std::size_t bits = read_length(s, pos);
    const std::size_t values = value_bits * (k == kBothKinds ? 2 : 1);
    if (bits == key_bits && same_bits(s, pos + values, key, bits)) {  // outputs only here
      const auto first = static_cast<std::uint32_t>(bits_at(s, pos) & low_bits(value_bits));
      const auto second =
          static_cast<std::uint32_t>(bits_at(s, pos + value_bits) & low_bits(value_bits));
      kind = k;
      exact = k & kExactKind ? first : kNone;
      suffix = k == kSuffixKind ? first : k == kBothKinds ? second : kNone;
      return true;
    }
    if (w & 1) return false;  // the home's last record
    pos += values + bits;
  }
}

template <bool kSkipFull>
DomainMatcher::Hit DomainMatcher::lookup_impl(std::string_view host) const noexcept {
  constexpr Hit kNoHit{kNone, false, 0};
  const std::size_t n = host.size();
  if (n == 0 || n > kMaxName || homes_ == 0) return kNoHit;

  alignas(8) unsigned char rev[kMaxName + 3 + 16];  // whole words, then two of zeros
  std::uint16_t dots[kMaxName + 1];
  // Candidates with more labels than any rule are not probed, nor hashed.
  const unsigned most = 63 - static_cast<unsigned>(std::countl_zero(label_counts_));
  const std::size_t labels = most == 63 ? kMaxName + 1 : most;
  const std::size_t ndots = reverse_host(host, labels, rev, dots);

  // One hash per label boundary; probe only the label counts rules have.
  // Every candidate's filter word is fetched first, then the home line of
  // every candidate the filter lets through, all before any is read, so the
  // cache misses of all depths overlap.
  Probe probes[kMaxName + 1];
  std::size_t k = 0;
  std::uint64_t h = kSeed;
  std::size_t start = 0;
  const std::size_t deepest = std::min(ndots, labels - 1);  // dots[d] exists for d < ndots
  for (std::size_t d = 0; d <= deepest; ++d) {
    const std::size_t end = d < ndots ? dots[d] : n;
    h = absorb_label(h, rev, start, end - start);
    start = end + 1;
    if (kSkipFull && d == ndots) break;
    if (!(label_counts_ & label_bit(d + 1))) continue;
    const std::uint64_t mixed = finish_hash(h);
    __builtin_prefetch(&filter_[filter_word(mixed, filter_.size())]);
    probes[k++] = Probe{mixed, home_of(mixed, homes_), static_cast<std::uint16_t>(end)};
  }
  // The candidates the filter lets through, by index: copying a Probe would
  // read it with one 16-byte load from the three smaller stores that wrote it,
  // a load the CPU cannot forward from them (see load64_words).
  std::uint8_t live_at[kMaxName + 1];
  std::size_t live = 0;
  for (std::size_t j = 0; j < k; ++j) {
    if (!maybe_present(probes[j].hash)) continue;
    __builtin_prefetch(&heads_[probes[j].home]);
    const std::uint64_t* line = &stream_[std::size_t{probes[j].home} * (kLineBits / 64)];
    for (std::uint32_t l = 0; l < reach_; ++l) __builtin_prefetch(line + l * (kLineBits / 64));
    live_at[live++] = static_cast<std::uint8_t>(j);
  }
  if (live == 0) return kNoHit;

  // The key's bits up to the end of the longest live candidate, while the
  // lines arrive; a shorter candidate's key is a prefix of it (its length
  // worked out only if it is needed: the longest candidate usually is the hit).
  std::uint64_t key[kKeyWords];
  std::size_t key_end = probes[live_at[live - 1]].end;
  std::size_t key_bits = encode(code_.data(), rev, key_end, key);
  for (std::size_t j = live; j-- > 0;) {  // longest first
    const Probe& p = probes[live_at[j]];
    const bool full = p.end == n;
    key_bits -= code_bits(code_.data(), rev + p.end, key_end - p.end);
    key_end = p.end;
    unsigned kind;
    std::uint32_t exact, suffix;
    if (!find_record(p.home, key, key_bits, kind, exact, suffix)) continue;
    if (full && exact != kNone) return Hit{exact, false, p.end};
    if (suffix != kNone) return Hit{suffix, true, p.end};
  }
  return kNoHit;
}

// (lookup_impl returns a plain Hit, length 0 for none: built in registers,
// where an optional was built on the stack and read back in two sizes, a
// store-forwarding stall on every lookup.)
std::optional<DomainMatcher::Hit> DomainMatcher::lookup(std::string_view host) const noexcept {
  const Hit h = lookup_impl<false>(host);
  if (h.length == 0) return std::nullopt;
  return h;
}

std::optional<DomainMatcher::Hit> DomainMatcher::lookup_parent(
    std::string_view domain) const noexcept {
  const Hit h = lookup_impl<true>(domain);
  if (h.length == 0) return std::nullopt;
  return h;
}

std::size_t DomainMatcher::memory_bytes() const noexcept {
  return stream_.capacity() * sizeof(stream_[0]) + heads_.capacity() * sizeof(heads_[0]) +
         filter_.capacity() * sizeof(filter_[0]) + sizeof(*this);
}

}  // namespace gh
