// README "Rule files" in rule files: schedules, first-match verdict lists and
// department verdicts; their diagnostics with file:line:col; the zone's
// offsets, DST included.
#include <catch2/catch.hpp>

#include "base_tree.hpp"
#include "config/calendar.hpp"
#include "policy/decide.hpp"

using namespace gh;
using namespace gh::test;

namespace {

// The base tree's main file with schedules; line numbers are part of the tests.
const char* kScheduledMain =
    "listen:\n"                                                                       // 1
    "  - { address: \"127.0.0.1:3128\", mode: forward }\n"                            // 2
    "clients: { allow: [\"10.0.0.0/8\", \"127.0.0.0/8\"] }\n"                         // 3
    "include:\n"                                                                      // 4
    "  categories: \"categories/*.yaml\"\n"                                           // 5
    "  departments: \"departments.yaml\"\n"                                           // 6
    "  approvals: \"approvals.yaml\"\n"                                               // 7
    "schedules:\n"                                                                    // 8
    "  lunch: { days: [mon, tue, wed, thu, fri], from: \"12:00\", to: \"14:00\" }\n"  // 9
    "  night: { days: [fri], from: \"22:00\", to: \"06:00\" }\n"                      // 10
    "policy:\n"                                                                       // 11
    "  categories:\n"                                                                 // 12
    "    im: block\n"                                                                 // 13
    "    mail:\n"                                                                     // 14
    "      - { schedule: lunch, action: monitor }\n"                                  // 15
    "      - { action: block }\n"                                                     // 16
    "  timezone: \"Asia/Hong_Kong\"\n";                                               // 17

const char* kOverridingDepartments =
    "departments:\n"                                                          // 1
    "  - id: immigration\n"                                                   // 2
    "    networks: [\"10.20.0.0/16\"]\n"                                      // 3
    "  - id: finance\n"                                                       // 4
    "    networks: [\"10.30.0.0/16\"]\n"                                      // 5
    "    policy:\n"                                                           // 6
    "      categories:\n"                                                     // 7
    "        mail: monitor\n"                                                 // 8
    "        im: [{ schedule: night, action: allow }, { action: block }]\n";  // 9

std::string diags_of(const TempTree& t) {
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  std::string out = formatted(r);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = out.find(root)) != std::string::npos;) out.erase(p, root.size());
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const std::size_t p = s.find(from);
  REQUIRE(p != std::string::npos);
  return s.replace(p, from.size(), to);
}

Request connect_to(const char* client, std::string_view host) {
  Request q;
  q.client = *IpAddress::parse(client);
  q.connect = true;
  q.method = "CONNECT";
  q.host = host;
  q.port = 443;
  return q;
}

TimePoint at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

void write_scheduled(const TempTree& t) {
  write_base(t);
  t.write("gatehouse.yaml", kScheduledMain);
  t.write("departments.yaml", kOverridingDepartments);
}

}  // namespace

TEST_CASE("schedules, lists and department verdicts load and decide", "[config][schedules]") {
  TempTree t;
  write_scheduled(t);
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.empty());
  const RuleSet& r = *res.rules;
  REQUIRE(r.schedules.size() == 2);
  CHECK(r.schedules[0].windows.size() == 5);
  CHECK(r.schedules[0].location.ends_with("gatehouse.yaml:9"));

  // Lunch in Hong Kong (UTC+8), Monday 2026-11-23.
  auto d =
      decide(r, connect_to("10.20.1.1", "x.mail.example.net"), at("2026-11-23T12:30:00+08:00"));
  CHECK(d.reason == Reason::monitored);
  CHECK(schedule_id(r, d) == "lunch");
  d = decide(r, connect_to("10.20.1.1", "x.mail.example.net"), at("2026-11-23T12:30:00Z"));
  CHECK(d.reason == Reason::category_blocked);
  CHECK(schedule_id(r, d).empty());
  // finance monitors mail at any hour, and may use IM on Friday nights.
  d = decide(r, connect_to("10.30.1.1", "x.mail.example.net"), at("2026-11-23T09:00:00+08:00"));
  CHECK(d.reason == Reason::monitored);
  d = decide(r, connect_to("10.30.1.1", "web.chat.example.com"), at("2026-11-28T05:59:00+08:00"));
  CHECK(d.reason == Reason::category_allowed);
  CHECK(schedule_id(r, d) == "night");
  d = decide(r, connect_to("10.30.1.1", "web.chat.example.com"), at("2026-11-28T06:00:00+08:00"));
  CHECK(d.reason == Reason::category_blocked);
}

TEST_CASE("schedule diagnostics: days, times, empty and overlapping windows",
          "[config][schedules]") {
  TempTree t;
  write_scheduled(t);
  t.write("gatehouse.yaml", replace(kScheduledMain, "[mon, tue, wed, thu, fri]", "[mon, tues]"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:24: error: bad day 'tues' (use mon, tue, wed, thu, fri, sat, sun)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "from: \"12:00\"", "from: \"12:60\""));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:51: error: bad time '12:60' (use HH:MM, 00:00 to 23:59)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "to: \"14:00\"", "to: \"2pm\""));
  CHECK(diags_of(t) == "gatehouse.yaml:9:64: error: bad time '2pm' (use HH:MM, 00:00 to 24:00)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "to: \"14:00\"", "to: \"12:00\""));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:64: error: empty window: from and to are both '12:00' (to before from "
        "crosses midnight)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "[mon, tue, wed, thu, fri]", "[]"));
  CHECK(diags_of(t) == "gatehouse.yaml:9:18: error: empty window: no days\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "[mon, tue, wed, thu, fri]", "[mon, mon]"));
  CHECK(diags_of(t) == "gatehouse.yaml:9:24: warning: day 'mon' is listed twice\n");
  t.write("gatehouse.yaml",
          replace(kScheduledMain, "  night: { days: [fri], from: \"22:00\", to: \"06:00\" }\n",
                  "  night:\n"
                  "    - { days: [fri], from: \"22:00\", to: \"06:00\" }\n"
                  "    - { days: [sat], from: \"05:00\", to: \"07:00\" }\n"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:12:16: warning: this window of schedule 'night' overlaps the one at line "
        "11 (merge them if that is meant)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "to: \"14:00\" }", "to: \"14:00\", form: x }"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:73: error: unknown key 'form' in schedule window (did you mean "
        "'from'?)\n");
}

TEST_CASE("verdict list diagnostics", "[config][schedules]") {
  TempTree t;
  write_scheduled(t);
  t.write("gatehouse.yaml", replace(kScheduledMain, "schedule: lunch", "schedule: lunchtime"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:15:21: error: unknown schedule 'lunchtime' (defined: lunch, night)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "      - { action: block }\n", ""));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:15:7: error: a verdict list must end with an entry without a schedule "
        "(what applies outside every schedule)\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "      - { action: block }\n",
                                    "      - { action: block }\n"
                                    "      - { schedule: night, action: allow }\n"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:17:9: warning: this entry is never used: the entry without a schedule "
        "above it always applies\n");
  t.write("gatehouse.yaml", replace(kScheduledMain, "action: monitor", "action: watch"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:15:36: error: expected block, monitor or allow, got 'watch'\n");
}

TEST_CASE("department verdict diagnostics", "[config][schedules]") {
  TempTree t;
  write_scheduled(t);
  t.write("departments.yaml",
          replace(kOverridingDepartments, "        mail: monitor\n", "        webmail: monitor\n"));
  CHECK(diags_of(t) ==
        "departments.yaml:8:9: error: unknown category 'webmail' in the policy of department "
        "'finance'\n");
  t.write("departments.yaml", replace(kOverridingDepartments, "schedule: night", "schedule: nite"));
  CHECK(diags_of(t) ==
        "departments.yaml:9:26: error: unknown schedule 'nite' (defined: lunch, night)\n");
  t.write("departments.yaml",
          replace(kOverridingDepartments, "      categories:\n", "      categorys:\n"));
  CHECK(diags_of(t) ==
        "departments.yaml:7:7: error: unknown key 'categorys' in department policy (did you mean "
        "'categories'?)\n"
        "departments.yaml:7:7: error: missing key 'categories' in department policy\n");
}

TEST_CASE("zone offsets follow DST: Europe/London and Asia/Hong_Kong", "[config][schedules]") {
  const UtcOffsets london(zone_offsets("Europe/London"));
  CHECK(london.offset_at(at("2026-03-29T00:59:59Z")) == 0);
  CHECK(london.offset_at(at("2026-03-29T01:00:00Z")) == 3600);
  CHECK(london.offset_at(at("2026-10-25T00:59:59Z")) == 3600);
  CHECK(london.offset_at(at("2026-10-25T01:00:00Z")) == 0);
  // 12:30 in London is 11:30Z in summer, 12:30Z in winter.
  CHECK(london.minute_of_week(at("2026-07-06T11:30:00Z")) == 750);
  CHECK(london.minute_of_week(at("2026-11-23T12:30:00Z")) == 750);

  const UtcOffsets hk(zone_offsets("Asia/Hong_Kong"));
  CHECK(hk.offset_at(at("2026-07-01T00:00:00Z")) == 8 * 3600);
  CHECK(hk.offset_at(at("2026-01-01T00:00:00Z")) == 8 * 3600);
  // Hong Kong's last summer time: 1979-05-13 03:30 to 1979-10-21 03:30 local.
  CHECK(hk.offset_at(at("1979-05-12T19:29:59Z")) == 8 * 3600);
  CHECK(hk.offset_at(at("1979-05-12T19:30:00Z")) == 9 * 3600);
  CHECK(hk.offset_at(at("1979-10-20T18:30:00Z")) == 8 * 3600);

  CHECK(zone_offsets("UTC").empty());
}

TEST_CASE("a London lunch schedule across the DST change", "[config][schedules]") {
  TempTree t;
  write_scheduled(t);
  t.write("gatehouse.yaml", replace(kScheduledMain, "Asia/Hong_Kong", "Europe/London"));
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  const RuleSet& r = *res.rules;
  const auto q = connect_to("10.20.1.1", "x.mail.example.net");
  // Friday 2026-03-27 (GMT) and Monday 2026-03-30 (BST): 12:00 local both days.
  CHECK(decide(r, q, at("2026-03-27T12:00:00Z")).reason == Reason::monitored);
  CHECK(decide(r, q, at("2026-03-27T11:00:00Z")).reason == Reason::category_blocked);
  CHECK(decide(r, q, at("2026-03-30T11:00:00Z")).reason == Reason::monitored);
  CHECK(decide(r, q, at("2026-03-30T13:00:00Z")).reason == Reason::category_blocked);
}
