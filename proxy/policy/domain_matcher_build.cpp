// DomainMatcher::Builder: collects rules (reporting duplicates as they come),
// then lays them out as docs/matcher.md describes.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <queue>
#include <random>
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
  void copy(const std::uint64_t* words, std::size_t from, std::size_t n) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(words);
    for (std::size_t done = 0; done < n; done += 56) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 56));
      put(bits_at(bytes, from + done) & low_bits(chunk), chunk);
    }
  }
  std::size_t bit_position() const { return out_.size() * 64 + fill_; }
  // Zeros up to bit `pos` (not before the current position).
  void pad_until(std::size_t pos) {
    while (bit_position() < pos)
      put(0, static_cast<unsigned>(std::min<std::size_t>(pos - bit_position(), 56)));
  }
  // Stores the last word and `extra` words of zeros.
  void finish(std::size_t extra) {
    if (fill_) out_.push_back(acc_);
    acc_ = 0;
    fill_ = 0;
    out_.resize(out_.size() + extra, 0);
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

}  // namespace

// Duplicates must be reported as they are added, but a probe of an index of
// a million names is a cache miss per add. So a small filter (a blocked Bloom
// filter: 3 bits in one word per name, in cache) answers "new" for most
// names, and the index is brought up to date in batches whose cache misses
// overlap, only before it is probed or every kBatch names.
namespace {
constexpr std::size_t kBatch = 4096;

std::uint64_t dedup_bits(std::uint64_t g) {
  return std::uint64_t{1} << (g & 63) | std::uint64_t{1} << ((g >> 6) & 63) |
         std::uint64_t{1} << ((g >> 12) & 63);
}
std::uint64_t dedup_hash(std::uint64_t h) { return h * 0x9e3779b97f4a7c15ull; }
}  // namespace

// Two 32-bit draws of std::random_device (RDRAND or getrandom, as libstdc++ picks): a list's
// author cannot know the seed, so cannot choose names that share a home.
DomainMatcher::Builder::Builder() {
  std::random_device source;
  seed_ = std::uint64_t{source()} << 32 | source();
}

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
    const std::uint64_t g = dedup_hash(p.hash);
    filter_[g >> filter_shift_] |= dedup_bits(g);
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
  unsigned char rev[kMaxName];
  for (std::size_t i = 0; i < n; ++i) rev[i] = static_cast<unsigned char>(domain[n - 1 - i]);
  std::size_t labels;
  const std::uint64_t h = name_hash(seed_, rev, n, labels);

  if (filter_.empty()) grow_index(16);
  const std::uint64_t g = dedup_hash(h);
  if ((filter_[g >> filter_shift_] & dedup_bits(g)) == dedup_bits(g)) {  // maybe: ask the index
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
  filter_[g >> filter_shift_] |= dedup_bits(g);
  pending_.push_back(Pending{h, static_cast<std::uint32_t>(names_.size()),
                             static_cast<std::uint32_t>(n), suffix ? kNone : value,
                             suffix ? value : kNone});
  names_.insert(names_.end(), rev, rev + n);
  label_counts_ |= label_bit(labels);
  ++rules_;
  if (pending_.size() - indexed_ >= kBatch) index_pending();
  return std::nullopt;
}

namespace {

// Where the records of each home go: a counting sort of the names by home.
struct Layout {
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> order;  // pending indexes by home
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>>
      first;  // home h: order[first[h], first[h+1])
};

template <typename PendingList>
Layout by_home(const PendingList& pending, std::uint32_t homes) {
  Layout l;
  l.first.assign(std::size_t{homes} + 1, 0);
  for (const auto& p : pending) ++l.first[home_of(p.hash, homes) + 1];
  for (std::size_t h = 0; h < homes; ++h) l.first[h + 1] += l.first[h];
  l.order.resize(pending.size());
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> at(l.first.begin(),
                                                                  l.first.end() - 1);
  for (std::size_t i = 0; i < pending.size(); ++i)
    l.order[at[home_of(pending[i].hash, homes)]++] = static_cast<std::uint32_t>(i);
  return l;
}

// A record's bits: its lane and kind in the chunk's header, its body. (The
// 4 bits of each chunk's count and `more`, about one bit a record, are left
// out: the homes are sized for the records alone.)
std::size_t record_bits(std::size_t name_bits, unsigned kind, unsigned value_bits) {
  return 8 + 2 + (name_bits >= kEscape ? kLongLength : 0) +
         value_bits * (kind == kBothKinds ? 2 : 1) + name_bits;
}

// How many lines, from the home line on, a lookup fetches at once: enough
// for kReachShare of the records to end in them (docs/matcher.md, "Homes").
std::uint32_t reach_for(const std::array<std::size_t, kMaxReach>& ends, std::size_t records) {
  std::size_t covered = 0;
  for (std::uint32_t k = 0; k < kMaxReach; ++k) {
    covered += ends[k];
    if (static_cast<double>(covered) >= kReachShare * static_cast<double>(records)) return k + 1;
  }
  return kMaxReach;
}

unsigned kind_of(std::uint32_t exact, std::uint32_t suffix) {
  return (exact != DomainMatcher::kNone ? kExactKind : 0) |
         (suffix != DomainMatcher::kNone ? kSuffixKind : 0);
}

// A record on its way into the stream.
struct Coded {
  const unsigned char* name;  // reversed
  std::uint32_t length;
  std::uint32_t exact, suffix;  // kNone if none
  std::size_t bits;             // of the name, coded
};

// The records of home `h` (in the order write_stream puts them), in chunks of at
// most kChunk; ends[k] counts the records that end in line h + k.
void write_home(BitWriter& out, const std::vector<Coded>& home, const std::uint32_t* code,
                unsigned value_bits, std::size_t h, std::array<std::size_t, kMaxReach>& ends) {
  std::uint64_t key[kKeyWords];
  for (std::size_t first = 0; first < home.size(); first += kChunk) {
    const std::size_t last = std::min(home.size(), first + kChunk);
    out.put(last - first, 3);
    out.put(last < home.size() ? 1 : 0, 1);
    for (std::size_t r = first; r < last; ++r) out.put(std::min(home[r].bits, kEscape), 8);
    for (std::size_t r = first; r < last; ++r) out.put(kind_of(home[r].exact, home[r].suffix), 2);
    for (std::size_t r = first; r < last; ++r) {
      const Coded& c = home[r];
      const unsigned kind = kind_of(c.exact, c.suffix);
      const std::size_t n = encode(code, c.name, c.length, key);
      if (n >= kEscape) out.put(n, kLongLength);
      out.put(kind & kExactKind ? c.exact : c.suffix, value_bits);
      out.copy(key, 0, n);
      if (kind == kBothKinds) out.put(c.suffix, value_bits);
      ++ends[std::min<std::size_t>((out.bit_position() - 1) / DomainMatcher::kLineBits - h,
                                   kMaxReach - 1)];
    }
  }
}

}  // namespace

// Writes the records home by home, each home's from the start of its line or
// right after the home before's, whichever is later. Returns false if some
// home's records would start 2^16 - 1 bits or more past its line (the table
// is then too full there; the caller retries with more homes).
bool DomainMatcher::Builder::write_stream(DomainMatcher& m, std::uint32_t homes) const {
  const Layout l = by_home(pending_, homes);
  auto& stream_ = m.stream_;
  auto& heads_ = m.heads_;
  stream_.clear();
  stream_.reserve((std::size_t{homes} + kMaxReach) * (kLineBits / 64) + 64);
  heads_.assign(homes, kEmptyHome);
  BitWriter out(stream_);
  std::vector<Coded> home;
  // ends[k]: records that end in line home + k (k < kMaxReach; the rest in the last)
  std::array<std::size_t, kMaxReach> ends{};
  // The names are read in home order, at random: prefetched ahead so that
  // their cache misses overlap.
  const std::size_t count = l.order.size();
  for (std::uint32_t h = 0; h < homes; ++h) {
    const std::size_t from = l.first[h], to = l.first[h + 1];
    if (from == to) continue;
    const std::size_t line = std::size_t{h} * kLineBits;
    out.pad_until(line);
    if (out.bit_position() - line >= kEmptyHome) return false;
    heads_[h] = static_cast<std::uint16_t>(out.bit_position() - line);
    home.clear();
    for (std::size_t r = from; r < to; ++r) {
      if (r + 16 < count) __builtin_prefetch(&pending_[l.order[r + 16]]);
      if (r + 8 < count) __builtin_prefetch(&names_[pending_[l.order[r + 8]].offset]);
      const Pending& p = pending_[l.order[r]];
      const auto* name = reinterpret_cast<const unsigned char*>(&names_[p.offset]);
      home.push_back(
          Coded{name, p.length, p.exact, p.suffix, code_bits(m.code_.data(), name, p.length)});
    }
    // Records of escaped length last, and before them those of both kinds
    // (see pick_at in domain_matcher_coding.hpp).
    const auto rest = std::stable_partition(home.begin(), home.end(), [](const Coded& c) {
      return c.bits < kEscape && kind_of(c.exact, c.suffix) != kBothKinds;
    });
    std::stable_partition(rest, home.end(), [](const Coded& c) { return c.bits < kEscape; });
    write_home(out, home, m.code_.data(), m.value_bits_, h, ends);
  }
  m.reach_ = reach_for(ends, count);
  out.pad_until(std::size_t{homes} * kLineBits);
  // bits_at reads 8 bytes past a position; a lookup prefetches reach_ lines
  // from the home line on, so they exist for the last home too.
  out.finish(2 + m.reach_ * (kLineBits / 64));
  return true;
}

DomainMatcher DomainMatcher::Builder::build() && {
  DomainMatcher m;
  m.seed_ = seed_;
  const std::size_t count = pending_.size();
  m.rules_ = rules_;
  m.label_counts_ = label_counts_;
  if (count == 0) return m;
  release(index_);
  release(filter_);

  // Every byte value gets a code, those in no name a long one, so that any
  // host can be encoded and distinct strings never encode alike.
  std::array<std::uint64_t, 256> freq;
  freq.fill(1);
  for (const char c : names_) ++freq[static_cast<unsigned char>(c)];
  m.code_ = huffman_code(freq);

  std::uint32_t max_value = 0;
  std::size_t total = 0;
  for (const Pending& p : pending_) {
    if (p.exact != kNone) max_value = std::max(max_value, p.exact);
    if (p.suffix != kNone) max_value = std::max(max_value, p.suffix);
  }
  m.value_bits_ = std::max(1u, static_cast<unsigned>(std::bit_width(max_value)));
  for (const Pending& p : pending_) {
    const auto* name = reinterpret_cast<const unsigned char*>(&names_[p.offset]);
    total += record_bits(code_bits(m.code_.data(), name, p.length), kind_of(p.exact, p.suffix),
                         m.value_bits_);
  }

  // Homes for a fill of kFill (docs/matcher.md: most homes' records start in
  // their own line and end in it or the next); if some home's records would
  // start too far past its line, again with more homes. Chance alone needs
  // one or two more layouts at most; names whose hashes collide on purpose
  // (the hash is not keyed) would need more homes every time, so after
  // kMaxRelayouts the build fails instead (docs/matcher.md, "Limits").
  constexpr double kFill = 0.92;
  constexpr int kMaxRelayouts = 8;  // up to 1.25^8 = 6 times the homes
  double want = std::ceil(static_cast<double>(total) / (kLineBits * kFill));
  for (int relayouts = 0;; ++relayouts, want *= 1.25) {
    if (want >= 4294967295.0) throw std::length_error("domain matcher: too many names");
    if (relayouts > kMaxRelayouts)
      throw std::length_error(
          "domain matcher: the rule names crowd one home line even with 6 times the lines "
          "(names chosen so that their hashes collide?)");
    m.homes_ = static_cast<std::uint32_t>(std::max(1.0, want));
    if (write_stream(m, m.homes_)) break;
  }

  // The filter, about kFilterBitsPerName bits a name.
  m.filter_.assign(std::max<std::size_t>(1, (count * kFilterBitsPerName + 63) / 64), 0);
  for (const Pending& p : pending_) {
    const FilterProbe f = filter_probe(p.hash, m.filter_.size());
    m.filter_[f.word] |= f.bits;
  }
  return m;
}

}  // namespace gh
