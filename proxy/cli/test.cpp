// gatehouse test: expectations about the policy, checked with the same
// decision code as `explain` (cli/target.hpp), so a rule change can be
// reviewed by what it decides (README "Rule files", README "Reviewing a rule change").
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

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

// Runs one case; appends its failures. False if it failed.
bool run_case(const RuleSet& r, const PolicyTestCase& c, std::vector<Failure>& failures) {
  std::string err;
  auto target = parse_target(c.target, err);
  const std::string client_text = c.client.empty() ? std::string(kDefaultClient) : c.client;
  auto client = IpAddress::parse(client_text);
  if (!target || !client) {
    failures.push_back({c.file, c.line, c.target, "", "", target ? "bad client" : err, ""});
    return false;
  }
  const TimePoint at = c.at.empty() ? Clock::now() : *parse_rfc3339(c.at);
  const Decision d = decide_target(r, *target, *client, at).final;
  bool ok = true;
  for (const PolicyExpectation& e : c.expect) {
    std::optional<std::string> got = actual(r, d, e.key);
    if (got == e.value) continue;
    ok = false;
    failures.push_back({c.file, c.line, c.target, e.key, shown(e.value), shown(got),
                        c.target + " from " + client_text + ": " + summary(r, d)});
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

  std::size_t passed = 0, failed = 0, users_ignored = 0;
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
      if (!c.user.empty() && users_ignored++ == 0)
        std::fprintf(stderr,
                     "%s:%d: note: 'user' is read but not used yet: user identity (proxy "
                     "authentication, not built yet) is "
                     "not built, so the client address alone decides\n",
                     c.file.c_str(), c.user_line);
      (run_case(r, c, failures) ? passed : failed)++;
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
