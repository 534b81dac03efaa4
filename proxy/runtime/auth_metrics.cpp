#include "runtime/auth_metrics.hpp"

namespace gh {

std::string_view to_string(AuthOutcome o) noexcept {
  static constexpr std::array<std::string_view, kAuthOutcomes> kNames{
      "ok-negotiate", "ok-basic",    "ok-cached", "required", "failed",
      "throttled",    "unavailable", "network",   "exempt"};
  return kNames[static_cast<std::size_t>(o)];
}

std::string AuthMetrics::render() const {
  std::string out =
      "# HELP gatehouse_auth_total Proxy authentication outcomes (README \"Identity\").\n"
      "# TYPE gatehouse_auth_total counter\n";
  for (std::size_t i = 0; i < kAuthOutcomes; ++i) {
    out += "gatehouse_auth_total{outcome=\"";
    out += to_string(static_cast<AuthOutcome>(i));
    out += "\"} ";
    out += std::to_string(counts_[i].load(std::memory_order_relaxed));
    out += '\n';
  }
  return out;
}

}  // namespace gh
