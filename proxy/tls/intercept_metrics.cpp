#include "tls/intercept_metrics.hpp"

namespace gh {
namespace {

void counter(std::string& out, const char* name, const char* help, std::uint64_t v) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " counter\n";
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

}  // namespace

void InterceptMetrics::render(std::string& out) const {
  static constexpr const char* kOutcome[kHandshakeOutcomes] = {"ok", "failed", "timeout",
                                                               "no_leaf"};
  out +=
      "# HELP gatehouse_tls_intercept_handshakes_total Client TLS handshakes with a minted leaf, "
      "by outcome.\n# TYPE gatehouse_tls_intercept_handshakes_total counter\n";
  for (std::size_t i = 0; i < kHandshakeOutcomes; ++i) {
    out += "gatehouse_tls_intercept_handshakes_total{outcome=\"";
    out += kOutcome[i];
    out += "\"} ";
    out += std::to_string(handshakes[i].load(std::memory_order_relaxed));
    out += '\n';
  }
  counter(out, "gatehouse_tls_intercept_leaves_minted_total", "Leaf certificates minted.",
          leaves_minted.load(std::memory_order_relaxed));
  counter(out, "gatehouse_tls_intercept_leaf_cache_hits_total",
          "Leaf certificates served from the cache.",
          leaf_cache_hits.load(std::memory_order_relaxed));
  counter(out, "gatehouse_tls_intercept_upstream_verify_failures_total",
          "Origin certificates that failed verification.",
          upstream_verify_failures.load(std::memory_order_relaxed));
}

InterceptMetrics& intercept_metrics() noexcept {
  static InterceptMetrics m;
  return m;
}

}  // namespace gh
