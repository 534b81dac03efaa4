#include "config/rule_syntax.hpp"

#include <libpsl.h>

namespace gh {

bool is_public_suffix(const std::string& canonical) noexcept {
  return psl_is_public_suffix(psl_builtin(), canonical.c_str()) != 0;
}

RuleCheck check_rule_domain(std::string_view body, std::string& out, PublicSuffixPolicy psl) {
  RuleCheck c;
  HostName info;
  if (!body.empty() && body.front() == '.') {  // "..a.com": canonicalize_host rejects, say why
    c.problem = RuleProblem::bad_host;
    c.host = HostError::empty_label;
    return c;
  }
  c.host = canonicalize_host(body, out, &info);
  if (c.host != HostError::none) {
    c.problem = RuleProblem::bad_host;
  } else if (info.is_ip) {
    c.problem = RuleProblem::ip_literal;
  } else if (psl == PublicSuffixPolicy::reject && is_public_suffix(out)) {
    c.problem = RuleProblem::public_suffix;
  }
  return c;
}

std::string describe(const RuleCheck& c, std::string_view as_written) {
  std::string w(as_written);
  switch (c.problem) {
    case RuleProblem::none:
      return {};
    case RuleProblem::bad_host:
      return "bad domain '" + w + "': " + std::string(to_string(c.host));
    case RuleProblem::ip_literal:
      return "'" + w + "' is an IP address, not a domain; list it under networks:";
    case RuleProblem::public_suffix:
      return "'" + w +
             "' is a public suffix; a rule must name a registrable domain or a host below one";
  }
  return {};
}

}  // namespace gh
