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

// Appends bits to a vector of little-endian words, first bit lowest.
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>& out)
      : out_(out) {}
  void put(std::uint64_t v, unsigned n) {  // n <= 56, v < 2^n
    acc_ |= v << fill_;
    if (fill_ + n >= 64) {  // n <= 56, so fill_ >= 8 here
      out_.push_back(acc_);
      acc_ = v >> (64 - fill_);
      fill_ = fill_ + n - 64;
    } else {
      fill_ += n;
    }
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
  std::size_t bit_position() const { return out_.size() * 64 + fill_; }
  // Zeros up to the next multiple of `unit` bits (a multiple of 64); returns the position.
  std::size_t pad_to(std::size_t unit) {
    if (fill_) {
      out_.push_back(acc_);
      acc_ = 0;
      fill_ = 0;
    }
    out_.resize((out_.size() * 64 + unit - 1) / unit * unit / 64, 0);
    return bit_position();
  }

 private:
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>& out_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
};

template <typename Vector>
void release(Vector& v) {
  Vector().swap(v);
}

std::size_t length_field_bits(std::size_t v) {
  return v < low_bits(kShortLength) ? kShortLength : kShortLength + kLongLength;
}

std::size_t common_prefix_bits(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
  for (std::size_t w = 0; w * 64 < n; ++w) {
    if (const std::uint64_t x = a[w] ^ b[w]) return std::min(n, w * 64 + std::countr_zero(x));
  }
  return n;
}

// Eight bytes of a name from `depth` on, big-endian, zeros past its end.
std::uint64_t key_at(const char* name, std::size_t length, std::size_t depth) {
  if (depth >= length) return 0;
  std::uint64_t k = 0;
  std::memcpy(&k, name + depth, std::min<std::size_t>(length - depth, 8));
  return __builtin_bswap64(k);
}

struct SortItem {
  std::uint64_t key;
  std::uint32_t index;  // into pending_
};

// Least significant digit first, a byte a time, skipping bytes all keys share.
void radix_sort(SortItem* items, SortItem* spare, std::size_t n) {
  std::vector<std::array<std::size_t, 256>> counts(8);
  for (std::size_t i = 0; i < n; ++i)
    for (unsigned d = 0; d < 8; ++d) ++counts[d][(items[i].key >> (8 * d)) & 0xff];
  SortItem* from = items;
  SortItem* to = spare;
  for (unsigned d = 0; d < 8; ++d) {
    if (counts[d][(from[0].key >> (8 * d)) & 0xff] == n) continue;
    std::size_t at = 0;
    for (std::size_t& c : counts[d]) at += std::exchange(c, at);
    for (std::size_t i = 0; i < n; ++i) to[counts[d][(from[i].key >> (8 * d)) & 0xff]++] = from[i];
    std::swap(from, to);
  }
  if (from != items) std::copy(from, from + n, items);
}

// Sorts items[0, n) by the bytes of their names from `depth` on (their keys
// hold bytes depth..depth+7): by key, then each run of equal keys by the
// next eight bytes, and so on; names equal but for trailing zeros by length.
template <typename PendingList, typename Bytes>
void sort_names(SortItem* items, SortItem* spare, std::size_t n, std::size_t depth,
                const PendingList& pending, const Bytes& names) {
  if (n < 256) {
    std::sort(items, items + n, [](const SortItem& a, const SortItem& b) { return a.key < b.key; });
  } else {
    radix_sort(items, spare, n);
  }
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    bool longer = pending[items[i].index].length > depth + 8;
    for (; j < n && items[j].key == items[i].key; ++j)
      longer |= pending[items[j].index].length > depth + 8;
    if (j - i > 1 && longer) {
      for (std::size_t k = i; k < j; ++k) {
        const auto& p = pending[items[k].index];
        items[k].key = key_at(names.data() + p.offset, p.length, depth + 8);
      }
      sort_names(items + i, spare + i, j - i, depth + 8, pending, names);
    } else if (j - i > 1) {
      std::sort(items + i, items + j, [&](const SortItem& a, const SortItem& b) {
        return pending[a.index].length < pending[b.index].length;
      });
    }
    i = j;
  }
}

}  // namespace

// Duplicates must be reported as they are added, but a probe of an index of
// a million names is a cache miss per add. So a small filter (a blocked Bloom
// filter: 3 bits in one word per name, in cache) answers "new" for most
// names, and the index is brought up to date in batches whose cache misses
// overlap, only before it is probed or every kBatch names.
namespace {
constexpr std::size_t kBatch = 4096;

std::uint64_t filter_bits(std::uint64_t g) {
  return std::uint64_t{1} << (g & 63) | std::uint64_t{1} << ((g >> 6) & 63) |
         std::uint64_t{1} << ((g >> 12) & 63);
}
std::uint64_t filter_hash(std::uint64_t h) { return h * 0x9e3779b97f4a7c15ull; }
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
  indexed_ = pending_.size();
  // About 8 filter bits per name: a false "maybe" for roughly one new name in 25.
  filter_.assign(std::max<std::size_t>(size / 16, 64), 0);
  filter_shift_ = 64 - static_cast<unsigned>(std::countr_zero(filter_.size()));
  for (const Pending& p : pending_) {
    const std::uint64_t g = filter_hash(p.hash);
    filter_[g >> filter_shift_] |= filter_bits(g);
  }
}

void DomainMatcher::Builder::index_pending() {
  if ((pending_.size() + 1) * 2 > index_.size()) {
    std::size_t size = std::max<std::size_t>(16, index_.size());
    while ((pending_.size() + 1) * 2 > size) size *= 2;
    grow_index(size);
    return;
  }
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = indexed_; i < pending_.size(); ++i) {
    if (i + 8 < pending_.size()) __builtin_prefetch(&index_[pending_[i + 8].hash & mask]);
    const std::uint64_t h = pending_[i].hash;
    std::size_t at = h & mask;
    while (index_[at]) at = (at + 1) & mask;
    index_[at] = (h >> 32) << 32 | (i + 1);
  }
  indexed_ = pending_.size();
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

  if (filter_.empty()) grow_index(16);
  const std::uint64_t g = filter_hash(h);
  if ((filter_[g >> filter_shift_] & filter_bits(g)) == filter_bits(g)) {  // maybe: ask the index
    index_pending();
    const std::size_t mask = index_.size() - 1;
    for (std::size_t at = h & mask; index_[at]; at = (at + 1) & mask) {
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
  }
  // (Not a reference taken above: index_pending() may have grown the filter.)
  filter_[g >> filter_shift_] |= filter_bits(g);
  pending_.push_back(Pending{h, static_cast<std::uint32_t>(names_.size()),
                             static_cast<std::uint32_t>(n), suffix ? kNone : value,
                             suffix ? value : kNone});
  names_.insert(names_.end(), rev, rev + n);
  label_counts_ |= label_bit(labels);
  ++rules_;
  if (pending_.size() - indexed_ >= kBatch) index_pending();
  return std::nullopt;
}

DomainMatcher DomainMatcher::Builder::build() && {
  DomainMatcher m;
  const std::size_t count = pending_.size();
  m.rules_ = rules_;
  m.label_counts_ = label_counts_;
  if (count == 0) return m;

  // Names sharing a parent domain sort together, so front coding drops the parent.
  // Temporaries in huge pages too: page faults are dear (one per 4 KiB otherwise).
  std::vector<SortItem, HugePageAllocator<SortItem>> order(count), spare(count);
  for (std::size_t i = 0; i < count; ++i)
    order[i] = {key_at(names_.data() + pending_[i].offset, pending_[i].length, 0),
                static_cast<std::uint32_t>(i)};
  sort_names(order.data(), spare.data(), count, 0, pending_, names_);
  release(spare);

  // The names in sorted order, side by side: a tight loop of random reads
  // whose cache misses overlap, then everything after reads in order.
  std::vector<Pending, HugePageAllocator<Pending>> sorted(count);
  std::vector<unsigned char, HugePageAllocator<unsigned char>> bytes(names_.size() + 8);
  for (std::size_t r = 0, at = 0; r < count; ++r) {
    if (r + 16 < count) __builtin_prefetch(&pending_[order[r + 16].index]);
    if (r + 8 < count) __builtin_prefetch(names_.data() + pending_[order[r + 8].index].offset);
    sorted[r] = pending_[order[r].index];
    std::memcpy(&bytes[at], names_.data() + sorted[r].offset, sorted[r].length);
    sorted[r].offset = static_cast<std::uint32_t>(at);
    at += sorted[r].length;
  }
  release(order);
  release(pending_);
  release(names_);
  release(index_);
  release(filter_);

  // Every byte value gets a code, those in no name a long one, so that any
  // host can be encoded and distinct strings never encode alike.
  std::array<std::uint64_t, 256> freq;
  freq.fill(1);
  for (std::size_t i = 0; i + 8 < bytes.size(); ++i) ++freq[bytes[i]];
  m.code_ = huffman_code(freq);

  std::uint32_t max_value = 0;
  for (const Pending& p : sorted) {
    if (p.exact != kNone) max_value = std::max(max_value, p.exact);
    if (p.suffix != kNone) max_value = std::max(max_value, p.suffix);
  }
  m.value_bits_ = std::max(1u, static_cast<unsigned>(std::bit_width(max_value)));

  // Names into lines, in sorted order: each name goes into the current line
  // front-coded against the one before if it fits, else it starts a new line
  // whole (a name longer than a line runs on; the next starts after it).
  constexpr std::size_t kLineBits = kLineBytes * 8;
  constexpr unsigned kPosMask = (1u << kPosBits) - 1;
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> stream;
  stream.reserve(bytes.size() / 8 + count / 2 + 8);
  BitWriter out(stream);
  std::uint64_t buffers[2][kKeyWords];
  std::uint64_t* prev = buffers[0];
  std::uint64_t* cur = buffers[1];
  std::size_t prev_bits = 0, line_start = 0;
  unsigned in_line = 0;
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> refs(count);
  for (std::size_t r = 0; r < count; ++r) {
    const Pending& p = sorted[r];
    const std::size_t bits = encode(m.code_.data(), &bytes[p.offset], p.length, cur);
    const std::uint64_t value = p.exact != kNone ? p.exact : p.suffix;
    bool fits = false;
    if (in_line > 0 && in_line <= kPosMask) {
      const std::size_t shared = common_prefix_bits(prev, cur, std::min(prev_bits, bits));
      const std::size_t size = length_field_bits(shared) + length_field_bits(bits - shared) +
                               m.value_bits_ + (bits - shared);
      if (out.bit_position() + size <= line_start + kLineBits) {
        refs[r] = static_cast<std::uint32_t>(line_start / kLineBits) << kPosBits | in_line++;
        out.put_length(shared);
        out.put_length(bits - shared);
        out.put(value, m.value_bits_);
        out.copy(cur, shared, bits - shared);
        fits = true;
      }
    }
    if (!fits) {
      line_start = out.pad_to(kLineBits);
      refs[r] = static_cast<std::uint32_t>(line_start / kLineBits) << kPosBits;
      in_line = 1;
      out.put_length(bits);
      out.put(value, m.value_bits_);
      out.copy(cur, 0, bits);
    }
    if (p.exact != kNone && p.suffix != kNone) m.second_.emplace_back(refs[r], p.suffix);
    std::swap(prev, cur);
    prev_bits = bits;
  }
  const std::size_t lines = out.pad_to(kLineBits) / kLineBits;
  m.ref_bits_ = static_cast<unsigned>(std::bit_width(lines - 1)) + kPosBits;
  if (m.ref_bits_ > kMaxRefBits) throw std::length_error("domain matcher: names over 1 GiB");
  m.names_.resize(stream.size() * 8 + 8);  // bits_at reads 8 bytes past a position
  std::memcpy(m.names_.data(), stream.data(), stream.size() * 8);

  // 16 slots per bucket at a load of 0.8: few buckets fill up, so a probe
  // usually ends in its first cache line. Slots are put in order of their
  // home bucket, each in the first free slot from there: what inserting
  // them one by one would give, without a cache miss per name.
  m.buckets_ = static_cast<std::uint32_t>((count * 5 + 63) / 64);
  m.slots_.assign(std::size_t{m.buckets_} * kBucket, 0);
  const unsigned shift = m.ref_bits_ + 2;
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> first(m.buckets_ + 1, 0);
  for (const Pending& p : sorted) ++first[bucket_of(p.hash, m.buckets_) + 1];
  for (std::size_t b = 0; b < m.buckets_; ++b) first[b + 1] += first[b];
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> by_bucket(count);
  for (std::size_t r = 0; r < count; ++r) {
    const Pending& p = sorted[r];
    const unsigned kind =
        (p.exact != kNone ? kExactKind : 0) | (p.suffix != kNone ? kSuffixKind : 0);
    by_bucket[first[bucket_of(p.hash, m.buckets_)]++] =
        static_cast<std::uint32_t>(p.hash) >> shift << shift | kind << m.ref_bits_ | refs[r];
  }
  // first[b] is now where bucket b + 1 starts in by_bucket.
  std::size_t at = 0, next = 0;
  for (std::size_t b = 0; b < m.buckets_ && at < m.slots_.size(); ++b)
    for (at = std::max(at, b * kBucket); next < first[b] && at < m.slots_.size(); ++next)
      m.slots_[at++] = by_bucket[next];
  for (; next < count; ++next) {  // past the last bucket: on from the first, as a probe goes
    for (std::uint32_t b = 0;; ++b) {
      std::uint32_t* s = &m.slots_[std::size_t{b} * kBucket];
      auto* free = std::find(s, s + kBucket, 0u);
      if (free == s + kBucket) continue;
      *free = by_bucket[next];
      break;
    }
  }
  m.second_.shrink_to_fit();
  return m;
}

}  // namespace gh
