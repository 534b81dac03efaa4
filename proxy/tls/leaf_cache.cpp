#include "tls/leaf_cache.hpp"

namespace gh {

LeafCache::LeafCache(const LeafMinter& minter, std::size_t capacity, InterceptMetrics& metrics)
    : minter_(minter), capacity_(capacity == 0 ? 1 : capacity), metrics_(metrics) {}

std::size_t LeafCache::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

std::shared_ptr<const Leaf> LeafCache::get(std::string_view host, TimePoint now) {
  std::promise<std::shared_ptr<const Leaf>> promise;
  std::uint64_t mine = 0;
  {
    std::unique_lock lock(mu_);
    if (auto it = index_.find(host); it != index_.end()) {
      Entry& e = *it->second;
      if (!e.ready || now < e.fresh_until) {
        lru_.splice(lru_.begin(), lru_, it->second);
        LeafFuture f = e.leaf;
        lock.unlock();
        metrics_.leaf_cache_hits.fetch_add(1, std::memory_order_relaxed);
        return f.get();  // minted already, or by the thread minting it now
      }
      lru_.erase(it->second);  // stale: mint afresh below
      index_.erase(it);
    }
    mine = ++next_id_;
    lru_.push_front(Entry{std::string(host), promise.get_future().share(), {}, false, mine});
    index_.emplace(lru_.front().host, lru_.begin());
  }
  std::shared_ptr<const Leaf> leaf = minter_.mint(host, now);
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(host); it != index_.end() && it->second->id == mine) {
      if (leaf) {
        it->second->ready = true;
        it->second->fresh_until = now + (leaf->not_after - now) / 2;
        // Evicted only for a leaf that exists: a failed mint costs the cache nothing.
        // A waiter on an evicted entry holds its own copy of the future.
        while (lru_.size() > capacity_) {
          index_.erase(lru_.back().host);
          lru_.pop_back();
        }
      } else {  // not cached: the next request tries again
        lru_.erase(it->second);
        index_.erase(it);
      }
    }
  }
  if (leaf) metrics_.leaves_minted.fetch_add(1, std::memory_order_relaxed);
  promise.set_value(leaf);
  return leaf;
}

}  // namespace gh
