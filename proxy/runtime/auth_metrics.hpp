// /metrics counters by authentication outcome (README "Identity"):
// gatehouse_auth_total{outcome="..."}. Lock-free increments.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

enum class AuthOutcome : unsigned char {
  ok_negotiate,       // a Negotiate exchange completed
  ok_basic,           // Basic verified by the backend
  ok_cached,          // Basic found in the credential cache
  required,           // 407: no credentials
  failed,             // 407: wrong or malformed credentials
  throttled,          // 429
  unavailable,        // 503 (on_backend_failure: block)
  served_by_network,  // backend down, on_backend_failure: network
  exempt,             // client in auth.exempt
};
inline constexpr std::size_t kAuthOutcomes = 9;

std::string_view to_string(AuthOutcome o) noexcept;

class AuthMetrics {
 public:
  void count(AuthOutcome o) noexcept {
    counts_[static_cast<std::size_t>(o)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t value(AuthOutcome o) const noexcept {
    return counts_[static_cast<std::size_t>(o)].load(std::memory_order_relaxed);
  }
  // Prometheus text: HELP, TYPE and one sample per outcome.
  std::string render() const;

 private:
  std::array<std::atomic<std::uint64_t>, kAuthOutcomes> counts_{};
};

}  // namespace gh
