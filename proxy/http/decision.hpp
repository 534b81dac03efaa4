// The one place a session asks policy: decide() timed and counted in
// /metrics (docs/architecture.md "Life of a request").
#pragma once

#include <chrono>

#include "policy/decide.hpp"
#include "runtime/runtime.hpp"

namespace gh {

inline Decision decide_and_count(Runtime& rt, const RuleSet& rules, const Request& r) {
  const auto t0 = std::chrono::steady_clock::now();
  Decision d = decide(rules, r, Clock::now());
  rt.metrics.decision(rules, d, std::chrono::steady_clock::now() - t0);
  return d;
}

}  // namespace gh
