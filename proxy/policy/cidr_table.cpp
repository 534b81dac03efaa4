#include "policy/cidr_table.hpp"

#include <algorithm>
#include <cstring>

namespace gh {
namespace {

void split(const IpAddress& a, unsigned bits, std::uint64_t& hi, std::uint64_t& lo) {
  std::uint64_t h = 0, l = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | a.bytes[i];
  for (int i = 8; i < 16; ++i) l = (l << 8) | a.bytes[i];
  if (bits <= 64) {
    h = bits == 0 ? 0 : h & (~0ull << (64 - bits));
    l = 0;
  } else {
    l = bits == 128 ? l : l & (~0ull << (128 - bits));
  }
  hi = h;
  lo = l;
}

}  // namespace

std::size_t CidrTable::KeyHash::operator()(const Key& k) const noexcept {
  std::uint64_t x = k.hi * 0x9e3779b97f4a7c15ull ^ (k.lo + 0x632be59bd9b4e019ull);
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  return static_cast<std::size_t>(x ^ (x >> 29));
}

bool CidrTable::insert(const Cidr& prefix, std::uint32_t value, std::uint32_t* existing) {
  Key k{};
  split(prefix.base, prefix.bits, k.hi, k.lo);
  auto& map = maps_[prefix.bits];
  auto [it, inserted] = map.emplace(k, value);
  if (!inserted) {
    if (existing) *existing = it->second;
    return false;
  }
  if (std::find(lengths_.begin(), lengths_.end(), prefix.bits) == lengths_.end()) {
    lengths_.push_back(prefix.bits);
    std::sort(lengths_.begin(), lengths_.end(), std::greater<>());
  }
  return true;
}

std::optional<std::uint32_t> CidrTable::lookup(const IpAddress& a) const noexcept {
  for (std::uint8_t bits : lengths_) {
    Key k{};
    split(a, bits, k.hi, k.lo);
    auto it = maps_[bits].find(k);
    if (it != maps_[bits].end()) return it->second;
  }
  return std::nullopt;
}

std::optional<Cidr> CidrTable::lookup_prefix(const IpAddress& a) const noexcept {
  for (std::uint8_t bits : lengths_) {
    Key k{};
    split(a, bits, k.hi, k.lo);
    if (maps_[bits].count(k)) {
      Cidr c;
      c.bits = bits;
      for (int i = 0; i < 8; ++i) c.base.bytes[i] = static_cast<std::uint8_t>(k.hi >> (56 - 8 * i));
      for (int i = 0; i < 8; ++i)
        c.base.bytes[8 + i] = static_cast<std::uint8_t>(k.lo >> (56 - 8 * i));
      return c;
    }
  }
  return std::nullopt;
}

std::size_t CidrTable::size() const noexcept {
  std::size_t n = 0;
  for (std::uint8_t bits : lengths_) n += maps_[bits].size();
  return n;
}

}  // namespace gh
