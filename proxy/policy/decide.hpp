// The decision of README "Decisions" as a pure function: no I/O, no clock, no sockets.
// Every returned string_view points into the RuleSet (or static storage), so
// a Decision is valid as long as the RuleSet it came from.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/ip_address.hpp"
#include "policy/rule_set.hpp"
#include "policy/types.hpp"

namespace gh {

// What the first bytes of a tunnel (if they were read) said. Everything but
// `sni`, `no_sni` and `ech` fails closed (docs/threat-model.md, docs/threat-model.md).
enum class TlsSeen : std::uint8_t {
  none,       // no ClientHello looked at (plain HTTP, first CONNECT decision)
  sni,        // a ClientHello with a valid SNI (in Request::sni)
  no_sni,     // a well-formed ClientHello without a server_name extension
  ech,        // a ClientHello carrying encrypted_client_hello
  bad_hello,  // TLS we cannot read, or an SNI that is not a valid host name
  not_tls,    // first bytes that are not TLS at all (policy.non_tls_tunnel)
  timeout,    // no complete hello within limits.client_hello_timeout
};

struct Request {
  IpAddress client;
  Mode mode = Mode::forward;
  bool connect = false;     // a CONNECT (or transparent TLS) rather than an HTTP request
  std::string_view method;  // "GET", "CONNECT", ...
  std::string_view host;    // canonical (canonicalize_host); empty if none
  std::uint16_t port = 0;
  TlsSeen tls = TlsSeen::none;
  std::string_view sni;  // canonical, when tls is sni or ech (the outer SNI)
  std::string_view url;  // full URL where visible (plain HTTP), else empty
  // Transparent listeners: the address the client was redirected from (its
  // real destination), classified like a host; the stricter decision wins.
  std::optional<IpAddress> original_dst;
  // The authenticated user (README "Identity"); empty = anonymous. Both point
  // into the connection's identity: nothing is allocated for anonymous requests.
  std::string_view user;
  std::span<const std::string> groups;
};

// The hello named a host: a plain SNI, or the outer SNI of an ECH hello
// (README "ECH: what is judged"), which is judged like any SNI.
inline bool has_sni(const Request& r) noexcept {
  return (r.tls == TlsSeen::sni || r.tls == TlsSeen::ech) && !r.sni.empty();
}

struct Decision {
  Action action = Action::allow;
  Reason reason = Reason::uncategorized;
  std::uint32_t category = kNone;
  std::uint32_t app = kNone;
  std::uint32_t department = kNone;
  std::uint32_t rule = kNone;      // RuleEntry index
  std::uint32_t approval = kNone;  // Approval index
  std::uint32_t schedule =
      kNone;  // Schedule whose list entry gave the verdict (README "Rule files")
};

Decision decide(const RuleSet& rules, const Request& req, TimePoint now) noexcept;

// Step 7, at connect time, after resolution of an allowed request: deny with
// `private-destination` if no resolved address passes the guard. Returns `d`
// unchanged otherwise. Which addresses to connect to: filter_destinations()
// in destination_guard.hpp (connect only to those that pass).
Decision check_destination(const RuleSet& rules, const Decision& d,
                           std::span<const IpAddress> resolved) noexcept;

// Department of a client address (longest prefix), kNone if none.
std::uint32_t department_of(const RuleSet& rules, const IpAddress& client) noexcept;
// Department of a request: its user's (README "Identity"), else its client's network.
std::uint32_t department_of(const RuleSet& rules, const Request& req) noexcept;

// Names for output (empty string_view = JSON null).
std::string_view category_id(const RuleSet& r, const Decision& d) noexcept;
std::string_view app_id(const RuleSet& r, const Decision& d) noexcept;
std::string_view department_id(const RuleSet& r, const Decision& d) noexcept;
std::string_view approval_id(const RuleSet& r, const Decision& d) noexcept;
std::string_view schedule_id(const RuleSet& r, const Decision& d) noexcept;

}  // namespace gh
