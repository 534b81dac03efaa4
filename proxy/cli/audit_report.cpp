// `gatehouse audit report FILE... [--since] [--until] [--by] [--format]`:
// attempts (blocked, monitored, approved, total) per group (SPEC §2).
#include <cstdio>
#include <system_error>

#include "audit/line_reader.hpp"
#include "audit/report.hpp"
#include "cli/commands.hpp"

namespace gh::cli {

int audit_report(const AuditReportOptions& o) {
  ReportWindow window;
  if (!o.since.empty() && !(window.since = parse_report_time(o.since, false))) {
    std::fprintf(stderr, "gatehouse audit report: --since: not RFC 3339 or YYYY-MM-DD: %s\n",
                 o.since.c_str());
    return 2;
  }
  if (!o.until.empty() && !(window.until = parse_report_time(o.until, true))) {
    std::fprintf(stderr, "gatehouse audit report: --until: not RFC 3339 or YYYY-MM-DD: %s\n",
                 o.until.c_str());
    return 2;
  }
  std::vector<ReportKey> by;
  for (const auto& b : o.by) {
    ReportKey k;
    if (!parse_report_key(b, k)) {
      std::fprintf(stderr,
                   "gatehouse audit report: --by: unknown group '%s' (department, app, client)\n",
                   b.c_str());
      return 2;
    }
    by.push_back(k);
  }
  if (by.empty()) by = {ReportKey::department, ReportKey::app};
  if (o.format != "table" && o.format != "csv" && o.format != "json") {
    std::fprintf(stderr, "gatehouse audit report: --format must be table, csv or json\n");
    return 2;
  }
  AttemptReport report(by, window);
  for (const auto& f : o.files) {
    try {
      LineReader reader(f);
      std::string_view line;
      bool terminated = false;
      for (;;) {
        auto s = reader.next(line, terminated);
        if (s == LineReader::Status::end) break;
        if (s == LineReader::Status::line && terminated) report.add_line(line);
      }
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "gatehouse audit report: cannot read %s\n", e.what());
      return 3;
    }
  }
  if (report.skipped_lines() > 0) {
    std::fprintf(stderr, "gatehouse audit report: skipped %llu lines that are not records\n",
                 static_cast<unsigned long long>(report.skipped_lines()));
  }
  std::string out = o.format == "csv"    ? report.csv()
                    : o.format == "json" ? report.json()
                                         : report.table();
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gh::cli
