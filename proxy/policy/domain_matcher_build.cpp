// DomainMatcher::Builder: collects rules (reporting duplicates as they come),
// then lays them out as docs/matcher.md describes.
#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <queue>
#include <stdexcept>
#include <string>

#include "policy/domain_matcher.hpp"
#include "policy/domain_matcher_coding.hpp"

namespace gh {
namespace {

using namespace matcher_coding;

// Huffman code lengths for the bytes with a non-zero count.
std::array<unsigned, 256> code_lengths(const std::array<std::uint64_t, 256>& freq) {
  std::array<unsigned, 256> len{};
  using Item = std::pair<std::uint64_t, std::size_t>;  // weight, node
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
  std::vector<std::size_t> parent;
  std::array<std::size_t, 256> leaf{};
  for (std::size_t c = 0; c < 256; ++c) {
    if (!freq[c]) continue;
    leaf[c] = parent.size();
    queue.emplace(freq[c], parent.size());
    parent.push_back(0);
  }
  while (queue.size() > 1) {
    const Item a = queue.top();
    queue.pop();
    const Item b = queue.top();
    queue.pop();
    parent[a.second] = parent[b.second] = parent.size();
    queue.emplace(a.first + b.first, parent.size());
    parent.push_back(0);
  }
  const std::size_t root = parent.size() - 1;
  for (std::size_t c = 0; c < 256; ++c) {
    if (!freq[c]) continue;
    for (std::size_t node = leaf[c]; node != root; node = parent[node]) ++len[c];
  }
  return len;
}

// Canonical Huffman code of at most kMaxCode bits (counts are flattened
// until it fits), each code stored bit-reversed so that it can be appended
// to a little-endian bit stream first bit first: code | length << 24.
std::array<std::uint32_t, 256> huffman_code(std::array<std::uint64_t, 256> freq) {
  std::array<unsigned, 256> len = code_lengths(freq);
  while (*std::max_element(len.begin(), len.end()) > kMaxCode) {
    for (auto& f : freq)
      if (f) f = (f >> 1) | 1;
    len = code_lengths(freq);
  }
  std::vector<unsigned> symbols;
  for (unsigned c = 0; c < 256; ++c)
    if (len[c]) symbols.push_back(c);
  std::sort(symbols.begin(), symbols.end(),
            [&](unsigned a, unsigned b) { return len[a] != len[b] ? len[a] < len[b] : a < b; });
  std::array<std::uint32_t, 256> code{};
  std::uint32_t next = 0;
  unsigned width = len[symbols.front()];
  for (unsigned c : symbols) {
    next <<= len[c] - width;
    width = len[c];
    std::uint32_t reversed = 0;
    for (unsigned i = 0; i < width; ++i) reversed |= ((next >> i) & 1u) << (width - 1 - i);
    code[c] = reversed | width << 24;
    ++next;
  }
  return code;
}

// Appends bits to a byte vector, first bit in the lowest bit of a byte.
template <typename Bytes>
class BitWriter {
 public:
  explicit BitWriter(Bytes& out) : out_(out) {}
  void put(std::uint64_t v, unsigned n) {  // n <= 56, v < 2^n
    acc_ |= v << fill_;
    fill_ += n;
    for (; fill_ >= 8; fill_ -= 8, acc_ >>= 8) out_.push_back(static_cast<unsigned char>(acc_));
  }
  void put_length(std::size_t v) {
    if (v < low_bits(kShortLength)) {
      put(v, kShortLength);
    } else {
      put(low_bits(kShortLength), kShortLength);
      put(v, kLongLength);
    }
  }
  void copy(const std::uint64_t* words, std::size_t from, std::size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(words);
    for (std::size_t done = 0; done < n; done += 56) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 56));
      put(bits_at(bytes, from + done) & low_bits(chunk), chunk);
    }
  }
  std::size_t bit_position() const { return out_.size() * 8 + fill_; }
  // Zeros up to the next multiple of `unit` bits; returns the position.
  std::size_t pad_to(std::size_t unit) {
    for (std::size_t at = bit_position(); at % unit;) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(unit - at % unit, 56));
      put(0, n);
      at += n;
    }
    return bit_position();
  }

 private:
  Bytes& out_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
};

std::size_t length_field_bits(std::size_t v) {
  return v < low_bits(kShortLength) ? kShortLength : kShortLength + kLongLength;
}

std::size_t common_prefix_bits(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
  for (std::size_t w = 0; w * 64 < n; ++w) {
    if (const std::uint64_t x = a[w] ^ b[w]) return std::min(n, w * 64 + std::countr_zero(x));
  }
  return n;
}

// Sort order: the reversed names' bytes, so that names sharing a parent
// domain sit together and front coding removes the parent.
std::uint64_t sort_key(const char* p, std::size_t n) {
  std::uint64_t k = 0;
  std::memcpy(&k, p, std::min<std::size_t>(n, 8));
  return __builtin_bswap64(k);
}

}  // namespace

void DomainMatcher::Builder::reserve(std::size_t n) {
  pending_.reserve(n);
  names_.reserve(n * 16);
  std::size_t want = 16;
  while (want < 2 * n) want <<= 1;  // load factor <= 1/2
  if (want > index_.size()) grow_index(want);
}

void DomainMatcher::Builder::grow_index(std::size_t size) {
  index_.assign(size, 0);
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const std::uint64_t h = pending_[i].hash;
    std::size_t at = h & (size - 1);
    while (index_[at]) at = (at + 1) & (size - 1);
    index_[at] = (h >> 32) << 32 | (i + 1);
  }
}

std::optional<std::uint32_t> DomainMatcher::Builder::add(std::string_view domain, bool suffix,
                                                         std::uint32_t value) {
  const std::size_t n = domain.size();
  if (n == 0 || n > kMaxName) return std::nullopt;
  unsigned char rev[kMaxName + 8];
  for (std::size_t i = 0; i < n; ++i) rev[i] = static_cast<unsigned char>(domain[n - 1 - i]);
  std::memset(rev + n, 0, 8);
  std::uint64_t h = kSeed;
  std::size_t labels = 0;
  for (std::size_t start = 0, i = 0; i <= n; ++i) {
    if (i < n && rev[i] != '.') continue;
    h = absorb_label(h, rev + start, i - start);
    ++labels;
    start = i + 1;
  }
  h = finish_hash(h);

  if ((pending_.size() + 1) * 2 > index_.size()) grow_index(std::max<std::size_t>(16, index_.size() * 2));
  const std::size_t mask = index_.size() - 1;
  std::size_t at = h & mask;
  for (; index_[at]; at = (at + 1) & mask) {
    if ((index_[at] >> 32) != (h >> 32)) continue;
    Pending& p = pending_[(index_[at] & 0xffffffffu) - 1];
    if (p.hash != h || p.length != n || std::memcmp(names_.data() + p.offset, rev, n) != 0)
      continue;
    std::uint32_t& v = suffix ? p.suffix : p.exact;
    if (v != kNone) return v;
    v = value;
    ++rules_;
    return std::nullopt;
  }
  index_[at] = (h >> 32) << 32 | (pending_.size() + 1);
  pending_.push_back(Pending{h, static_cast<std::uint32_t>(names_.size()),
                             static_cast<std::uint32_t>(n), suffix ? kNone : value,
                             suffix ? value : kNone});
  names_.insert(names_.end(), rev, rev + n);
  label_counts_ |= label_bit(labels);
  ++rules_;
  return std::nullopt;
}

DomainMatcher DomainMatcher::Builder::build() && {
  DomainMatcher m;
  const std::size_t count = pending_.size();
  m.rules_ = rules_;
  m.label_counts_ = label_counts_;
  if (count == 0) return m;

  std::vector<std::pair<std::uint64_t, std::uint32_t>> order(count);
  for (std::size_t i = 0; i < count; ++i)
    order[i] = {sort_key(names_.data() + pending_[i].offset, pending_[i].length),
                static_cast<std::uint32_t>(i)};
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    const Pending& x = pending_[a.second];
    const Pending& y = pending_[b.second];
    return std::string_view(names_.data() + x.offset, x.length) <
           std::string_view(names_.data() + y.offset, y.length);
  });

  // Every byte value gets a code, those in no name a long one, so that any
  // host can be encoded and distinct strings never encode alike.
  std::array<std::uint64_t, 256> freq;
  freq.fill(1);
  for (char c : names_) ++freq[static_cast<unsigned char>(c)];
  m.code_ = huffman_code(freq);

  std::uint32_t max_value = 0;
  for (const Pending& p : pending_) {
    if (p.exact != kNone) max_value = std::max(max_value, p.exact);
    if (p.suffix != kNone) max_value = std::max(max_value, p.suffix);
  }
  m.value_bits_ = std::max(1u, static_cast<unsigned>(std::bit_width(max_value)));

  // Names into lines, in sorted order: each name goes into the current line
  // front-coded against the one before if it fits, else it starts a new line
  // whole (a name longer than a line runs on; the next starts after it).
  constexpr std::size_t kLineBits = kLineBytes * 8;
  constexpr unsigned kPosMask = (1u << kPosBits) - 1;
  std::vector<unsigned char> stream;
  stream.reserve(names_.size() + count * 4 + 64);
  BitWriter<std::vector<unsigned char>> out(stream);
  std::uint64_t buffers[2][kKeyWords];
  std::uint64_t* prev = buffers[0];
  std::uint64_t* cur = buffers[1];
  std::size_t prev_bits = 0, line_start = 0;
  unsigned in_line = 0;
  struct Placed {
    std::uint64_t hash;
    std::uint32_t ref;
    std::uint32_t kind;
  };
  std::vector<Placed> placed(count);
  for (std::size_t r = 0; r < count; ++r) {
    // Sorted order is random order in pending_: fetch ahead.
    if (r + 16 < count) __builtin_prefetch(&pending_[order[r + 16].second]);
    if (r + 8 < count) __builtin_prefetch(names_.data() + pending_[order[r + 8].second].offset);
    const Pending& p = pending_[order[r].second];
    const auto* name = reinterpret_cast<const unsigned char*>(names_.data() + p.offset);
    const std::size_t bits = encode(m.code_.data(), name, p.length, cur, nullptr);
    const std::uint64_t value = p.exact != kNone ? p.exact : p.suffix;
    std::uint32_t ref = 0;
    bool fits = false;
    if (in_line > 0 && in_line <= kPosMask) {
      const std::size_t shared = common_prefix_bits(prev, cur, std::min(prev_bits, bits));
      const std::size_t size = length_field_bits(shared) + length_field_bits(bits - shared) +
                               m.value_bits_ + (bits - shared);
      if (out.bit_position() + size <= line_start + kLineBits) {
        ref = static_cast<std::uint32_t>(line_start / kLineBits) << kPosBits | in_line++;
        out.put_length(shared);
        out.put_length(bits - shared);
        out.put(value, m.value_bits_);
        out.copy(cur, shared, bits - shared);
        fits = true;
      }
    }
    if (!fits) {
      line_start = out.pad_to(kLineBits);
      ref = static_cast<std::uint32_t>(line_start / kLineBits) << kPosBits;
      in_line = 1;
      out.put_length(bits);
      out.put(value, m.value_bits_);
      out.copy(cur, 0, bits);
    }
    placed[r] = Placed{p.hash, ref,
                       (p.exact != kNone ? kExactKind : 0) | (p.suffix != kNone ? kSuffixKind : 0)};
    if (placed[r].kind == kBothKinds) m.second_.emplace_back(ref, p.suffix);
    std::swap(prev, cur);
    prev_bits = bits;
  }
  const std::size_t lines = out.pad_to(kLineBits) / kLineBits;
  m.ref_bits_ = static_cast<unsigned>(std::bit_width(lines - 1)) + kPosBits;
  if (m.ref_bits_ > kMaxRefBits) throw std::length_error("domain matcher: names over 1 GiB");
  stream.resize(stream.size() + 8, 0);  // bits_at reads 8 bytes past a position
  m.names_.assign(stream.begin(), stream.end());

  // 16 slots per bucket at a load of 0.8: few buckets fill up, so a probe
  // usually ends in its first cache line.
  m.buckets_ = static_cast<std::uint32_t>((count * 5 + 63) / 64);
  m.slots_.assign(std::size_t{m.buckets_} * kBucket, 0);
  const unsigned shift = m.ref_bits_ + 2;
  for (const Placed& p : placed) {
    const std::uint32_t slot =
        static_cast<std::uint32_t>(p.hash) >> shift << shift | p.kind << m.ref_bits_ | p.ref;
    for (std::uint32_t b = bucket_of(p.hash, m.buckets_);; b = b + 1 == m.buckets_ ? 0 : b + 1) {
      std::uint32_t* s = &m.slots_[std::size_t{b} * kBucket];
      auto* free = std::find(s, s + kBucket, 0u);
      if (free == s + kBucket) continue;
      *free = slot;
      break;
    }
  }
  m.second_.shrink_to_fit();
  return m;
}

}  // namespace gh
