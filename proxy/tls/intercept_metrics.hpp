// Counters of README "HTTPS interception" for /metrics: handshakes by outcome, leaves
// minted, leaf cache hits, origin verification failures. One process-wide
// instance; lock-free increments.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace gh {

enum class HandshakeOutcome : std::uint8_t {
  ok,       // the client accepted our leaf
  failed,   // the client rejected it (unknown CA, alert, garbage, no common ALPN)
  timeout,  // no finished handshake within the header timeout
  no_leaf,  // minting failed: nothing to offer
};
inline constexpr std::size_t kHandshakeOutcomes = 4;

struct InterceptMetrics {
  std::atomic<std::uint64_t> handshakes[kHandshakeOutcomes] = {};
  std::atomic<std::uint64_t> leaves_minted{0};
  std::atomic<std::uint64_t> leaf_cache_hits{0};
  std::atomic<std::uint64_t> upstream_verify_failures{0};

  void handshake(HandshakeOutcome o) noexcept {
    handshakes[static_cast<std::size_t>(o)].fetch_add(1, std::memory_order_relaxed);
  }
  // Appends the Prometheus text of every counter (zeros included) to `out`.
  void render(std::string& out) const;
};

InterceptMetrics& intercept_metrics() noexcept;

}  // namespace gh
