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
  TimePoint at = Clock::now();
  if (!o.at.empty()) {
    auto t = parse_rfc3339(o.at);
    if (!t) {
      std::fprintf(stderr,
                   "gatehouse explain: bad time '%s' (use RFC 3339, e.g. 2027-03-31T09:00:00Z)\n",
                   o.at.c_str());
      return 2;
    }
    at = *t;
  }

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

  const TargetDecision td = decide_target(r, *target, *client, at);
  const bool two_steps = td.two_steps;
  const Decision& first = td.first;
  const Decision& final = td.final;

  const std::string rule = final.rule != kNone ? r.location(final.rule) : "";
  const Approval* approval =
      final.approval < r.approvals.size() ? &r.approvals[final.approval] : nullptr;

  if (o.json) {
    nlohmann::ordered_json out;
    out["action"] = std::string(to_string(final.action));
    out["reason"] = std::string(to_string(final.reason));
    out["category"] = or_null(category_id(r, final));
    out["app"] = or_null(app_id(r, final));
    out["department"] = or_null(department_id(r, final));
    out["rule"] = or_null(rule);
    out["approval"] = or_null(approval_id(r, final));
    out["expires"] = approval ? nlohmann::ordered_json(approval->expires) : nullptr;
    out["schedule"] = or_null(schedule_id(r, final));
    if (!o.user.empty()) {  // only with --user: the anonymous output stays as it was
      out["user"] = o.user;
      out["groups"] = target->groups;
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }

  std::string department = or_dash(department_id(r, final));
  if (!o.user.empty() && department_of_identity(r, o.user, target->groups) != kNone)
    department += " (by user or group)";
  else if (auto net = r.department_networks.lookup_prefix(*client))
    department += " (network " + net->to_string() + ")";
  std::printf("target:     %s\n", target->shown.c_str());
  std::printf("client:     %s at %s\n", client->to_string().c_str(), format_utc(at).c_str());
  if (!o.user.empty()) {
    std::string groups;
    for (const std::string& g : target->groups) groups += (groups.empty() ? "" : ", ") + g;
    std::printf("user:       %s (groups: %s)\n", o.user.c_str(),
                groups.empty() ? "-" : groups.c_str());
  }
  if (two_steps)
    std::printf("steps:      CONNECT %s (%s); %s\n", std::string(to_string(first.action)).c_str(),
                std::string(to_string(first.reason)).c_str(),
                first.action == Action::allow ? "ClientHello decided below"
                                              : "no tunnel, the ClientHello is never read");
  std::printf("action:     %s\n", std::string(to_string(final.action)).c_str());
  std::printf("reason:     %s\n", std::string(to_string(final.reason)).c_str());
  std::printf("category:   %s\n", or_dash(category_id(r, final)).c_str());
  std::printf("app:        %s\n", or_dash(app_id(r, final)).c_str());
  std::printf("department: %s\n", department.c_str());
  std::printf("rule:       %s\n", or_dash(rule).c_str());
  if (approval)
    std::printf("approval:   %s (expires %s, approved by %s, %s)\n", approval->id.c_str(),
                approval->expires.c_str(), approval->approved_by.c_str(),
                approval->location.c_str());
  else
    std::printf("approval:   -\n");
  if (final.schedule < r.schedules.size())
    std::printf("schedule:   %s (%s, in %s)\n", r.schedules[final.schedule].id.c_str(),
                r.schedules[final.schedule].location.c_str(), r.policy.timezone.c_str());
  else
    std::printf("schedule:   -\n");
  return 0;
}

}  // namespace gh::cli
