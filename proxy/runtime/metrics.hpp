// Process-wide counters for /metrics (Prometheus text format, gatehouse_
// prefix). Increments are lock-free atomics on the hot path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "policy/decide.hpp"
#include "runtime/auth_metrics.hpp"

namespace gh {

class Metrics {
 public:
  Metrics();
  ~Metrics();

  void connection_opened() noexcept;
  void connection_closed() noexcept;
  // After each decision; labels are resolved against `rules`.
  void decision(const RuleSet& rules, const Decision& d, std::chrono::nanoseconds latency) noexcept;
  void audit_unavailable() noexcept;      // a 503 that could not be audited
  void local_reply(int status) noexcept;  // an answer the proxy wrote itself (0: alert/close)
  void reload(bool ok) noexcept;
  void rules_loaded(const RuleSet& rules, TimePoint when) noexcept;

  struct AuditGauge {
    std::uint64_t seq = 0, queue_depth = 0, write_errors = 0;
    bool failed = false;
  };
  // Renders everything; `audit` is read by the caller from the AuditWriter.
  std::string render(const AuditGauge& audit, TimePoint now) const;

  std::uint64_t connections_open() const noexcept;

  AuthMetrics auth;  // README "Identity": outcomes of proxy authentication

 private:
  void render_decisions(std::string& out) const;
  void render_latency(std::string& out) const;
  void render_replies(std::string& out) const;
  void render_audit(std::string& out, const AuditGauge& audit) const;
  void render_rules(std::string& out, TimePoint now) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh
