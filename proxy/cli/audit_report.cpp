// `gatehouse audit report FILE... [--since] [--until] [--by] [--format]`:
// attempts (blocked, monitored, approved, total) per group (README "Commands"), and
// with --format html the self-contained page of README "gatehouse audit report". Every format comes
// from one streaming pass over the files.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <system_error>

#include "audit/line_reader.hpp"
#include "audit/progress.hpp"
#include "audit/report.hpp"
#include "audit/report_html.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"

namespace gh::cli {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The rules give the HTML report its time zone, titles and approvals. An
// explicit --config must load; the default one is used if it is there and
// valid, and the report is made without it otherwise (README "Rule files").
int load_rules(const AuditReportOptions& o, LoadResult& res) {
  if (!o.config_given && !exists(o.config)) return 0;
  try {
    res = load_config(o.config, Clock::now());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse audit report: %s\n", e.what());
    return o.config_given ? 3 : 0;
  }
  if (res.ok()) return 0;
  for (const Diagnostic& d : res.diagnostics)
    if (d.severity == Severity::error) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (o.config_given) return 1;
  std::fprintf(stderr, "gatehouse audit report: %s has errors; reporting without it\n",
               o.config.c_str());
  return 0;
}

}  // namespace

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
                   "gatehouse audit report: --by: unknown group '%s' (department, app, client, "
                   "user)\n",
                   b.c_str());
      return 2;
    }
    by.push_back(k);
  }
  if (by.empty()) by = {ReportKey::department, ReportKey::app};
  const bool html = o.format == "html";
  if (o.format != "table" && o.format != "csv" && o.format != "json" && !html) {
    std::fprintf(stderr, "gatehouse audit report: --format must be table, csv, json or html\n");
    return 2;
  }
  LoadResult rules;
  if (html) {
    if (int rc = load_rules(o, rules); rc != 0) return rc;
  }

  AttemptReport report(by, window);
  if (html) report.enable_overview(rules.ok() ? rules.rules->policy.timezone : "UTC");
  ProgressMeter progress(STDERR_FILENO, ::isatty(STDERR_FILENO) == 1, "audit report",
                         o.files.size());
  for (const auto& f : o.files) {
    try {
      LineReader reader(f);
      std::string_view line;
      bool terminated = false;
      for (;;) {
        auto s = reader.next(line, terminated);
        if (s == LineReader::Status::end) break;
        if (s == LineReader::Status::line && terminated) report.add_line(line);
        progress.record();
      }
    } catch (const std::system_error& e) {
      progress.finish();
      std::fprintf(stderr, "gatehouse audit report: cannot read %s\n", e.what());
      return 3;
    }
    progress.file_done();
  }
  progress.finish();
  if (report.skipped_lines() > 0) {
    std::fprintf(stderr, "gatehouse audit report: skipped %llu lines that are not records\n",
                 static_cast<unsigned long long>(report.skipped_lines()));
  }
  std::string out;
  if (html) {
    HtmlReportInput in;
    in.report = &report;
    in.rules = rules.ok() ? rules.rules.get() : nullptr;
    in.config_path = o.config;
    in.files = o.files;
    in.generated = Clock::now();
    out = render_html_report(in);
  } else {
    out = o.format == "csv" ? report.csv() : o.format == "json" ? report.json() : report.table();
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace gh::cli
