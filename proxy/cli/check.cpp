// gatehouse check: lint a rule tree (README "Commands"). Diagnostics on stdout, a
// one-line summary on stderr; exit 1 on any error, warnings alone pass.
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "tls/ca_check.hpp"

namespace gh::cli {

int check(const CheckOptions& o) {
  LoadResult res;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse check: %s\n", e.what());
    return 3;
  }
  // The CA files (README "HTTPS interception") are judged once the rest loaded.
  if (res.settings) {
    auto ca = check_ca(res.settings->tls_intercept, Clock::now());
    res.diagnostics.insert(res.diagnostics.end(), ca.begin(), ca.end());
    if (has_errors(ca)) res.rules.reset();
  }
  std::size_t errors = 0, warnings = 0;
  for (const Diagnostic& d : res.diagnostics) (d.severity == Severity::error ? errors : warnings)++;

  if (o.json) {
    nlohmann::ordered_json out;
    out["ok"] = errors == 0;
    out["errors"] = errors;
    out["warnings"] = warnings;
    out["diagnostics"] = nlohmann::ordered_json::array();
    for (const Diagnostic& d : res.diagnostics) {
      out["diagnostics"].push_back(
          {{"file", d.file},
           {"line", d.line},
           {"col", d.col},
           {"severity", d.severity == Severity::error ? "error" : "warning"},
           {"message", d.message}});
    }
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return errors ? 1 : 0;
  }

  for (const Diagnostic& d : res.diagnostics) std::printf("%s\n", d.format().c_str());
  std::fflush(stdout);
  if (res.rules) {
    const RuleSet& r = *res.rules;
    std::fprintf(stderr,
                 "%s: ok, %zu warning%s (%zu categories, %zu apps, %zu domain rules, %zu url "
                 "patterns, %zu departments, %zu approvals)\n",
                 o.config.c_str(), warnings, warnings == 1 ? "" : "s", r.categories.size(),
                 r.apps.size(), r.domains.size(), r.urls.size(), r.departments.size(),
                 r.approvals.size());
  } else {
    std::fprintf(stderr, "%s: %zu error%s, %zu warning%s; the rules are rejected\n",
                 o.config.c_str(), errors, errors == 1 ? "" : "s", warnings,
                 warnings == 1 ? "" : "s");
  }
  return errors ? 1 : 0;
}

}  // namespace gh::cli
