// One line of the audit log (README "The audit log"). Strings are owned: a record outlives
// the request and the RuleSet that produced it. Empty optional = JSON null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "policy/types.hpp"

namespace gh {

enum class AuditEvent : std::uint8_t { decision, close };

struct AuditRecord {
  // Filled by the writer: ts (if unset), seq, id, prev, hash.
  TimePoint ts{};
  std::uint64_t seq = 0;
  std::string id;  // "gh-<instance>-<seq>"

  AuditEvent event = AuditEvent::decision;
  std::string client;  // "10.20.5.7:51234" or "[2001:db8::1]:51234"
  std::optional<std::string> department;
  std::optional<std::string> user;  // always null until proxy auth exists
  std::string listener;             // listener name, default its mode
  std::optional<std::string> method;
  std::optional<std::string> host;
  std::optional<std::uint16_t> port;
  std::optional<std::string> dest;  // "ip:port" connected or redirected to; null if none chosen
  std::optional<std::string> sni;
  std::optional<std::string> url;
  std::optional<std::string> category;
  std::optional<std::string> app;
  Action action = Action::allow;
  Reason reason = Reason::uncategorized;
  std::optional<std::string> rule;      // "rules/categories/x.yaml:6"
  std::optional<std::string> approval;  // approval id
  std::optional<int> status;            // HTTP status sent, or 200 for an opened tunnel
  // Decision records only (README "HTTPS interception"): the flow was decrypted by
  // gatehouse (block page or inspected). Always written, false when not.
  bool intercepted = false;

  // close events only
  std::optional<std::string> ref;           // id of the decision record this closes
  std::optional<std::uint64_t> bytes_up;    // client -> origin
  std::optional<std::uint64_t> bytes_down;  // origin -> client
  std::optional<std::uint64_t> duration_ms;
};

std::string_view to_string(AuditEvent e) noexcept;

}  // namespace gh
