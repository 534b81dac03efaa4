// Longest-prefix match over IPv4 and IPv6 prefixes (departments, app
// networks, clients.allow, pac.direct). One hash map per prefix length that
// is in use, probed from the longest length down.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "policy/ip_address.hpp"

namespace gh {

class CidrTable {
 public:
  // False if the identical prefix is already present (its value in *existing).
  bool insert(const Cidr& prefix, std::uint32_t value, std::uint32_t* existing = nullptr);
  std::optional<std::uint32_t> lookup(const IpAddress& a) const noexcept;
  // Longest matching prefix itself, for explain output.
  std::optional<Cidr> lookup_prefix(const IpAddress& a) const noexcept;
  bool empty() const noexcept { return lengths_.empty(); }
  std::size_t size() const noexcept;

 private:
  struct Key {
    std::uint64_t hi, lo;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  std::vector<std::uint8_t> lengths_;  // in use, longest first
  std::unordered_map<Key, std::uint32_t, KeyHash> maps_[129];
};

}  // namespace gh
