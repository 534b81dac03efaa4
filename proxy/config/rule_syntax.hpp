// One domain rule as written in a rule file (README "Rule files"): ".example.com" is a
// suffix rule (the domain and every subdomain), "example.com" exact.
//
// Examples:
//   ".Web.WhatsApp.com" -> {"web.whatsapp.com", suffix}
//   "bücher.example"    -> {"xn--bcher-kva.example", exact}
//   ".co.uk", "com"     -> public suffix (an error for rules)
//   "10.0.0.1"          -> IP literal (an error: use networks:)
//   "..a.com", "a_b.com" -> bad domain
#pragma once

#include <string>
#include <string_view>

#include "policy/host.hpp"

namespace gh {

enum class RuleProblem : unsigned char { none, bad_host, ip_literal, public_suffix };

struct RuleCheck {
  RuleProblem problem = RuleProblem::none;
  HostError host = HostError::none;  // when problem == bad_host
  bool ok() const noexcept { return problem == RuleProblem::none; }
};

enum class PublicSuffixPolicy : unsigned char { reject, accept };

// `body` is the rule without its leading dot. Writes the canonical domain to
// `out` (reusing its capacity).
RuleCheck check_rule_domain(std::string_view body, std::string& out, PublicSuffixPolicy psl);

// "bad domain 'a_b.com': invalid character in host name", ...
std::string describe(const RuleCheck& c, std::string_view as_written);

// Public Suffix List (libpsl's built-in copy, ICANN and private sections).
bool is_public_suffix(const std::string& canonical) noexcept;

}  // namespace gh
