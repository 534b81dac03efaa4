// README "Decisions", step by step. Read this file to know why a request was decided
// the way it was.
#include "policy/decide.hpp"

#include <algorithm>

#include "policy/destination_guard.hpp"

namespace gh {
namespace {

// What one look at the request (host, SNI or URL) found.
struct Classification {
  std::uint32_t entry = kNone;  // RuleEntry
  std::uint32_t category = kNone;
  std::uint32_t app = kNone;
};

Classification from_entry(const RuleSet& r, std::uint32_t entry) noexcept {
  Classification c;
  if (entry >= r.entries.size()) return c;
  c.entry = entry;
  const RuleSource& src = r.sources[r.entries[entry].source];
  c.category = src.category;
  c.app = src.app;
  return c;
}

Classification classify_host(const RuleSet& r, std::string_view host) noexcept {
  if (host.empty()) return {};
  if (auto ip = IpAddress::parse(host)) {
    if (auto e = r.app_networks.lookup(*ip)) return from_entry(r, *e);
    return {};
  }
  if (auto hit = r.domains.lookup(host)) return from_entry(r, hit->value);
  // Feed regexes and keywords only when no domain rule names the host (README "Rule files").
  if (auto e = r.host_patterns.match(host)) return from_entry(r, *e);
  return {};
}

bool domain_covers(const Approval& a, std::string_view host) noexcept {
  if (host == a.domain) return true;
  if (!a.domain_suffix || host.size() <= a.domain.size()) return false;
  return host.ends_with(a.domain) && host[host.size() - a.domain.size() - 1] == '.';
}

// Step 5: an approval valid now, for this department, covering what was found.
std::uint32_t find_approval(const RuleSet& r, const Request& req, std::uint32_t department,
                            const Classification& c, std::string_view name,
                            TimePoint now) noexcept {
  if (department == kNone || department >= r.approvals_by_department.size()) return kNone;
  for (std::uint32_t i : r.approvals_by_department[department]) {
    const Approval& a = r.approvals[i];
    if (now < a.valid_from || now >= a.valid_until) continue;
    bool covers = false;
    switch (a.scope) {
      case ApprovalScope::app:
        covers = c.app != kNone && a.target == c.app;
        break;
      case ApprovalScope::category:
        covers = c.category != kNone && a.target == c.category;
        break;
      case ApprovalScope::domain:
        covers = domain_covers(a, name);
        break;
    }
    if (!covers) continue;
    if (!a.who.empty() && !selector_matches(a.who, req.user, req.groups)) continue;
    if (!a.networks.empty() && std::none_of(a.networks.begin(), a.networks.end(),
                                            [&](const Cidr& n) { return n.contains(req.client); }))
      continue;
    return i;
  }
  return kNone;
}

// A category's verdict and the schedule that chose it (kNone: the plain one).
struct ChosenVerdict {
  Verdict action = Verdict::allow;
  std::uint32_t schedule = kNone;
};

// First-match list of README "Rule files": the first entry whose schedule is in force,
// else the entry without a schedule.
ChosenVerdict first_in_force(const RuleSet& r, std::span<const ScheduledVerdict> scheduled,
                             Verdict otherwise, TimePoint now) noexcept {
  if (scheduled.empty()) return {otherwise, kNone};
  const std::uint32_t minute = r.local_time.minute_of_week(now);
  for (const ScheduledVerdict& s : scheduled)
    if (s.schedule < r.schedules.size() && r.schedules[s.schedule].in_force(minute))
      return {s.action, s.schedule};
  return {otherwise, kNone};
}

// The department's own verdict for the category if it has one (README "Rule files"),
// else the category's.
ChosenVerdict category_verdict(const RuleSet& r, std::uint32_t category, std::uint32_t department,
                               TimePoint now) noexcept {
  if (category == kNone) return {r.policy.uncategorized, kNone};
  if (department < r.departments.size()) {
    for (const DepartmentVerdict& o : r.departments[department].overrides)
      if (o.category == category) return first_in_force(r, o.scheduled, o.action, now);
  }
  const Category& c = r.categories[category];
  return first_in_force(r, c.scheduled, c.action, now);
}

// Steps 4-6 for one classification.
Decision judge(const RuleSet& r, const Request& req, std::uint32_t department,
               const Classification& c, std::string_view name, TimePoint now) noexcept {
  Decision d;
  d.department = department;
  d.category = c.category;
  d.app = c.app;
  d.rule = c.entry;
  const ChosenVerdict chosen = category_verdict(r, c.category, department, now);
  d.schedule = chosen.schedule;
  const Verdict v = chosen.action;
  if (v == Verdict::allow) {  // step 4
    d.reason = c.category == kNone ? Reason::uncategorized : Reason::category_allowed;
    return d;
  }
  if (std::uint32_t a = find_approval(r, req, department, c, name, now); a != kNone) {  // step 5
    d.reason = Reason::approved;
    d.approval = a;
    return d;
  }
  if (v == Verdict::monitor) {  // step 6
    d.reason = Reason::monitored;
    return d;
  }
  d.action = Action::block;
  d.reason = Reason::category_blocked;
  return d;
}

// Higher is stricter; the strictest of the host, SNI and URL decisions wins.
int severity(const Decision& d) noexcept {
  if (d.action != Action::allow) return 10 + static_cast<int>(d.action);
  switch (d.reason) {
    case Reason::monitored:
      return 3;
    case Reason::approved:
      return 2;
    case Reason::category_allowed:
      return 1;
    default:
      return 0;
  }
}

void keep_stricter(Decision& current, const Decision& other) noexcept {
  if (severity(other) > severity(current)) current = other;
}

// A TLS condition (ECH, no SNI, SNI mismatch) under its policy verdict.
void apply_tls_condition(Decision& d, Verdict v, Reason why) noexcept {
  if (d.action != Action::allow || v == Verdict::allow) return;
  if (v == Verdict::block) d.action = Action::block;
  d.reason = why;  // monitor: still allowed, but on record why
  d.approval = kNone;
}

}  // namespace

std::uint32_t department_of(const RuleSet& rules, const IpAddress& client) noexcept {
  auto d = rules.department_networks.lookup(client);
  return d ? *d : kNone;
}

std::uint32_t department_of(const RuleSet& rules, const Request& req) noexcept {
  if (!req.user.empty()) {
    if (auto d = department_of_identity(rules, req.user, req.groups); d != kNone) return d;
  }
  return department_of(rules, req.client);
}

Decision decide(const RuleSet& r, const Request& req, TimePoint now) noexcept {
  Decision d;
  d.department = department_of(r, req);

  // 1. Never an open proxy.
  if (!r.clients_allow.lookup(req.client)) {
    d.action = Action::deny;
    d.reason = Reason::client_not_allowed;
    return d;
  }
  // 2. CONNECT only to the configured ports.
  if (req.connect && req.mode == Mode::forward &&
      std::find(r.connect_ports.begin(), r.connect_ports.end(), req.port) ==
          r.connect_ports.end()) {
    d.action = Action::deny;
    d.reason = Reason::port_not_allowed;
    return d;
  }
  // 3-6. Classify what is visible and judge each; the strictest wins.
  Decision result = judge(r, req, d.department, classify_host(r, req.host), req.host, now);
  if (has_sni(req) && req.sni != req.host)
    keep_stricter(result, judge(r, req, d.department, classify_host(r, req.sni), req.sni, now));
  if (req.original_dst && req.mode != Mode::forward) {  // a name must not launder the address
    if (auto e = r.app_networks.lookup(*req.original_dst))
      keep_stricter(result, judge(r, req, d.department, from_entry(r, *e), req.host, now));
  }
  if (!req.url.empty()) {
    if (auto e = r.urls.match(req.url)) {
      Classification c = from_entry(r, *e);
      keep_stricter(result, judge(r, req, d.department, c, req.host, now));
    }
  }
  // TLS conditions seen in the ClientHello (README "Main config" policy.ech/no_sni/sni_mismatch).
  switch (req.tls) {
    case TlsSeen::none:
      break;
    case TlsSeen::ech:
      apply_tls_condition(result, r.policy.ech, Reason::ech);
      // Judged like any SNI (README "ECH: what is judged"): the outer name
      // must match the CONNECT authority, or ECH would launder a mismatch.
      if (req.mode == Mode::forward && !req.host.empty() && !req.sni.empty() && req.sni != req.host)
        apply_tls_condition(result, r.policy.sni_mismatch, Reason::sni_mismatch);
      break;
    case TlsSeen::no_sni:
      apply_tls_condition(result, r.policy.no_sni, Reason::no_sni);
      break;
    case TlsSeen::sni:
      // Only a CONNECT names a host to compare with; transparent TLS has just the SNI.
      if (req.mode == Mode::forward && !req.host.empty() && req.sni != req.host)
        apply_tls_condition(result, r.policy.sni_mismatch, Reason::sni_mismatch);
      break;
    case TlsSeen::not_tls:  // on record as such either way: allow or block, never monitor
      if (result.action == Action::allow) {
        if (r.policy.non_tls_tunnel == Verdict::block) result.action = Action::block;
        result.reason = Reason::non_tls_tunnel;
        result.approval = kNone;
      }
      break;
    case TlsSeen::bad_hello:  // fail closed, whatever the other verdicts said
      result.action = Action::block;
      result.reason = Reason::bad_client_hello;
      result.approval = kNone;
      break;
    case TlsSeen::timeout:
      result.action = Action::deny;
      result.reason = Reason::client_hello_timeout;
      result.approval = kNone;
      break;
  }
  return result;
}

Decision check_destination(const RuleSet& r, const Decision& d,
                           std::span<const IpAddress> resolved) noexcept {
  // Denied only when no address passes; which ones may be connected to is
  // filter_destinations()' job (the connect path uses that, never this alone).
  if (d.action != Action::allow || resolved.empty()) return d;
  for (const IpAddress& a : resolved) {
    if (passes_private_guard(r, a)) return d;
  }
  Decision out = d;
  out.action = Action::deny;
  out.reason = Reason::private_destination;
  out.approval = kNone;
  return out;
}

std::string_view category_id(const RuleSet& r, const Decision& d) noexcept {
  return d.category < r.categories.size() ? std::string_view(r.categories[d.category].id) : "";
}
std::string_view app_id(const RuleSet& r, const Decision& d) noexcept {
  return d.app < r.apps.size() ? std::string_view(r.apps[d.app].id) : "";
}
std::string_view department_id(const RuleSet& r, const Decision& d) noexcept {
  return d.department < r.departments.size() ? std::string_view(r.departments[d.department].id)
                                             : "";
}
std::string_view approval_id(const RuleSet& r, const Decision& d) noexcept {
  return d.approval < r.approvals.size() ? std::string_view(r.approvals[d.approval].id) : "";
}
std::string_view schedule_id(const RuleSet& r, const Decision& d) noexcept {
  return d.schedule < r.schedules.size() ? std::string_view(r.schedules[d.schedule].id) : "";
}

}  // namespace gh
