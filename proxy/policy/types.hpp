// Closed vocabularies of a decision (README "The audit log"). New values are added here, to
// to_string() and to the README table, never invented ad hoc.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gh {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

enum class Action : std::uint8_t { allow, block, deny };

enum class Reason : std::uint8_t {
  uncategorized,
  category_allowed,
  approved,
  monitored,
  category_blocked,
  sni_mismatch,
  ech,
  no_sni,
  client_not_allowed,
  port_not_allowed,
  private_destination,
  bad_request,
  header_too_large,
  header_timeout,
  client_limit,
  overloaded,
  upstream_refused,
  upstream_timeout,
  upstream_unresolvable,
  bad_client_hello,  // docs/threat-model.md: a hello we cannot read, or an SNI that is no host name
  client_hello_timeout,   // no complete hello within limits.client_hello_timeout
  non_tls_tunnel,         // first tunnel bytes that are not TLS (policy.non_tls_tunnel)
  loop_detected,          // a destination that is gatehouse itself, or our own Via
  auth_required,          // README "Identity": no credentials given (407)
  auth_failed,            // wrong or malformed credentials (407)
  auth_throttled,         // too many failures from the client address (429)
  auth_unavailable,       // the directory or KDC cannot answer, on_backend_failure: block (503)
  upstream_cert_invalid,  // README "HTTPS interception": an inspected origin failed verification
  tls_handshake_failed,   // a client rejected our leaf (unknown CA, alert, timeout)
};
// How many reasons there are: tables indexed by Reason use this, not the
// last enumerator's name, so that a new reason cannot fall off their end.
inline constexpr std::size_t kReasonCount =
    static_cast<std::size_t>(Reason::tls_handshake_failed) + 1;

// What a category (or the uncategorized default, or a TLS condition) does.
enum class Verdict : std::uint8_t { allow, monitor, block };

// Which listener saw the request; also the audit record's default `listener`.
enum class Mode : std::uint8_t { forward, transparent_tls, transparent_http };

std::string_view to_string(Action a) noexcept;
std::string_view to_string(Reason r) noexcept;
std::string_view to_string(Verdict v) noexcept;
std::string_view to_string(Mode m) noexcept;

// Parsing helpers for config and for reading audit logs back; false if unknown.
bool parse_action(std::string_view s, Action& out) noexcept;
bool parse_reason(std::string_view s, Reason& out) noexcept;
bool parse_verdict(std::string_view s, Verdict& out) noexcept;
bool parse_mode(std::string_view s, Mode& out) noexcept;

}  // namespace gh
