// Minted leaves kept by host (README "HTTPS interception": `leaf_cache` entries, LRU).
// Single flight: concurrent first requests for one host mint once; the others
// wait for that leaf (a mint is well under a millisecond with an EC CA).
// A leaf is reused for half its validity, so a client never gets one about to lapse.
#pragma once

#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tls/intercept_metrics.hpp"
#include "tls/leaf_minter.hpp"

namespace gh {

class LeafCache {
 public:
  LeafCache(const LeafMinter& minter, std::size_t capacity, InterceptMetrics& metrics);

  // The leaf for `host` (canonical), minted if needed; null if minting failed.
  std::shared_ptr<const Leaf> get(std::string_view host, TimePoint now);

  std::size_t size() const;

 private:
  using LeafFuture = std::shared_future<std::shared_ptr<const Leaf>>;
  struct Entry {
    std::string host;
    LeafFuture leaf;
    TimePoint fresh_until;  // set when minted
    bool ready = false;
    std::uint64_t id = 0;  // which get() mints it (the host may be evicted and re-added meanwhile)
  };
  using List = std::list<Entry>;

  const LeafMinter& minter_;
  std::size_t capacity_;
  InterceptMetrics& metrics_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 0;
  List lru_;                                                    // front = most recently used
  std::unordered_map<std::string_view, List::iterator> index_;  // keys view Entry::host
};

}  // namespace gh
