// The HTML report's figures come from the same pass as the other formats:
// tunnels count once everywhere, days follow policy.timezone, approvals'
// uses and last use, and nothing from the log becomes markup.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "audit/json_text.hpp"
#include "audit/report.hpp"
#include "audit/report_html.hpp"
#include "audit/report_overview.hpp"

using namespace gh;

namespace {

struct Line {
  std::string ts = "2026-11-22T10:00:00.000Z";
  std::string client = "10.20.5.7:1000";
  const char* department = "immigration";
  const char* user = nullptr;
  const char* method = "GET";
  const char* sni = nullptr;
  const char* category = "instant-messaging-web";
  const char* app = "whatsapp-web";
  const char* action = "block";
  const char* reason = "category-blocked";
  const char* approval = nullptr;
  const char* event = "decision";
};

std::string json_line(const Line& l) {
  auto opt = [](const char* s) { return s ? nlohmann::json(s) : nlohmann::json(nullptr); };
  nlohmann::ordered_json j;
  j["ts"] = l.ts;
  j["event"] = l.event;
  j["client"] = l.client;
  j["department"] = opt(l.department);
  j["user"] = opt(l.user);
  j["method"] = l.method;
  j["host"] = "h.example";
  j["sni"] = opt(l.sni);
  j["category"] = opt(l.category);
  j["app"] = opt(l.app);
  j["action"] = l.action;
  j["reason"] = l.reason;
  j["approval"] = opt(l.approval);
  return j.dump();
}

AttemptReport overview_of(const std::vector<Line>& lines, const std::string& zone = "UTC") {
  AttemptReport r({ReportKey::department, ReportKey::app}, {});
  r.enable_overview(zone);
  for (const auto& l : lines) r.add_line(json_line(l));
  return r;
}

std::string html_of(const AttemptReport& r, const RuleSet* rules = nullptr) {
  HtmlReportInput in;
  in.report = &r;
  in.rules = rules;
  in.files = {"var/audit.jsonl"};
  in.generated = *parse_audit_time("2026-12-01T00:00:00Z");
  return render_html_report(in);
}

// True if some tag of the page has a src= or href= attribute. (No std::regex:
// g++ 12 warns inside <regex> at -O2 with sanitizers.)
bool tag_references(const std::string& page) {
  for (std::size_t lt = page.find('<'); lt != std::string::npos; lt = page.find('<', lt + 1)) {
    std::string tag = page.substr(lt, page.find('>', lt) - lt);
    for (const char* a : {" src=", " href=", " src =", " href ="})
      if (tag.find(a) != std::string::npos) return true;
  }
  return false;
}

// The number shown above a KPI label.
std::string kpi(const std::string& page, const std::string& label) {
  const std::string tail = "</div><div class=\"kpi-label\">" + label + "<";
  auto end = page.find(tail);
  if (end == std::string::npos) return "?";
  const std::string head = "<div class=\"kpi-value\">";
  auto start = page.rfind(head, end);
  return start == std::string::npos ? "?"
                                    : page.substr(start + head.size(), end - start - head.size());
}

}  // namespace

TEST_CASE("overview: the figures behind each chart", "[audit][report][html]") {
  std::vector<Line> lines;
  Line blocked;
  lines.push_back(blocked);
  lines.push_back(blocked);
  Line mail;
  mail.category = "personal-webmail";
  mail.app = "gmail";
  mail.action = "allow";
  mail.reason = "monitored";
  mail.client = "10.20.5.9:2000";
  mail.user = "alice";
  lines.push_back(mail);
  Line plain;  // uncategorised: counted in totals and departments, not in the charts of apps
  plain.category = nullptr;
  plain.app = nullptr;
  plain.action = "allow";
  plain.reason = "uncategorized";
  lines.push_back(plain);
  Line approved;
  approved.action = "allow";
  approved.reason = "approved";
  approved.approval = "IMM-2026-014";
  approved.ts = "2026-11-23T08:00:00.000Z";
  lines.push_back(approved);

  auto r = overview_of(lines);
  const ReportOverview& o = *r.overview();
  CHECK(r.totals().total == 5);
  const auto& days = o.categories_by_day();
  REQUIRE(days.size() == 2);
  CHECK(days.begin()->second.at("instant-messaging-web") == 2);
  CHECK(days.begin()->second.at("personal-webmail") == 1);
  CHECK(days.rbegin()->second.at("instant-messaging-web") == 1);
  const auto& apps = o.apps_by_department().at("immigration");
  CHECK(apps.at("whatsapp-web").blocked == 2);
  CHECK(apps.at("whatsapp-web").approved == 1);
  CHECK(apps.at("gmail").monitored == 1);
  CHECK(o.departments().at("immigration").total == 5);
  CHECK(o.clients().at("10.20.5.7").total == 3);  // address without the port
  CHECK(o.clients().at("10.20.5.9").monitored == 1);
  REQUIRE(o.users().size() == 1);
  CHECK(o.users().at("alice").total == 1);
  CHECK(o.approvals().at("IMM-2026-014").uses == 1);
  CHECK(format_timestamp(*o.approvals().at("IMM-2026-014").last) == "2026-11-23T08:00:00.000Z");
  CHECK(format_timestamp(*o.first()) == "2026-11-22T10:00:00.000Z");
  CHECK(format_timestamp(*o.last()) == "2026-11-23T08:00:00.000Z");
}

TEST_CASE("overview: a CONNECT tunnel counts once, with its SNI outcome", "[audit][report][html]") {
  Line authority;
  authority.method = "CONNECT";
  authority.category = nullptr;
  authority.app = nullptr;
  authority.action = "allow";
  authority.reason = "uncategorized";
  authority.client = "10.20.5.8:4444";
  Line sni = authority;
  sni.sni = "web.whatsapp.com";
  sni.category = "instant-messaging-web";
  sni.app = "whatsapp-web";
  sni.action = "allow";
  sni.reason = "approved";
  sni.approval = "IMM-2026-014";
  auto r = overview_of({authority, sni});
  const ReportOverview& o = *r.overview();
  CHECK(r.totals().total == 1);
  CHECK(o.departments().at("immigration").total == 1);
  CHECK(o.departments().at("immigration").approved == 1);
  CHECK(o.clients().at("10.20.5.8").total == 1);
  CHECK(o.approvals().at("IMM-2026-014").uses == 1);
  // Both records named the approval: still one use.
  Line auth_approved = sni;
  auth_approved.sni = nullptr;
  auto r2 = overview_of({auth_approved, sni});
  CHECK(r2.overview()->approvals().at("IMM-2026-014").uses == 1);
  CHECK(r2.overview()->categories_by_day().begin()->second.at("instant-messaging-web") == 1);
}

TEST_CASE("overview: days are those of policy.timezone", "[audit][report][html]") {
  Line late;
  late.ts = "2026-11-21T17:00:00.000Z";  // 01:00 on the 22nd in Hong Kong
  auto utc = overview_of({late});
  auto hk = overview_of({late}, "Asia/Hong_Kong");
  CHECK(format_day(utc.overview()->categories_by_day().begin()->first) == "2026-11-21");
  CHECK(format_day(hk.overview()->categories_by_day().begin()->first) == "2026-11-22");
  std::string page = html_of(hk);
  CHECK(page.find("2026-11-22") != std::string::npos);
  CHECK(page.find("Asia/Hong_Kong") != std::string::npos);
}

TEST_CASE("html: hostile strings from the log stay text", "[audit][report][html]") {
  Line evil;
  evil.app = "<script>alert(1)</script>";
  evil.category = "\"><img src=x onerror=alert(2)>";
  evil.department = "<b>dept</b>";
  evil.user = "'><svg onload=alert(3)>";
  evil.approval = "</table><script>";
  evil.action = "allow";
  evil.reason = "approved";
  evil.client = "<iframe>:1";
  auto r = overview_of({evil, evil});
  std::string page = html_of(r);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("<iframe") == std::string::npos);
  CHECK(page.find("<b>") == std::string::npos);
  CHECK(page.find("onload=alert") != std::string::npos);  // there as text ...
  CHECK(page.find("<svg onload") == std::string::npos);   // ... never as an element
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  // Self-contained: nothing to fetch, nothing to run.
  CHECK(page.find("http:") == std::string::npos);
  CHECK(page.find("https:") == std::string::npos);
  CHECK_FALSE(tag_references(page));
  CHECK(tag_references("<a href=\"x\">"));  // the check itself can fail
  CHECK(page.find("Content-Security-Policy") != std::string::npos);
}

TEST_CASE("html: headline counts and sections, with and without rules", "[audit][report][html]") {
  std::vector<Line> lines(3);
  Line mail;
  mail.category = "personal-webmail";
  mail.app = "gmail";
  mail.action = "allow";
  mail.reason = "monitored";
  lines.push_back(mail);
  auto r = overview_of(lines);
  std::string page = html_of(r);
  CHECK(kpi(page, "Blocked") == "3");
  CHECK(kpi(page, "Monitored") == "1");
  CHECK(kpi(page, "Decisions recorded") == "4");
  for (const char* id : {"over-time", "outcomes", "apps", "clients", "approvals", "groups"}) {
    INFO(id);
    CHECK(page.find(std::string("<section id=\"") + id + "\"") != std::string::npos);
  }
  CHECK(page.find("id=\"users\"") == std::string::npos);  // no user in these records
  CHECK(page.find("Run with <code>--config</code>") == std::string::npos);  // no approval used

  RuleSet rules;
  rules.categories.push_back({"personal-webmail", "Personal webmail", Verdict::monitor});
  rules.apps.push_back({"gmail", "Gmail", 0});
  rules.departments.push_back({"immigration", "Immigration Department", "Director"});
  Approval a;
  a.id = "IMM-2026-014";
  a.department = 0;
  a.scope = ApprovalScope::app;
  a.target = 0;
  a.approved_by = "Director";
  a.granted = "2026-04-01";
  a.expires = "2026-12-10";
  a.valid_from = *parse_audit_time("2026-04-01T00:00:00Z");
  a.valid_until = *parse_audit_time("2026-12-11T00:00:00Z");
  rules.approvals.push_back(a);
  std::string titled = html_of(r, &rules);
  CHECK(titled.find("Immigration Department (immigration)") != std::string::npos);
  CHECK(titled.find(">Gmail<") != std::string::npos);
  CHECK(titled.find("Personal webmail") != std::string::npos);
  // Generated 2026-12-01: ten days before the end of 2026-12-10.
  CHECK(titled.find("<td>expiring</td>") != std::string::npos);
  CHECK(titled.find("Expiring within 14 days:") != std::string::npos);
  CHECK(titled.find("candidates to retire") != std::string::npos);
}
