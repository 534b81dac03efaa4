// Which flows are decrypted (README "HTTPS interception"), as a pure function of
// the decision already made for the flow: Squid's "peek, then bump or splice",
// decided on what the ClientHello (or CONNECT authority) said, before any
// certificate is minted.
//
// Examples (tls_intercept on, block_pages on):
//   blocked web.whatsapp.com                      -> block_page
//   blocked, but `never: [app:whatsapp-web]`      -> splice (never always wins)
//   allowed drive.google.com, inspect app:google-drive -> inspect
//   allowed login.live.com, a header rule for it  -> inspect, with that rule
//   the same rule with departments: [finance], client of immigration -> splice
//   denied (client-not-allowed, port, private destination) -> splice (answered as before)
//   unreadable hello, not TLS, timeout            -> splice (nothing to decrypt)
//   blocked ECH hello (browsers send GREASE ECH)  -> block_page; allowed ECH -> splice
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "policy/decide.hpp"
#include "policy/intercept_rules.hpp"

namespace gh {

enum class InterceptChoice : std::uint8_t {
  splice,      // part one's behaviour: relay (allowed) or 403 / access_denied (refused)
  block_page,  // handshake with a minted leaf, one request, the block page
  inspect,     // TLS on both sides, every request decided and audited
};

std::string_view to_string(InterceptChoice c) noexcept;

struct InterceptSelection {
  InterceptChoice choice = InterceptChoice::splice;
  // The header rules for this flow (pointers into the RuleSet), only with inspect.
  std::vector<const HeaderRule*> headers;
};

// The name a flow is selected by: the SNI when the hello had one, else the
// CONNECT authority (or, transparent, the original destination's address).
std::string_view intercept_name(const Request& req) noexcept;

// True if `sel` names the flow decided as `d` for host `name`.
bool selector_covers(const InterceptSelector& sel, const Decision& d,
                     std::string_view name) noexcept;

InterceptSelection select_interception(const RuleSet& rules, const Decision& d, const Request& req);

}  // namespace gh
