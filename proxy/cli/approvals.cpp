// `gatehouse approvals [--config P] [--audit FILE...] [--json] [--at T]`
// (README "gatehouse audit report"; README "Rule files"): every approval with its state at T
// (default now) and, with --audit, how often it was used and when last: the list a head of
// department reviews, and the unused approvals to retire.
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <system_error>

#include "audit/approval_review.hpp"
#include "audit/json_text.hpp"
#include "audit/line_reader.hpp"
#include "audit/local_days.hpp"
#include "audit/report.hpp"
#include "audit/report_overview.hpp"
#include "cli/commands.hpp"
#include "config/calendar.hpp"
#include "config/loader.hpp"

namespace gh::cli {
namespace {

// Rule text on a terminal: no control characters (escape sequences).
std::string printable(std::string s) {
  for (char& c : s) {
    if ((static_cast<unsigned char>(c) < 0x20) || c == 0x7F) c = '?';
  }
  return s;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (i) line += "  ";
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size(), ' ');
    }
    out += line + "\n";
  }
  return out;
}

// Reads the audit files into `usage`; false (after the message) when one cannot be read.
bool read_usage(const std::vector<std::string>& files, AttemptReport& usage) {
  for (const auto& f : files) {
    try {
      LineReader reader(f);
      std::string_view line;
      bool terminated = false;
      while (reader.next(line, terminated) != LineReader::Status::end) {
        if (terminated) usage.add_line(line);
      }
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "gatehouse approvals: cannot read %s\n", e.what());
      return false;
    }
  }
  return true;
}

// The listing: a JSON array and table rows (header first), and the count by state.
struct Listing {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  int states[4] = {0, 0, 0, 0};
};

void list_approval(const RuleSet& rules, const Approval& a, TimePoint at,
                   const AttemptReport* usage, Listing& out) {
  const ApprovalState state = approval_state(a, at);
  ++out.states[static_cast<int>(state)];
  const std::string dept =
      a.department < rules.departments.size() ? rules.departments[a.department].id : "";
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["department"] = dept;
  j["scope"] = approval_scope(rules, a);
  j["approved_by"] = a.approved_by;
  j["reason"] = a.reason;
  j["granted"] = a.granted;
  j["expires"] = a.expires;
  j["state"] = std::string(to_string(state));
  std::vector<std::string> row{a.id,      dept,      approval_scope(rules, a),     a.approved_by,
                               a.granted, a.expires, std::string(to_string(state))};
  if (usage) {  // uses come from the same aggregation as `audit report`: a tunnel is one use
    const auto& used = usage->overview()->approvals();
    auto u = used.find(a.id);
    const std::int64_t uses = u != used.end() ? u->second.uses : 0;
    const bool last = u != used.end() && u->second.last.has_value();
    j["uses"] = uses;
    j["last_use"] = last ? nlohmann::ordered_json(format_timestamp(*u->second.last))
                         : nlohmann::ordered_json(nullptr);
    row.push_back(std::to_string(uses));
    row.push_back(last ? usage->overview()->zone().format_minute(*u->second.last) : "-");
  }
  row.push_back(a.reason);
  for (auto& cell : row) cell = printable(std::move(cell));
  out.rows.push_back(std::move(row));
  out.list.push_back(std::move(j));
}

}  // namespace

int approvals(const ApprovalsOptions& o) {
  TimePoint at = Clock::now();
  if (!o.at.empty()) {
    auto t = parse_rfc3339(o.at);
    if (!t) {
      std::fprintf(stderr, "gatehouse approvals: --at: not RFC 3339: %s\n", o.at.c_str());
      return 2;
    }
    at = *t;
  }
  LoadResult res;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse approvals: %s\n", e.what());
    return 3;
  }
  if (!res.ok()) {
    for (const Diagnostic& d : res.diagnostics)
      if (d.severity == Severity::error) std::fprintf(stderr, "%s\n", d.format().c_str());
    return 1;
  }
  const RuleSet& rules = *res.rules;
  AttemptReport usage({ReportKey::department}, {});
  usage.enable_overview(rules.policy.timezone);
  const bool with_audit = !o.audit.empty();
  if (!read_usage(o.audit, usage)) return 3;

  Listing l;
  l.rows.push_back({"id", "department", "scope", "approved_by", "granted", "expires", "state"});
  if (with_audit) {
    l.rows[0].push_back("uses");
    l.rows[0].push_back("last_use");
  }
  l.rows[0].push_back("reason");
  for (const Approval& a : rules.approvals)
    list_approval(rules, a, at, with_audit ? &usage : nullptr, l);

  std::string out;
  if (o.json) {
    out = l.list.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else {
    out = rules.approvals.empty() ? "no approvals\n" : table(l.rows);
    out += "\n" + std::to_string(rules.approvals.size()) + " approvals at " +
           usage.overview()->zone().format_minute(at) + " " + printable(rules.policy.timezone) +
           ": " + std::to_string(l.states[0]) + " active, " + std::to_string(l.states[1]) +
           " expiring, " + std::to_string(l.states[2]) + " expired, " +
           std::to_string(l.states[3]) + " not-yet-valid\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gh::cli
