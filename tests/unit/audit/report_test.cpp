#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "audit/json_text.hpp"
#include "audit/line_reader.hpp"
#include "audit/report.hpp"
#include "audit/writer.hpp"
#include "test_util.hpp"

using namespace gh;
using gh::test::TempDir;

namespace {

AuditRecord rec(const char* ts, const char* dept, const char* app, Action a, Reason r,
                const char* client = "10.20.5.7:1000") {
  AuditRecord x;
  x.ts = *parse_audit_time(ts);
  x.client = client;
  if (dept) x.department = dept;
  if (app) x.app = app;
  x.listener = "forward";
  x.method = "GET";
  x.action = a;
  x.reason = r;
  return x;
}

AttemptReport run(const std::string& path, std::vector<ReportKey> by, ReportWindow w = {}) {
  AttemptReport report(std::move(by), w);
  LineReader reader(path);
  std::string_view line;
  bool term;
  while (reader.next(line, term) == LineReader::Status::line) report.add_line(line);
  return report;
}

// A small generated log: known counts per department and app.
std::string generate(const TempDir& dir) {
  std::string path = dir / "audit.jsonl";
  AuditWriter w(test::settings_for(path), "rep");
  auto add = [&](AuditRecord r, int times) {
    for (int i = 0; i < times; ++i) w.submit_wait(r);
  };
  const char* day1 = "2026-11-21T09:00:00.000Z";
  const char* day2 = "2026-11-22T10:00:00.000Z";
  add(rec(day1, "immigration", "whatsapp-web", Action::block, Reason::category_blocked), 3);
  add(rec(day2, "immigration", "whatsapp-web", Action::allow, Reason::approved), 5);
  add(rec(day2, "immigration", "gmail", Action::allow, Reason::monitored), 2);
  add(rec(day2, "finance", "whatsapp-web", Action::block, Reason::category_blocked,
          "10.30.0.9:2000"),
      4);
  add(rec(day2, "finance", nullptr, Action::allow, Reason::uncategorized, "10.30.0.9:2001"), 6);
  add(rec(day2, nullptr, nullptr, Action::deny, Reason::client_not_allowed, "192.0.2.1:3"), 1);
  // A close event is not an attempt.
  AuditRecord close = rec(day2, "immigration", "whatsapp-web", Action::allow, Reason::approved);
  close.event = AuditEvent::close;
  close.ref = "gh-rep-4";
  add(close, 2);
  // An approved CONNECT tunnel: authority record, then the SNI record — one attempt.
  AuditRecord auth =
      rec(day2, "immigration", "whatsapp-web", Action::allow, Reason::approved, "10.20.5.8:4444");
  auth.method = "CONNECT";
  add(auth, 1);
  AuditRecord sni = auth;
  sni.sni = "web.whatsapp.com";
  add(sni, 1);
  // A CONNECT allowed on its IP authority, blocked by its SNI: counts as blocked, by the SNI's app.
  AuditRecord ip =
      rec(day2, "finance", nullptr, Action::allow, Reason::uncategorized, "10.30.0.9:5555");
  ip.method = "CONNECT";
  add(ip, 1);
  AuditRecord ip_sni = ip;
  ip_sni.sni = "web.whatsapp.com";
  ip_sni.app = "whatsapp-web";
  ip_sni.action = Action::block;
  ip_sni.reason = Reason::category_blocked;
  add(ip_sni, 1);
  return path;
}

}  // namespace

TEST_CASE("report: attempts by department and app", "[audit][report]") {
  TempDir dir;
  std::string path = generate(dir);
  auto r = run(path, {ReportKey::department, ReportKey::app});
  CHECK(r.skipped_lines() == 0);
  CHECK(r.table() ==
        "department   app           blocked  monitored  approved  total\n"
        "-            -                   0          0         0      1\n"
        "finance      -                   0          0         0      6\n"
        "finance      whatsapp-web        5          0         0      5\n"
        "immigration  gmail               0          2         0      2\n"
        "immigration  whatsapp-web        3          0         6      9\n"
        "TOTAL                            8          2         6     23\n");
  CHECK(r.csv() ==
        "department,app,blocked,monitored,approved,total\r\n"
        ",,0,0,0,1\r\n"
        "finance,,0,0,0,6\r\n"
        "finance,whatsapp-web,5,0,0,5\r\n"
        "immigration,gmail,0,2,0,2\r\n"
        "immigration,whatsapp-web,3,0,6,9\r\n");
  auto j = nlohmann::json::parse(r.json());
  CHECK(j["by"] == nlohmann::json::array({"department", "app"}));
  CHECK(j["since"].is_null());
  REQUIRE(j["rows"].size() == 5);
  CHECK(j["rows"][0]["department"].is_null());
  CHECK(j["rows"][4] == nlohmann::json::parse(R"({"department":"immigration","app":"whatsapp-web",
        "blocked":3,"monitored":0,"approved":6,"total":9})"));
  CHECK(j["totals"] ==
        nlohmann::json::parse(R"({"blocked":8,"monitored":2,"approved":6,"total":23})"));
}

TEST_CASE("report: time window and grouping by client", "[audit][report]") {
  TempDir dir;
  std::string path = generate(dir);
  ReportWindow w;
  w.since = parse_report_time("2026-11-22", false);
  w.until = parse_report_time("2026-11-22", true);  // the whole day
  auto r = run(path, {ReportKey::client}, w);
  CHECK(r.csv() ==
        "client,blocked,monitored,approved,total\r\n"
        "10.20.5.7,0,2,5,7\r\n"
        "10.20.5.8,0,0,1,1\r\n"
        "10.30.0.9,5,0,0,11\r\n"
        "192.0.2.1,0,0,0,1\r\n");
  ReportWindow only_day1;
  only_day1.until = parse_report_time("2026-11-22T00:00:00Z", true);
  auto r1 = run(path, {ReportKey::department}, only_day1);
  CHECK(r1.csv() == "department,blocked,monitored,approved,total\r\nimmigration,3,0,0,3\r\n");
  CHECK_FALSE(parse_report_time("yesterday", false));
  CHECK(format_timestamp(*parse_report_time("2026-11-22", true)) == "2026-11-23T00:00:00.000Z");
}

// A tunnel refused on its first bytes has a second record without an SNI
// (bad-client-hello, client-hello-timeout, non-tls-tunnel): still one attempt.
TEST_CASE("report: a tunnel refused on its first bytes counts once", "[audit][report]") {
  for (Reason why :
       {Reason::bad_client_hello, Reason::client_hello_timeout, Reason::non_tls_tunnel}) {
    TempDir dir;
    std::string path = dir / "audit.jsonl";
    {
      AuditWriter w(test::settings_for(path), "rep");
      AuditRecord first = rec("2026-11-22T10:00:00.000Z", "finance", nullptr, Action::allow,
                              Reason::uncategorized, "10.30.0.9:7000");
      first.method = "CONNECT";
      w.submit_wait(first);
      AuditRecord second = first;
      second.action = why == Reason::client_hello_timeout ? Action::deny : Action::block;
      second.reason = why;
      w.submit_wait(second);
    }
    auto r = run(path, {ReportKey::department});
    INFO(to_string(why));
    CHECK(r.totals().total == 1);
    CHECK(r.totals().blocked == (why == Reason::client_hello_timeout ? 0 : 1));
  }
}
