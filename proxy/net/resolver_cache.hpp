// The resolver's answer cache: a name's addresses until the smallest TTL of
// its records runs out, and "no such name" for the configured negative TTL
// (RFC 2308 caching of NXDOMAIN/NODATA). Bounded: past `capacity` names the
// least recently used one goes. Time is passed in, so tests need no clock.
// Thread-safe (one mutex): filled on the resolver thread, read on the loops.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/ip_address.hpp"

namespace gh {

class DnsCache {
 public:
  using Time = std::chrono::steady_clock::time_point;

  struct Entry {
    std::vector<IpAddress> addresses;  // empty = a cached "no such name"
  };

  explicit DnsCache(std::size_t capacity) : capacity_(capacity) {}

  // The live entry for `name` at `now`, or nullopt (absent or expired).
  std::optional<Entry> find(std::string_view name, Time now);
  // Addresses valid for `ttl` (nothing kept when ttl is zero).
  void put(std::string_view name, std::vector<IpAddress> addresses, std::chrono::seconds ttl,
           Time now);
  void put_negative(std::string_view name, std::chrono::milliseconds ttl, Time now);

  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Slot {
    std::string name;
    Entry entry;
    Time expires;
  };
  void store(std::string_view name, Entry e, Time expires);

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Slot> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Slot>::iterator> index_;  // keys view lru_ names
};

}  // namespace gh
