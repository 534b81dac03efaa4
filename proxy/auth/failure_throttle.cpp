#include "auth/failure_throttle.hpp"

#include <cstring>

namespace gh {

std::size_t FailureThrottle::Hash::operator()(const IpAddress& a) const noexcept {
  std::uint64_t lo, hi;
  std::memcpy(&lo, a.bytes.data(), 8);
  std::memcpy(&hi, a.bytes.data() + 8, 8);
  return static_cast<std::size_t>(lo * 0x9e3779b97f4a7c15ull ^ hi);
}

bool FailureThrottle::throttled(const IpAddress& client, steady::time_point now) {
  std::lock_guard lock(mu_);
  auto it = map_.find(client);
  return it != map_.end() && now < it->second.blocked_until;
}

bool FailureThrottle::failure(const IpAddress& client, steady::time_point now) {
  std::lock_guard lock(mu_);
  if (map_.size() >= max_clients_ && !map_.contains(client)) {
    // Bounded memory: forget addresses whose window and penalty are over.
    std::erase_if(map_, [&](const auto& kv) {
      return now >= kv.second.blocked_until && now - kv.second.window_start > kWindow;
    });
    if (map_.size() >= max_clients_) return false;
  }
  State& s = map_[client];
  if (s.failures == 0 || now - s.window_start > kWindow) {
    s.window_start = now;
    s.failures = 0;
  }
  if (++s.failures > kMaxFailures && now >= s.blocked_until) {
    s.blocked_until = now + kPenalty;
    s.failures = 0;
    return true;
  }
  return false;
}

}  // namespace gh
