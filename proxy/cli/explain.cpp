// gatehouse explain: the decision the proxy would make for one target
// (README "Commands"), computed with the same decide() the proxy calls, in the same
// order (cli/target.hpp).
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "auth/authenticator.hpp"
#include "cli/commands.hpp"
#include "cli/target.hpp"
#include "config/calendar.hpp"
#include "config/loader.hpp"
#include "policy/decide.hpp"

namespace gh::cli {
namespace {

nlohmann::ordered_json or_null(std::string_view s) {
  return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(std::string(s));
}

std::string or_dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

// The decision explain shows, and what it was asked.
struct Explained {
  const RuleSet& r;
  const ExplainOptions& o;
  const Target& target;
  const IpAddress& client;
  TimePoint at;
  TargetDecision td;
  std::string rule;
  const Approval* approval;
};

void print_json(const Explained& x) {
  const RuleSet& r = x.r;
  const Decision& final = x.td.final;
  nlohmann::ordered_json out;
  out["action"] = std::string(to_string(final.action));
  out["reason"] = std::string(to_string(final.reason));
  out["category"] = or_null(category_id(r, final));
  out["app"] = or_null(app_id(r, final));
  out["department"] = or_null(department_id(r, final));
  out["rule"] = or_null(x.rule);
  out["approval"] = or_null(approval_id(r, final));
  out["expires"] = x.approval ? nlohmann::ordered_json(x.approval->expires) : nullptr;
  out["schedule"] = or_null(schedule_id(r, final));
  if (!x.o.user.empty()) {  // only with --user: the anonymous output stays as it was
    out["user"] = x.o.user;
    out["groups"] = x.target.groups;
  }
  std::printf("%s\n", out.dump().c_str());
}

// Who asked, when, and (for a CONNECT) the first of the two decisions.
void print_asker(const Explained& x) {
  std::printf("target:     %s\n", x.target.shown.c_str());
  std::printf("client:     %s at %s\n", x.client.to_string().c_str(), format_utc(x.at).c_str());
  if (!x.o.user.empty()) {
    std::string groups;
    for (const std::string& g : x.target.groups) groups += (groups.empty() ? "" : ", ") + g;
    std::printf("user:       %s (groups: %s)\n", x.o.user.c_str(),
                groups.empty() ? "-" : groups.c_str());
  }
  const Decision& first = x.td.first;
  if (x.td.two_steps)
    std::printf("steps:      CONNECT %s (%s); %s\n", std::string(to_string(first.action)).c_str(),
                std::string(to_string(first.reason)).c_str(),
                first.action == Action::allow ? "ClientHello decided below"
                                              : "no tunnel, the ClientHello is never read");
}

void print_text(const Explained& x) {
  const RuleSet& r = x.r;
  const Decision& final = x.td.final;
  std::string department = or_dash(department_id(r, final));
  if (!x.o.user.empty() && department_of_identity(r, x.o.user, x.target.groups) != kNone)
    department += " (by user or group)";
  else if (auto net = r.department_networks.lookup_prefix(x.client))
    department += " (network " + net->to_string() + ")";
  print_asker(x);
  std::printf("action:     %s\n", std::string(to_string(final.action)).c_str());
  std::printf("reason:     %s\n", std::string(to_string(final.reason)).c_str());
  std::printf("category:   %s\n", or_dash(category_id(r, final)).c_str());
  std::printf("app:        %s\n", or_dash(app_id(r, final)).c_str());
  std::printf("department: %s\n", department.c_str());
  std::printf("rule:       %s\n", or_dash(x.rule).c_str());
  if (const Approval* a = x.approval)
    std::printf("approval:   %s (expires %s, approved by %s, %s)\n", a->id.c_str(),
                a->expires.c_str(), a->approved_by.c_str(), a->location.c_str());
  else
    std::printf("approval:   -\n");
  if (final.schedule < r.schedules.size())
    std::printf("schedule:   %s (%s, in %s)\n", r.schedules[final.schedule].id.c_str(),
                r.schedules[final.schedule].location.c_str(), r.policy.timezone.c_str());
  else
    std::printf("schedule:   -\n");
}

// --at, or now; nullopt (after the message) when it does not parse.
std::optional<TimePoint> explain_time(const std::string& at) {
  if (at.empty()) return Clock::now();
  auto t = parse_rfc3339(at);
  if (!t)
    std::fprintf(stderr,
                 "gatehouse explain: bad time '%s' (use RFC 3339, e.g. 2027-03-31T09:00:00Z)\n",
                 at.c_str());
  return t;
}

}  // namespace

int explain(const ExplainOptions& o) {
  std::string err;
  auto target = parse_target(o.target, err);
  if (!target) {
    std::fprintf(stderr, "gatehouse explain: %s\n", err.c_str());
    return 2;
  }
  auto client = IpAddress::parse(o.client);
  if (!client) {
    std::fprintf(stderr, "gatehouse explain: bad client address '%s'\n", o.client.c_str());
    return 2;
  }
  const std::optional<TimePoint> at = explain_time(o.at);
  if (!at) return 2;

  LoadResult res;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse explain: %s\n", e.what());
    return 3;
  }
  if (!res.ok()) {
    for (const Diagnostic& d : res.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
    return 1;
  }
  const RuleSet& r = *res.rules;
  if (!o.user.empty()) {
    target->user = o.user;
    // The groups the proxy would find (README "Identity"): the file, or the directory.
    if (res.settings->auth &&
        Authenticator::groups_of(*res.settings->auth, o.user, target->groups) != BackendStatus::ok)
      std::fprintf(stderr,
                   "gatehouse explain: warning: the group directory did not answer; "
                   "deciding without groups\n");
  }
  Explained x{r, o, *target, *client, *at, decide_target(r, *target, *client, *at), "", nullptr};
  const Decision& final = x.td.final;
  if (final.rule != kNone) x.rule = r.location(final.rule);
  if (final.approval < r.approvals.size()) x.approval = &r.approvals[final.approval];
  if (o.json)
    print_json(x);
  else
    print_text(x);
  return 0;
}

}  // namespace gh::cli
