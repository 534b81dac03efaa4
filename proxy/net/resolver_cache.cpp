#include "net/resolver_cache.hpp"

namespace gh {

std::optional<DnsCache::Entry> DnsCache::find(std::string_view name, Time now) {
  if (capacity_ == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  if (it->second->expires <= now) {
    const auto slot = it->second;
    index_.erase(it);  // first: its key views the slot's name
    lru_.erase(slot);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

void DnsCache::put(std::string_view name, std::vector<IpAddress> addresses,
                   std::chrono::seconds ttl, Time now) {
  if (ttl.count() <= 0 || addresses.empty()) return;
  store(name, Entry{std::move(addresses)}, now + ttl);
}

void DnsCache::put_negative(std::string_view name, std::chrono::milliseconds ttl, Time now) {
  if (ttl.count() <= 0) return;
  store(name, Entry{}, now + ttl);
}

void DnsCache::store(std::string_view name, Entry e, Time expires) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(name); it != index_.end()) {
    it->second->entry = std::move(e);
    it->second->expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (lru_.size() >= capacity_) {
    index_.erase(lru_.back().name);
    lru_.pop_back();
  }
  lru_.push_front(Slot{std::string(name), std::move(e), expires});
  index_.emplace(lru_.front().name, lru_.begin());
}

std::size_t DnsCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace gh
