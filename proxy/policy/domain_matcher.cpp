// Lookup side of DomainMatcher; the layout is described in docs/matcher.md,
// the builder is in domain_matcher_build.cpp, the coding both share in
// domain_matcher_coding.hpp.
#include "policy/domain_matcher.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "policy/domain_matcher_coding.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gh {
namespace {

using namespace matcher_coding;

struct Probe {
  std::uint64_t hash;
  std::uint32_t bucket;
  std::uint16_t end;    // the candidate is the first `end` bytes of the reversed host
  std::uint16_t label;  // and its last label is label `label` of it (0: the TLD)
};

// Which of a bucket's slots hold `fp`, and which are filled (always a prefix:
// slots are filled in order and never emptied).
struct BucketScan {
  unsigned match;
  unsigned filled;
};

BucketScan scan_bucket(const std::uint32_t* s, std::uint32_t fp, unsigned shift) noexcept {
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi32(static_cast<int>(fp));
  const __m128i zero = _mm_setzero_si128();
  const __m128i count = _mm_cvtsi32_si128(static_cast<int>(shift));
  unsigned match = 0, empty = 0;
  for (unsigned q = 0; q < DomainMatcher::kBucket / 4; ++q) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s) + q);
    const __m128i m = _mm_cmpeq_epi32(_mm_srl_epi32(v, count), want);
    match |= static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(m))) << (4 * q);
    const __m128i e = _mm_cmpeq_epi32(v, zero);
    empty |= static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(e))) << (4 * q);
  }
  return {match, ~empty & 0xffffu};
#else
  unsigned match = 0, filled = 0;
  for (unsigned i = 0; i < DomainMatcher::kBucket; ++i) {
    match |= static_cast<unsigned>((s[i] >> shift) == fp) << i;
    filled |= static_cast<unsigned>(s[i] != 0) << i;
  }
  return {match, filled};
#endif
}

// Length of the common prefix of two bit strings, at most n bits.
std::size_t common_bits(const unsigned char* a, std::size_t apos, const unsigned char* b,
                        std::size_t bpos, std::size_t n) noexcept {
  for (std::size_t done = 0; done < n; done += 56) {
    const std::size_t chunk = std::min<std::size_t>(n - done, 56);
    const std::uint64_t x = (bits_at(a, apos + done) ^ bits_at(b, bpos + done)) &
                            low_bits(static_cast<unsigned>(chunk));
    if (x) return done + static_cast<std::size_t>(std::countr_zero(x));
  }
  return n;
}

}  // namespace

// Walks the line to its record, keeping the length of the common prefix of
// the key and each name on the way (the classic front-coding search): a name
// shares `shared` bits with the one before, so it agrees with the key exactly
// as far as the previous name did when `shared` is larger, only as far as
// `shared` when it is smaller, and further only when equal. Each step is
// written without a branch on the bits (they are not predictable), and its
// compare of up to 56 bits is made whether needed or not, so the steps cost
// a few cycles each; only a tail of over 56 bits that agrees with the key all
// the way takes the loop in common_bits.
bool DomainMatcher::record_is(const unsigned char* line, unsigned target, const unsigned char* key,
                              std::size_t key_bits, std::uint32_t& value) const noexcept {
  const std::uint64_t value_mask = low_bits(value_bits_);
  std::size_t pos = 0;
  const std::size_t first = read_length(line, pos);
  std::size_t at = pos;  // where the current record's value is
  std::size_t lcp = common_bits(line, pos + value_bits_, key, 0, std::min(first, key_bits));
  std::size_t shared = 0, tail = first;
  pos += value_bits_ + first;
  for (unsigned j = 1; j <= target; ++j) {
    const std::uint64_t w = bits_at(line, pos);
    shared = static_cast<std::size_t>(w & low_bits(kShortLength));
    tail = static_cast<std::size_t>((w >> kShortLength) & low_bits(kShortLength));
    std::size_t header = 2 * kShortLength;
    if (shared == low_bits(kShortLength) || tail == low_bits(kShortLength)) [[unlikely]] {
      std::size_t p = pos;
      shared = read_length(line, p);
      tail = read_length(line, p);
      header = p - pos;
    }
    at = pos + header;
    const std::size_t data = at + value_bits_;
    // Agreement of the tail with the key from `shared` on (used only when
    // shared == lcp, which is then <= key_bits).
    const std::size_t from = std::min(shared, key_bits);
    const std::size_t room = std::min({tail, key_bits - from, std::size_t{56}});
    const std::uint64_t x =
        (bits_at(line, data) ^ bits_at(key, from)) & low_bits(static_cast<unsigned>(room));
    std::size_t agree = x ? static_cast<std::size_t>(std::countr_zero(x)) : room;
    if (agree == 56 && shared == lcp) [[unlikely]]
      agree += common_bits(line, data + 56, key, from + 56, std::min(tail, key_bits - from) - 56);
    const std::size_t extended = shared == lcp ? shared + agree : lcp;
    lcp = shared < lcp ? shared : extended;
    pos = data + tail;
  }
  if (shared + tail != key_bits || lcp != key_bits) return false;
  value = static_cast<std::uint32_t>(bits_at(line, at) & value_mask);
  return true;
}

std::uint32_t DomainMatcher::second_value_of(std::uint32_t ref) const noexcept {
  auto it = std::lower_bound(second_.begin(), second_.end(), ref,
                             [](const auto& e, std::uint32_t v) { return e.first < v; });
  return it != second_.end() && it->first == ref ? it->second : kNone;
}

template <bool kSkipFull>
std::optional<DomainMatcher::Hit> DomainMatcher::lookup_impl(std::string_view host) const noexcept {
  const std::size_t n = host.size();
  if (n == 0 || n > kMaxName || slots_.empty()) return std::nullopt;

  // The host reversed, so every candidate suffix is a prefix of `rev`: eight
  // bytes at a time (a byte swap), and the dots found in each word at once.
  unsigned char fwd[kMaxName + 8];
  unsigned char rev[kMaxName + 16];
  std::uint16_t dots[kMaxName + 1];
  std::size_t ndots = 0;
  std::memset(fwd, 0, 8);
  std::memcpy(fwd + 8, host.data(), n);
  for (std::size_t i = 0; i < n; i += 8) {
    // host bytes [n - i - 8, n - i), the first ones zeros of fwd when i + 8 > n
    const std::uint64_t w = __builtin_bswap64(load64(fwd + n - i));
    std::memcpy(rev + i, &w, 8);
    const std::uint64_t x = w ^ 0x2e2e2e2e2e2e2e2eull;  // a '.' byte becomes 0
    constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
    std::uint64_t dot = ~(((x & kLow7) + kLow7) | x | kLow7);  // high bit of each zero byte
    if (i + 8 > n) dot &= low_bits(static_cast<unsigned>(8 * (n - i)));
    for (; dot; dot &= dot - 1)
      dots[ndots++] = static_cast<std::uint16_t>(i + std::countr_zero(dot) / 8);
  }
  std::memset(rev + n, 0, 8);

  // One hash per label boundary; probe only the label counts rules have, and
  // fetch every candidate bucket at once so the cache misses overlap.
  Probe probes[kMaxName + 1];
  std::size_t k = 0;
  std::uint64_t h = kSeed;
  std::size_t start = 0;
  for (std::size_t d = 0; d <= ndots; ++d) {
    const std::size_t end = d < ndots ? dots[d] : n;
    h = absorb_label(h, rev + start, end - start);
    start = end + 1;
    if (kSkipFull && d == ndots) break;
    if (!(label_counts_ & label_bit(d + 1))) continue;
    const std::uint64_t mixed = finish_hash(h);
    const std::uint32_t b = bucket_of(mixed, buckets_);
    __builtin_prefetch(&slots_[std::size_t{b} * kBucket]);
    probes[k++] = Probe{mixed, b, static_cast<std::uint16_t>(end), static_cast<std::uint16_t>(d)};
  }
  if (k == 0) return std::nullopt;

  // The key's bits are made only when a fingerprint matches, label by label
  // up to that candidate's end; key_end[d] is where label d's bits end.
  std::uint64_t key[kKeyWords];
  std::size_t key_end[kMaxName + 1];
  bool encoded = false;
  const unsigned shift = ref_bits_ + 2;
  const std::uint32_t ref_mask = (std::uint32_t{1} << ref_bits_) - 1;

  for (std::size_t j = k; j-- > 0;) {  // longest first
    const Probe& p = probes[j];
    const bool full = p.end == n;
    const auto fp = static_cast<std::uint32_t>(p.hash) >> shift;
    for (std::uint32_t b = p.bucket;; b = b + 1 == buckets_ ? 0 : b + 1) {
      const std::uint32_t* s = &slots_[std::size_t{b} * kBucket];
      const BucketScan scan = scan_bucket(s, fp, shift);
      for (unsigned m = scan.match & scan.filled; m; m &= m - 1) {
        const std::uint32_t slot = s[std::countr_zero(m)];
        const unsigned kind = (slot >> ref_bits_) & 3;
        if (!full && !(kind & kSuffixKind)) continue;
        const std::uint32_t ref = slot & ref_mask;
        // Fetch the name's line, then make the key while it arrives. Shorter
        // candidates come later: their keys are prefixes of this one.
        const unsigned char* line = names_.data() + std::size_t{ref >> kPosBits} * kLineBytes;
        __builtin_prefetch(line);
        if (!encoded) {
          BitEncoder e(code_.data(), key);
          for (std::size_t d = 0, from = 0; d <= p.label; ++d) {
            const std::size_t to = d < ndots ? dots[d] : n;
            e.add(rev + from, to - from);
            key_end[d] = e.position();
            from = to;
          }
          e.finish();
          encoded = true;
        }
        std::uint32_t value;
        if (!record_is(line, ref & ((1u << kPosBits) - 1),
                       reinterpret_cast<const unsigned char*>(key), key_end[p.label], value))
          continue;
        if (full && (kind & kExactKind)) return Hit{value, false, p.end};
        return Hit{kind == kBothKinds ? second_value_of(ref) : value, true, p.end};
      }
      if (scan.filled != 0xffffu) break;  // a free slot: the name would have been put here
    }
  }
  return std::nullopt;
}

std::optional<DomainMatcher::Hit> DomainMatcher::lookup(std::string_view host) const noexcept {
  return lookup_impl<false>(host);
}

std::optional<DomainMatcher::Hit> DomainMatcher::lookup_parent(
    std::string_view domain) const noexcept {
  return lookup_impl<true>(domain);
}

std::size_t DomainMatcher::memory_bytes() const noexcept {
  return slots_.capacity() * sizeof(std::uint32_t) + names_.capacity() +
         second_.capacity() * sizeof(second_[0]) + sizeof(*this);
}

}  // namespace gh
