// Internal to the HTML report: the pieces report_html.cpp assembles. Every
// function returns markup with every log- or rule-derived string escaped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/report.hpp"
#include "audit/report_overview.hpp"
#include "audit/svg_chart.hpp"
#include "policy/rule_set.hpp"

namespace gh::html {

// Outcome colours and names, in stacking order (SVG and tables agree).
const std::vector<SvgSeries>& outcome_series();  // blocked, monitored, approved, other
std::vector<std::int64_t> outcome_values(const AttemptCounts& c);

// Display names from the rule set when there is one, ids otherwise.
class Names {
 public:
  explicit Names(const RuleSet* rules) : rules_(rules) {}
  std::string department(const std::optional<std::string>& id) const;  // "Finance Bureau (finance)"
  std::string department_short(const std::optional<std::string>& id) const;  // "Finance Bureau"
  std::string app(const std::string& id) const;                              // "WhatsApp Web"
  std::string category(const std::string& id) const;
  const RuleSet* rules() const { return rules_; }

 private:
  const RuleSet* rules_;
};

// A table: header cells, then rows; cells from index `first_number` on are
// right-aligned numbers. Cell text is escaped here.
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t first_number = 1;
  std::vector<std::size_t> nowrap;  // text columns kept on one line (dates, ids)
  std::vector<std::string> footer;  // a TOTAL row if not empty
};
std::string table_html(const Table& t);

// A chart with its numbers beside it (a table), as README "gatehouse audit report" asks.
std::string figure(const std::string& svg, const std::string& legend, const std::string& table);
std::string legend_html(const std::vector<SvgSeries>& series);

// The sections, in page order.
std::string section_over_time(const ReportOverview& o, const Names& names);
std::string section_outcomes(const ReportOverview& o, const Names& names);
std::string section_apps(const ReportOverview& o, const Names& names);
std::string section_people(const ReportOverview& o);
std::string section_approvals(const ReportOverview& o, const Names& names, TimePoint now);
std::string section_groups(const AttemptReport& r);

std::string_view stylesheet();

}  // namespace gh::html
