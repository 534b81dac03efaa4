// "Approvals in use" of the HTML report: each approval's validity on a time
// line with today marked, its state and how often it was used in the period.
// Approvals named in the log but absent from the rules are listed too: they
// were in force once and someone may ask about them.
#include <algorithm>
#include <tuple>

#include "audit/approval_review.hpp"
#include "audit/html_text.hpp"
#include "audit/report_html_parts.hpp"

namespace gh::html {
namespace {

const char* state_color(ApprovalState s) {
  switch (s) {
    case ApprovalState::active:
      return "#15803d";
    case ApprovalState::expiring:
      return "#d97706";
    case ApprovalState::expired:
      return "#9ca3af";
    case ApprovalState::not_yet_valid:
      return "#2563eb";
  }
  return "#6b7280";
}

std::string uses_text(std::int64_t uses) {
  if (uses == 0) return "unused";
  return group_digits(uses) + (uses == 1 ? " use" : " uses");
}

// Approvals named by records but not (or no longer) in the rules.
void add_unknown_rows(const ReportOverview& o, const Names& names, Table& t) {
  const RuleSet* rules = names.rules();
  for (const auto& [id, u] : o.approvals()) {
    if (u.uses <= 0) continue;
    bool known = rules && std::any_of(rules->approvals.begin(), rules->approvals.end(),
                                      [&id = id](const Approval& a) { return a.id == id; });
    if (known) continue;
    t.rows.push_back({id, "-", "-", "-", "-", rules ? "not in the rules" : "no config",
                      group_digits(u.uses), u.last ? o.zone().format_minute(*u.last) : "-"});
  }
}

// One callout line: what, then the ids (escaped), comma-separated; nothing if none.
void append_callout(std::string& out, const char* what, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  out += "<li><strong>";
  out += what;
  out += "</strong> ";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    append_html_escaped(out, ids[i]);
  }
  out += "</li>";
}

}  // namespace

std::string section_approvals(const ReportOverview& o, const Names& names, TimePoint now) {
  const ZoneDays& zone = o.zone();
  const auto& used = o.approvals();
  std::string out =
      "<section id=\"approvals\"><h2>Approvals in use</h2><p class=\"intro\">Each approval a head "
      "of department signed, how often it let an attempt through in this period, and when it "
      "expires. States are as of the time this report was made.</p>";

  Table t;
  t.header = {"approval", "department", "scope", "approved by",
              "expires",  "state",      "uses",  "last use"};
  t.first_number = 6;
  t.nowrap = {0, 4};
  TimelineChart chart;
  chart.title = "Approvals: validity from granted to expires, today marked";
  chart.today = zone.day_of(now);
  std::vector<std::string> unused, expiring;

  if (const RuleSet* rules = names.rules()) {
    std::vector<const Approval*> list;
    for (const auto& a : rules->approvals) list.push_back(&a);
    std::stable_sort(list.begin(), list.end(), [](const Approval* a, const Approval* b) {
      return std::tie(a->department, a->valid_until) < std::tie(b->department, b->valid_until);
    });
    for (const Approval* a : list) {
      const ApprovalState state = approval_state(*a, now);
      auto u = used.find(a->id);
      const std::int64_t uses = u != used.end() ? u->second.uses : 0;
      const std::string dept = a->department < rules->departments.size()
                                   ? rules->departments[a->department].id
                                   : std::string("?");
      chart.rows.push_back(
          {a->id, zone.day_of(a->valid_from), zone.day_of(a->valid_until - std::chrono::seconds(1)),
           state_color(state), uses_text(uses) + ", " + std::string(to_string(state))});
      t.rows.push_back(
          {a->id, names.department(dept), approval_scope(*rules, *a), a->approved_by, a->expires,
           std::string(to_string(state)), group_digits(uses),
           u != used.end() && u->second.last ? zone.format_minute(*u->second.last) : "-"});
      // In force yet never used: the ones a head of department may retire.
      if (uses == 0 && (state == ApprovalState::active || state == ApprovalState::expiring))
        unused.push_back(a->id);
      if (state == ApprovalState::expiring) expiring.push_back(a->id + " (" + a->expires + ")");
    }
  }
  add_unknown_rows(o, names, t);

  if (t.rows.empty()) {
    return out +
           "<p class=\"empty\">No approvals in the rules and none used in this "
           "period.</p></section>";
  }
  if (!expiring.empty() || !unused.empty()) {
    out += "<ul class=\"callouts\">";
    append_callout(out, "Expiring within 14 days:", expiring);
    append_callout(out, "Not used in this period (candidates to retire):", unused);
    out += "</ul>";
  }
  if (!chart.rows.empty()) {
    std::vector<SvgSeries> states;
    for (auto s : {ApprovalState::active, ApprovalState::expiring, ApprovalState::expired,
                   ApprovalState::not_yet_valid})
      states.push_back({std::string(to_string(s)), state_color(s)});
    out += "<div class=\"chart\">" + svg_timeline(chart) + legend_html(states) + "</div>";
  } else {
    out +=
        "<p class=\"note\">Run with <code>--config</code> to see each approval's department, "
        "scope and expiry.</p>";
  }
  out += "<div class=\"wide\">" + table_html(t) + "</div>";
  return out + "</section>";
}

}  // namespace gh::html
