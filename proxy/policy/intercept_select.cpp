// README "HTTPS interception": decrypt only what policy needs. Read top to bottom:
// off, nothing to decrypt, `never`, blocked, allowed.
#include "policy/intercept_select.hpp"

#include <algorithm>

namespace gh {
namespace {

bool domain_covers(const InterceptSelector& s, std::string_view name) noexcept {
  if (name == s.domain) return true;
  if (!s.suffix || name.size() <= s.domain.size()) return false;
  return name.ends_with(s.domain) && name[name.size() - s.domain.size() - 1] == '.';
}

bool any_covers(const std::vector<InterceptSelector>& list, const Decision& d,
                std::string_view name) noexcept {
  return std::any_of(list.begin(), list.end(),
                     [&](const InterceptSelector& s) { return selector_covers(s, d, name); });
}

// A hello we must not (bad, not TLS, none in time) complete a handshake for.
// An ECH hello may get the block page but is never inspected: browsers put a
// GREASE encrypted_client_hello in every hello (the outer SNI is then the real
// name), while a client really using ECH aborts once it sees a leaf for the
// outer (public) name, so the hidden name is never answered for.
bool page_possible(const Request& req) noexcept {
  return req.tls == TlsSeen::none || req.tls == TlsSeen::sni || req.tls == TlsSeen::no_sni ||
         req.tls == TlsSeen::ech;
}
bool inspect_possible(const Request& req) noexcept {
  return req.tls == TlsSeen::none || req.tls == TlsSeen::sni || req.tls == TlsSeen::no_sni;
}

bool rule_applies(const HeaderRule& h, const Decision& d, std::string_view name) noexcept {
  if (!h.departments.empty() &&
      std::find(h.departments.begin(), h.departments.end(), d.department) == h.departments.end())
    return false;
  return std::any_of(h.domains.begin(), h.domains.end(),
                     [&](const InterceptSelector& s) { return domain_covers(s, name); });
}

}  // namespace

std::string_view to_string(InterceptChoice c) noexcept {
  switch (c) {
    case InterceptChoice::splice:
      return "splice";
    case InterceptChoice::block_page:
      return "block_page";
    case InterceptChoice::inspect:
      return "inspect";
  }
  return "splice";
}

std::string_view intercept_name(const Request& req) noexcept {
  if (has_sni(req)) return req.sni;
  return req.host;
}

bool selector_covers(const InterceptSelector& sel, const Decision& d,
                     std::string_view name) noexcept {
  switch (sel.kind) {
    case InterceptSelector::Kind::app:
      return d.app != kNone && d.app == sel.target;
    case InterceptSelector::Kind::category:
      return d.category != kNone && d.category == sel.target;
    case InterceptSelector::Kind::domain:
      return !name.empty() && domain_covers(sel, name);
  }
  return false;
}

InterceptSelection select_interception(const RuleSet& r, const Decision& d, const Request& req) {
  InterceptSelection out;
  const InterceptRules& p = r.intercept;
  if (!p.enabled || !page_possible(req)) return out;
  const std::string_view name = intercept_name(req);
  // `never` wins over everything, and is checked against every name the flow
  // showed: an SNI must not launder a CONNECT authority that `never` names.
  if (any_covers(p.never, d, name) || (name != req.host && any_covers(p.never, d, req.host)))
    return out;
  if (d.action == Action::block) {
    if (p.block_pages) out.choice = InterceptChoice::block_page;
    return out;
  }
  if (d.action != Action::allow || !inspect_possible(req)) return out;  // deny: as before
  for (const HeaderRule& h : p.headers)
    if (rule_applies(h, d, name)) out.headers.push_back(&h);
  if (!out.headers.empty() || any_covers(p.inspect, d, name)) out.choice = InterceptChoice::inspect;
  return out;
}

}  // namespace gh
