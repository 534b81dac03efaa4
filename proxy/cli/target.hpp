// What `explain` and `test` share (README "Commands"; README "Rule files"): reading a TARGET as the
// proxy would see it, and deciding it the way the proxy does. A CONNECT is
// decided on its authority, then (only if allowed) again on the SNI of the
// ClientHello that follows.
//
// Examples of TARGET:
//   "http://a.com/x"   -> GET http://a.com/x (plain HTTP, URL visible)
//   "https://a.com/"   -> CONNECT a.com:443, then SNI a.com
//   "a.com:8443"       -> CONNECT a.com:8443 (no ClientHello looked at)
//   "a.com"            -> CONNECT a.com:443
//   "sni:a.com"        -> a transparent-tls ClientHello with SNI a.com
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decide.hpp"

namespace gh::cli {

struct Target {
  std::string shown;                // what the proxy would see, for the human output
  std::string user;                 // explain --user (README "Identity"); empty = anonymous
  std::vector<std::string> groups;  // the user's groups from the configured source
  Mode mode = Mode::forward;
  bool connect = false;
  std::string method;
  std::string host;  // canonical
  bool host_is_ip = false;
  std::uint16_t port = 0;
  std::string url;        // plain HTTP only
  bool then_tls = false;  // https://: a ClientHello follows the CONNECT
  TlsSeen tls = TlsSeen::none;
  std::string sni;
};

// nullopt and `err` set on a target explain would refuse.
std::optional<Target> parse_target(std::string_view s, std::string& err);

struct TargetDecision {
  Decision first;          // on what is visible before any ClientHello
  Decision final;          // what the proxy does in the end
  bool two_steps = false;  // a CONNECT followed by a ClientHello
};

TargetDecision decide_target(const RuleSet& r, const Target& t, const IpAddress& client,
                             TimePoint at);

}  // namespace gh::cli
