// `gatehouse audit report --format html` (README "gatehouse audit report"): one self-contained page
// (inline CSS and SVG, no script, no URL) a head of department can read and
// print. Built from an AttemptReport with its overview enabled, i.e. from the
// same streaming pass as the table, CSV and JSON formats.
#pragma once

#include <string>
#include <vector>

#include "audit/report.hpp"
#include "policy/rule_set.hpp"

namespace gh {

struct HtmlReportInput {
  const AttemptReport* report = nullptr;  // enable_overview() must have been called
  const RuleSet* rules = nullptr;         // titles, approvals; null when run without a config
  std::string config_path;                // shown in the header when rules are given
  std::vector<std::string> files;         // the audit files read
  TimePoint generated;                    // "now": approval states and the header
};

std::string render_html_report(const HtmlReportInput& in);

}  // namespace gh
