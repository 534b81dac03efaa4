// Copied unchanged from proxy/policy/domain_matcher.cpp before issue 17 (class renamed).
#include "baseline_domain_matcher.hpp"

#include <cstring>
#include <utility>

namespace gh {
namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;
constexpr std::size_t kMaxHost = 253;
constexpr std::size_t kMaxLabels = kMaxHost / 2 + 2;

// FNV-1a over the bytes taken from the END of the name, so that while
// scanning a host right to left the hash of every dot-suffix falls out.
std::uint64_t reverse_fnv(std::string_view s) noexcept {
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = s.size(); i-- > 0;) h = (h ^ static_cast<unsigned char>(s[i])) * kFnvPrime;
  return h;
}

std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

std::uint64_t label_bit(std::size_t labels) noexcept {
  return std::uint64_t{1} << (labels < 63 ? labels : 63);
}

std::uint32_t tag_of(std::uint64_t mixed) noexcept {
  auto t = static_cast<std::uint32_t>(mixed >> 32);
  return t == 0 ? 1 : t;
}

}  // namespace

const BaselineDomainMatcher::Slot* BaselineDomainMatcher::find(std::string_view key,
                                                               std::uint64_t mixed) const noexcept {
  if (slots_.empty()) return nullptr;
  const std::uint32_t tag = tag_of(mixed);
  for (std::size_t i = mixed & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.tag == 0) return nullptr;
    if (s.tag == tag) {
      const char* p = arena_.data() + s.offset;
      if (static_cast<unsigned char>(p[0]) == key.size() &&
          std::memcmp(p + 1, key.data(), key.size()) == 0)
        return &s;
    }
  }
}

BaselineDomainMatcher::Slot* BaselineDomainMatcher::find_slot(std::string_view key,
                                                              std::uint64_t mixed) noexcept {
  return const_cast<Slot*>(std::as_const(*this).find(key, mixed));
}

template <bool kSkipFull>
std::optional<BaselineDomainMatcher::Hit> BaselineDomainMatcher::lookup_impl(
    std::string_view host) const noexcept {
  const std::size_t n = host.size();
  if (n == 0 || n > kMaxHost || slots_.empty()) return std::nullopt;

  // Right to left: the hash of each suffix that starts after a dot and has
  // a label count some rule has.
  std::uint64_t mixed[kMaxLabels];
  std::uint16_t start[kMaxLabels];
  std::size_t k = 0, labels = 0;
  std::uint64_t h = kFnvOffset;
  for (std::size_t i = n; i-- > 0;) {
    const char c = host[i];
    if (c == '.' && (label_counts_ & label_bit(++labels))) {
      mixed[k] = mix(h);
      start[k++] = static_cast<std::uint16_t>(i + 1);
    }
    h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  if (!kSkipFull && (label_counts_ & label_bit(labels + 1))) {
    mixed[k] = mix(h);
    start[k++] = 0;
  }
  // Touch every candidate slot first so the cache misses overlap.
  for (std::size_t j = 0; j < k; ++j) __builtin_prefetch(&slots_[mixed[j] & mask_]);

  for (std::size_t j = k; j-- > 0;) {  // longest first
    std::string_view key = host.substr(start[j]);
    const Slot* s = find(key, mixed[j]);
    if (!s) continue;
    if (start[j] == 0 && s->exact != kNone)
      return Hit{s->exact, false, static_cast<std::uint16_t>(key.size())};
    if (s->suffix != kNone) return Hit{s->suffix, true, static_cast<std::uint16_t>(key.size())};
  }
  return std::nullopt;
}

std::optional<BaselineDomainMatcher::Hit> BaselineDomainMatcher::lookup(
    std::string_view host) const noexcept {
  return lookup_impl<false>(host);
}

std::optional<BaselineDomainMatcher::Hit> BaselineDomainMatcher::lookup_parent(
    std::string_view domain) const noexcept {
  return lookup_impl<true>(domain);
}

std::size_t BaselineDomainMatcher::memory_bytes() const noexcept {
  return arena_.capacity() + slots_.capacity() * sizeof(Slot) + sizeof(*this);
}

void BaselineDomainMatcher::Builder::reserve(std::size_t n) {
  if (!m_) m_ = std::make_unique<BaselineDomainMatcher>();
  std::size_t want = 16;
  while (want < n + n / 2) want <<= 1;  // load factor <= 2/3
  if (want > m_->slots_.size()) grow(want);
  m_->arena_.reserve(n * 16);
}

void BaselineDomainMatcher::Builder::grow(std::size_t size) {
  BaselineDomainMatcher& m = *m_;
  std::vector<Slot, HugePageAllocator<Slot>> old;
  old.swap(m.slots_);
  m.slots_.assign(size, Slot{0, 0, kNone, kNone});
  m.mask_ = size - 1;
  for (const Slot& s : old) {
    if (s.tag == 0) continue;
    const char* p = m.arena_.data() + s.offset;
    std::string_view key(p + 1, static_cast<unsigned char>(p[0]));
    std::uint64_t mixed = mix(reverse_fnv(key));
    std::size_t i = mixed & m.mask_;
    while (m.slots_[i].tag != 0) i = (i + 1) & m.mask_;
    m.slots_[i] = s;
  }
}

std::optional<std::uint32_t> BaselineDomainMatcher::Builder::add(std::string_view domain,
                                                                 bool suffix, std::uint32_t value) {
  if (!m_) m_ = std::make_unique<BaselineDomainMatcher>();
  if (domain.empty() || domain.size() > kMaxHost) return std::nullopt;
  BaselineDomainMatcher& m = *m_;
  if ((m.count_ + 1) * 3 > m.slots_.size() * 2) grow(m.slots_.empty() ? 16 : m.slots_.size() * 2);

  const std::uint64_t mixed = mix(reverse_fnv(domain));
  if (Slot* s = m.find_slot(domain, mixed)) {
    std::uint32_t& v = suffix ? s->suffix : s->exact;
    if (v != kNone) return v;
    v = value;
    ++m.rules_;
    return std::nullopt;
  }
  std::size_t i = mixed & m.mask_;
  while (m.slots_[i].tag != 0) i = (i + 1) & m.mask_;
  Slot& s = m.slots_[i];
  s.tag = tag_of(mixed);
  s.offset = static_cast<std::uint32_t>(m.arena_.size());
  s.exact = suffix ? kNone : value;
  s.suffix = suffix ? value : kNone;
  std::size_t labels = 1;
  for (char c : domain) labels += c == '.';
  m.label_counts_ |= label_bit(labels);
  m.arena_.push_back(static_cast<char>(domain.size()));
  m.arena_.insert(m.arena_.end(), domain.begin(), domain.end());
  ++m.count_;
  ++m.rules_;
  return std::nullopt;
}

BaselineDomainMatcher BaselineDomainMatcher::Builder::build() && {
  if (!m_) return BaselineDomainMatcher{};
  BaselineDomainMatcher out = std::move(*m_);
  m_.reset();
  out.arena_.shrink_to_fit();
  return out;
}

}  // namespace gh
