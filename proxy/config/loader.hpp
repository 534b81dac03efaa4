// YAML rule tree -> diagnostics + RuleSet + Settings. The only place that
// knows yaml-cpp. A tree with any error yields no RuleSet: it is rejected
// whole.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/settings.hpp"
#include "policy/rule_set.hpp"

namespace gh {

struct LoadResult {
  std::vector<Diagnostic> diagnostics;       // errors and warnings, in file order
  std::shared_ptr<const RuleSet> rules;      // null if any error
  std::shared_ptr<const Settings> settings;  // null if any error
  bool ok() const noexcept { return rules != nullptr; }
};

// `now` is used only for the "approval already expired / expiring within
// 14 days" warnings.
LoadResult load_config(const std::string& path, TimePoint now);

// --config default: rules/gatehouse.yaml if it exists, else /etc/gatehouse/gatehouse.yaml.
std::string default_config_path();

}  // namespace gh
