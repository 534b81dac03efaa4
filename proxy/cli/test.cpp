// gatehouse test: expectations about the policy, checked with the same
// decision code as `explain` (cli/target.hpp), so a rule change can be
// reviewed by what it decides (README "Rule files", README "Reviewing a rule change").
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/authenticator.hpp"
#include "cli/commands.hpp"
#include "cli/target.hpp"
#include "config/calendar.hpp"
#include "config/loader.hpp"
#include "config/policy_tests.hpp"

namespace gh::cli {
namespace {

constexpr std::string_view kDefaultClient = "127.0.0.1";  // explain's default

struct Failure {
  std::string file;
  int line = 0;
  std::string target;
  std::string key;  // empty: the case could not be run (message in `got`)
  std::string expected, got;
  std::string context;  // the whole decision, to read a failure without running explain
};

std::string shown(const std::optional<std::string>& v) { return v ? *v : "null"; }

std::optional<std::string> actual(const RuleSet& r, const Decision& d, std::string_view key) {
  auto opt = [](std::string_view s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(std::string(s));
  };
  if (key == "action") return std::string(to_string(d.action));
  if (key == "reason") return std::string(to_string(d.reason));
  if (key == "category") return opt(category_id(r, d));
  if (key == "app") return opt(app_id(r, d));
  if (key == "department") return opt(department_id(r, d));
  if (key == "approval") return opt(approval_id(r, d));
  if (key == "schedule") return opt(schedule_id(r, d));
  return std::nullopt;
}

// One line of context so a failure can be understood without running explain.
std::string summary(const RuleSet& r, const Decision& d) {
  std::string s = std::string(to_string(d.action)) + " " + std::string(to_string(d.reason));
  auto add = [&](std::string_view name, std::string_view v) {
    if (!v.empty()) s += ", " + std::string(name) + " " + std::string(v);
  };
  add("app", app_id(r, d));
  add("department", department_id(r, d));
  add("approval", approval_id(r, d));
  add("schedule", schedule_id(r, d));
  return s;
}

// The identity a case decides as (README "gatehouse test"): its `groups` as
// written, else the groups file's entry. A directory is never asked, so a test
// file gives the same answer on a laptop, in CI and on the proxy host.
// False if the groups would have come from LDAP (decided with none).
bool set_identity(const PolicyTestCase& c, const AuthSettings* auth, Target& t) {
  t.user = c.user;
  if (c.user.empty()) return true;
  if (c.groups) {
    t.groups = *c.groups;
    return true;
  }
  if (auth && !auth->groups_file_path.empty())
    return Authenticator::groups_of(*auth, c.user, t.groups) == BackendStatus::ok;
  return !auth || auth->groups_ldap.url.empty();
}

// "127.0.0.1" or "127.0.0.1 as alice [fin-staff]", for a failure's context.
std::string who(const std::string& client, const Target& t) {
  if (t.user.empty()) return client;
  std::string s = client + " as " + t.user + " [";
  for (std::size_t i = 0; i < t.groups.size(); ++i) s += (i ? ", " : "") + t.groups[i];
  return s + "]";
}

// Runs one case; appends its failures. False if it failed. `groups_unknown`
// is set when the case named a user whose groups only a directory knows.
bool run_case(const RuleSet& r, const AuthSettings* auth, const PolicyTestCase& c,
              std::vector<Failure>& failures, bool& groups_unknown) {
  std::string err;
  auto target = parse_target(c.target, err);
  const std::string client_text = c.client.empty() ? std::string(kDefaultClient) : c.client;
  auto client = IpAddress::parse(client_text);
  if (!target || !client) {
    failures.push_back({c.file, c.line, c.target, "", "", target ? "bad client" : err, ""});
    return false;
  }
  if (!set_identity(c, auth, *target)) groups_unknown = true;
  const TimePoint at = c.at.empty() ? Clock::now() : *parse_rfc3339(c.at);
  const Decision d = decide_target(r, *target, *client, at).final;
  bool ok = true;
  for (const PolicyExpectation& e : c.expect) {
    std::optional<std::string> got = actual(r, d, e.key);
    if (got == e.value) continue;
    ok = false;
    failures.push_back({c.file, c.line, c.target, e.key, shown(e.value), shown(got),
                        c.target + " from " + who(client_text, *target) + ": " + summary(r, d)});
  }
  return ok;
}

}  // namespace

int test(const TestOptions& o) {
  LoadResult res;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse test: %s\n", e.what());
    return 3;
  }
  if (!res.ok()) {
    for (const Diagnostic& d : res.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
    std::fprintf(stderr, "gatehouse test: %s has errors; nothing was tested\n", o.config.c_str());
    return 1;
  }
  const RuleSet& r = *res.rules;

  const AuthSettings* auth = res.settings->auth ? &*res.settings->auth : nullptr;
  std::size_t passed = 0, failed = 0, groups_unknown = 0, users = 0;
  std::vector<Failure> failures;
  for (const std::string& file : o.files) {
    PolicyTestFile f = load_policy_tests(file);
    // A broken expectation is a failing one: it must not pass silently.
    failed += f.broken;
    for (const Diagnostic& d : f.diagnostics) {
      if (!o.json)
        std::fprintf(stderr, "%s\n", d.format().c_str());
      else if (d.severity == Severity::error)
        failures.push_back({d.file, d.line, "", "", "", d.message, ""});
    }
    for (const PolicyTestCase& c : f.cases) {
      bool unknown = false;
      (run_case(r, auth, c, failures, unknown) ? passed : failed)++;
      if (unknown && groups_unknown++ == 0)
        std::fprintf(stderr,
                     "%s:%d: note: test does not ask the LDAP directory for %s's groups: "
                     "decided with none (give them with groups: [...])\n",
                     c.file.c_str(), c.user_line, c.user.c_str());
      if (!auth && !c.user.empty() && users++ == 0)
        std::fprintf(stderr,
                     "%s:%d: note: the config has no auth block: the proxy never knows a "
                     "user, so it decides by network alone (README \"Identity\")\n",
                     c.file.c_str(), c.user_line);
    }
  }

  if (o.json) {
    nlohmann::ordered_json out;
    out["ok"] = failed == 0;
    out["passed"] = passed;
    out["failed"] = failed;
    out["failures"] = nlohmann::ordered_json::array();
    for (const Failure& f : failures) {
      nlohmann::ordered_json j;
      j["file"] = f.file;
      j["line"] = f.line;
      j["target"] = f.target;
      j["key"] = f.key.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.key);
      j["expected"] = f.expected;
      j["got"] = f.got;
      j["decision"] = f.context;
      out["failures"].push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const Failure& f : failures) {
      if (f.key.empty())
        std::printf("%s:%d: error: %s\n", f.file.c_str(), f.line, f.got.c_str());
      else
        std::printf("%s:%d: expected %s: %s, got %s (%s)\n", f.file.c_str(), f.line, f.key.c_str(),
                    f.expected.c_str(), f.got.c_str(), f.context.c_str());
    }
    std::fflush(stdout);
    std::fprintf(stderr, "%zu passed, %zu failed\n", passed, failed);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace gh::cli
