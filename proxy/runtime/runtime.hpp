// The live state of a running proxy, shared by listeners, admin and reload.
// Rules and settings are read through atomic shared_ptrs: a request takes one
// snapshot at its start and keeps it to the end (README "Operations guide").
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "audit/writer.hpp"
#include "config/settings.hpp"
#include "policy/rule_set.hpp"
#include "runtime/metrics.hpp"
#include "tls/interceptor.hpp"

namespace gh {

class Authenticator;  // auth/authenticator.hpp (README "Identity")

struct Runtime {
  std::atomic<std::shared_ptr<const RuleSet>> rules;
  std::atomic<std::shared_ptr<const Settings>> settings;
  AuditWriter* audit = nullptr;
  Metrics metrics;
  std::atomic<bool> draining{false};
  // Reloads asked for (SIGHUP, Reloader::request): each makes every user prove
  // their credentials again (README "Identity", "Reload drops verified credentials").
  std::atomic<std::uint64_t> reload_requests{0};
  TimePoint started{};
  std::shared_ptr<Authenticator> authenticator;  // set by serve; null = nobody is asked
  // README "HTTPS interception": made at start when tls_intercept is on (the CA is
  // read once); null otherwise, and every flow is spliced as before.
  std::shared_ptr<Interceptor> interceptor;
};

}  // namespace gh
