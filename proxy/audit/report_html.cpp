// The page around the sections: head with the stylesheet, what was read and
// when, the headline figures, and a footer saying how things are counted.
#include "audit/report_html.hpp"

#include "audit/html_text.hpp"
#include "audit/report_html_parts.hpp"
#include "audit/report_overview.hpp"

namespace gh {
using html::append_html_escaped;
using html::group_digits;

namespace {

void kpi(std::string& out, const char* label, std::int64_t value, const char* cls,
         const char* note) {
  out += "<div class=\"kpi ";
  out += cls;
  out += "\"><div class=\"kpi-value\">" + group_digits(value) + "</div><div class=\"kpi-label\">";
  out += label;
  out += "</div><div class=\"kpi-note\">";
  out += note;
  out += "</div></div>";
}

std::string period(const ReportOverview& o, const ReportWindow& w) {
  const ZoneDays& z = o.zone();
  auto when = [&](std::optional<TimePoint> t) {
    return t ? z.format_minute(*t) : std::string("-");
  };
  std::string s;
  if (w.since || w.until) {
    s = "from " + (w.since ? when(w.since) : std::string("the start")) + " to " +
        (w.until ? when(w.until) : std::string("the end")) + "; ";
  }
  if (!o.first()) return s + "no records";
  return s + "records from " + when(o.first()) + " to " + when(o.last());
}

void meta(std::string& out, const char* term, const std::string& value) {
  out += "<div><dt>";
  out += term;
  out += "</dt><dd>";
  append_html_escaped(out, value);
  out += "</dd></div>";
}

}  // namespace

std::string render_html_report(const HtmlReportInput& in) {
  const AttemptReport& r = *in.report;
  const ReportOverview& o = *r.overview();
  const html::Names names(in.rules);
  const ZoneDays& z = o.zone();

  std::string out;
  out.reserve(64 * 1024);
  // The CSP keeps the page inert even if a future change forgot to escape:
  // no script, no fetch, styles only from this document.
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"generator\" content=\"gatehouse audit report\"><title>Shadow IT report";
  if (o.first()) {
    out += ", ";
    out += format_day(z.day_of(*o.first())) + " to " + format_day(z.day_of(*o.last()));
  }
  out += "</title><style>";
  out += html::stylesheet();
  out += "</style></head><body><main>";

  out +=
      "<header><p class=\"eyebrow\">gatehouse audit report</p><h1>Shadow IT report</h1>"
      "<p class=\"lead\">Attempts from department networks to reach web services that need a "
      "head of department's approval, and what the proxy did about them.</p><dl class=\"meta\">";
  meta(out, "Period", period(o, r.window()));
  meta(out, "Time zone", z.zone() + (in.rules ? " (policy.timezone)" : " (no config)"));
  meta(out, "Generated", z.format_minute(in.generated) + " " + z.format_offset(in.generated));
  std::string files = std::to_string(in.files.size()) + (in.files.size() == 1 ? " file" : " files");
  for (std::size_t i = 0; i < in.files.size() && i < 4; ++i)
    files += (i ? ", " : ": ") + in.files[i];
  if (in.files.size() > 4) files += ", \xE2\x80\xA6";
  meta(out, "Audit log", files);
  meta(out, "Rules",
       in.rules ? in.config_path
                : std::string("none: department names, app titles and approval "
                              "details are not shown"));
  out += "</dl></header>";

  const AttemptCounts t = r.totals();
  std::int64_t controlled = 0;
  for (const auto& [day, cats] : o.categories_by_day()) {
    for (const auto& [cat, v] : cats) controlled += v;
  }
  out += "<section class=\"kpis\" aria-label=\"Headline figures\">";
  kpi(out, "Decisions recorded", t.total, "total", "every request and tunnel");
  kpi(out, "Controlled services", controlled, "controlled", "attempts to a categorised app");
  kpi(out, "Blocked", t.blocked, "blocked", "policy said no");
  kpi(out, "Monitored", t.monitored, "monitored", "allowed and recorded");
  kpi(out, "Approved", t.approved, "approved", "allowed by an approval");
  out += "</section>";

  out += html::section_over_time(o, names);
  out += html::section_outcomes(o, names);
  out += html::section_apps(o, names);
  out += html::section_people(o);
  out += html::section_approvals(o, names, in.generated);
  out += html::section_groups(r);

  out +=
      "<footer><p>Counting: one attempt per request or tunnel. A CONNECT tunnel is decided "
      "on its authority and again on its TLS server name; it counts once, with the final "
      "outcome. Only decision records are attempts.";
  if (r.skipped_lines() > 0)
    out += " " + group_digits(static_cast<std::int64_t>(r.skipped_lines())) +
           " lines that are not records were skipped.";
  out += " Check the log's integrity with <code>gatehouse audit verify</code>.</p></footer>";
  out += "</main></body></html>\n";
  return out;
}

}  // namespace gh
