// README "Rule files": schedules and department verdicts, on rule sets built by hand
// with the time injected (no files, no clock, no sockets).
#include <catch2/catch.hpp>

#include <ctime>

#include "policy/decide.hpp"
#include "policy/schedule.hpp"

using namespace gh;

namespace {

TimePoint utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return Clock::from_time_t(timegm(&tm));
}

std::int64_t secs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

WeeklyWindow win(std::uint32_t day, const char* from, const char* to) {
  auto w = window_of(day, *parse_clock_time(from, false), *parse_clock_time(to, true));
  REQUIRE(w);
  return *w;
}

constexpr std::uint32_t kMon = 0, kFri = 4, kSat = 5, kSun = 6;

// categories: 0 mail (block; monitor at lunch), 1 im (block), 2 news (allow)
// departments: 0 press (mail: monitor; im: [night -> allow, block]), 1 finance (none)
// schedules: 0 lunch (weekdays 12:00-14:00), 1 night (fri 22:00 - sat 06:00)
RuleSet make_rules(UtcOffsets zone = {}) {
  RuleSet r;
  r.files = {"rules/categories/test.yaml"};
  r.schedules.push_back(Schedule{"lunch", {}, "rules/gatehouse.yaml:2"});
  for (std::uint32_t d = kMon; d <= kFri; ++d)
    r.schedules[0].windows.push_back(win(d, "12:00", "14:00"));
  r.schedules.push_back(Schedule{"night", {win(kFri, "22:00", "06:00")}, "rules/gatehouse.yaml:3"});
  r.local_time = std::move(zone);

  r.categories = {{"personal-webmail", "Mail", Verdict::block, {{0, Verdict::monitor}}},
                  {"instant-messaging-web", "IM", Verdict::block},
                  {"news", "News", Verdict::allow}};
  r.apps = {{"gmail", "Gmail", 0}, {"whatsapp-web", "WhatsApp Web", 1}, {"news-site", "N", 2}};
  r.departments = {{"press", "Press Office", "Head", {}}, {"finance", "Finance", "Head", {}}};
  r.departments[0].overrides.push_back(DepartmentVerdict{0, {}, Verdict::monitor});
  r.departments[0].overrides.push_back(DepartmentVerdict{1, {{1, Verdict::allow}}, Verdict::block});

  DomainMatcher::Builder b;
  for (std::uint32_t app = 0; app < 3; ++app) {
    r.sources.push_back(RuleSource{0, r.apps[app].category, app});
    r.entries.push_back(RuleEntry{app, 10 * (app + 1)});
  }
  b.add("mail.google.com", true, 0);
  b.add("web.whatsapp.com", true, 1);
  b.add("news.example", true, 2);
  r.domains = std::move(b).build();
  r.department_networks.insert(*Cidr::parse("10.40.0.0/16"), 0);
  r.department_networks.insert(*Cidr::parse("10.30.0.0/16"), 1);
  r.clients_allow.insert(*Cidr::parse("10.0.0.0/8"), 0);

  Approval a;  // finance may use WhatsApp Web, all of 2026
  a.id = "FIN-IM";
  a.department = 1;
  a.scope = ApprovalScope::app;
  a.target = 1;
  a.valid_from = utc(2026, 1, 1);
  a.valid_until = utc(2027, 1, 1);
  r.approvals = {a};
  r.approvals_by_department = {{}, {0}};
  return r;
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

// 2026-11-23 is a Monday, 2026-11-27 a Friday.
const TimePoint kMonLunch = utc(2026, 11, 23, 12, 30);
const TimePoint kMonMorning = utc(2026, 11, 23, 9, 0);

}  // namespace

TEST_CASE("clock times and days", "[schedule]") {
  CHECK(parse_clock_time("00:00", false) == 0u);
  CHECK(parse_clock_time("09:30", false) == 570u);
  CHECK(parse_clock_time("23:59", false) == 1439u);
  CHECK(parse_clock_time("24:00", true) == 1440u);
  CHECK_FALSE(parse_clock_time("24:00", false));
  CHECK_FALSE(parse_clock_time("24:01", true));
  CHECK_FALSE(parse_clock_time("12:60", false));
  CHECK_FALSE(parse_clock_time("9:30", false));
  CHECK_FALSE(parse_clock_time("09-30", false));
  CHECK_FALSE(parse_clock_time("0930", false));
  CHECK_FALSE(parse_clock_time("", false));
  CHECK_FALSE(parse_clock_time("ab:cd", false));
  CHECK(parse_weekday("mon") == 0u);
  CHECK(parse_weekday("sun") == 6u);
  CHECK_FALSE(parse_weekday("Mon"));
  CHECK_FALSE(parse_weekday("monday"));
  CHECK_FALSE(parse_weekday(""));
}

TEST_CASE("windows: plain, crossing midnight, wrapping the week, empty", "[schedule]") {
  const WeeklyWindow lunch = win(kMon, "12:00", "14:00");
  CHECK(lunch.start == 720);
  CHECK(lunch.end == 840);
  CHECK(lunch.contains(720));  // from is inside
  CHECK(lunch.contains(839));
  CHECK_FALSE(lunch.contains(840));  // to is outside
  CHECK_FALSE(lunch.contains(719));

  // README "Rule files": Friday 22:00 to Saturday 06:00 belongs to Friday.
  const WeeklyWindow night = win(kFri, "22:00", "06:00");
  const std::uint32_t fri = kFri * kMinutesPerDay, sat = kSat * kMinutesPerDay;
  CHECK(night.contains(fri + 22 * 60));
  CHECK(night.contains(sat + 5 * 60 + 59));
  CHECK_FALSE(night.contains(sat + 6 * 60));
  CHECK_FALSE(night.contains(fri + 21 * 60 + 59));
  CHECK_FALSE(night.contains(5 * 60));  // Monday 05:00: the window is Friday's only

  // Sunday night runs into Monday morning of the same weekly cycle.
  const WeeklyWindow sunday = win(kSun, "22:00", "06:00");
  CHECK(sunday.end > kMinutesPerWeek);
  CHECK(sunday.contains(kSun * kMinutesPerDay + 23 * 60));
  CHECK(sunday.contains(5 * 60 + 59));
  CHECK_FALSE(sunday.contains(6 * 60));

  const WeeklyWindow all_day = win(kSat, "00:00", "24:00");
  CHECK(all_day.end - all_day.start == kMinutesPerDay);

  CHECK_FALSE(window_of(kMon, 600, 600));  // empty
  CHECK_FALSE(window_of(7, 0, 60));        // no such day
  CHECK_FALSE(window_of(kMon, 1440, 60));  // from past the day
}

TEST_CASE("windows overlap, including across the end of the week", "[schedule]") {
  CHECK(win(kMon, "12:00", "14:00").overlaps(win(kMon, "13:00", "15:00")));
  CHECK_FALSE(win(kMon, "12:00", "14:00").overlaps(win(kMon, "14:00", "15:00")));  // adjacent
  CHECK(win(kSun, "22:00", "06:00").overlaps(win(kMon, "05:00", "07:00")));
  CHECK(win(kMon, "05:00", "07:00").overlaps(win(kSun, "22:00", "06:00")));
  CHECK_FALSE(win(kSun, "22:00", "06:00").overlaps(win(kMon, "06:00", "07:00")));
  CHECK(win(kFri, "22:00", "06:00").overlaps(win(kSat, "05:00", "08:00")));
}

TEST_CASE("UTC offsets: minute of the week in the zone", "[schedule]") {
  const UtcOffsets utc_zone;
  CHECK(utc_zone.offset_at(utc(2026, 6, 1)) == 0);
  CHECK(utc_zone.minute_of_week(utc(1970, 1, 5)) == 0);  // a Monday
  CHECK(utc_zone.minute_of_week(utc(2026, 11, 23, 12, 30)) == 750);
  CHECK(utc_zone.minute_of_week(utc(2026, 11, 29, 23, 59)) == kMinutesPerWeek - 1);

  // A frozen London-like table: +1h from 2026-03-29T01:00Z to 2026-10-25T01:00Z.
  const UtcOffsets london(
      {{0, 0}, {secs(utc(2026, 3, 29, 1)), 3600}, {secs(utc(2026, 10, 25, 1)), 0}});
  CHECK(london.offset_at(utc(2026, 3, 29, 0, 59, 59)) == 0);
  CHECK(london.offset_at(utc(2026, 3, 29, 1)) == 3600);
  CHECK(london.offset_at(utc(2026, 10, 25, 0, 59, 59)) == 3600);
  CHECK(london.offset_at(utc(2026, 10, 25, 1)) == 0);
  CHECK(london.offset_at(utc(2030, 1, 1)) == 0);  // after the table: the last offset
  // Sunday 2026-03-29 01:00Z is 02:00 local: minute 6*1440 + 120.
  CHECK(london.minute_of_week(utc(2026, 3, 29, 1)) == kSun * kMinutesPerDay + 120);
  // Before the table's first change: that change's offset.
  const UtcOffsets later({{secs(utc(2000, 1, 1)), 8 * 3600}});
  CHECK(later.offset_at(utc(1990, 1, 1)) == 8 * 3600);
}

TEST_CASE("a category's first-match list names the schedule that applied", "[decide][schedule]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("10.30.1.1", "mail.google.com"), kMonLunch);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::monitored);
  CHECK(schedule_id(r, d) == "lunch");

  d = decide(r, connect_to("10.30.1.1", "mail.google.com"), kMonMorning);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);
  CHECK(d.schedule == kNone);
  CHECK(schedule_id(r, d).empty());

  // Edges: in force from `from`, no longer at `to`; Saturday has no lunch.
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), utc(2026, 11, 23, 12, 0)).reason ==
        Reason::monitored);
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), utc(2026, 11, 23, 14, 0)).reason ==
        Reason::category_blocked);
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), utc(2026, 11, 28, 12, 30)).reason ==
        Reason::category_blocked);
}

TEST_CASE("schedules are read in policy.timezone", "[decide][schedule]") {
  // Hong Kong is UTC+8: lunch 12:00-14:00 local is 04:00-06:00Z.
  auto r = make_rules(UtcOffsets({{0, 8 * 3600}}));
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), utc(2026, 11, 23, 4, 30)).reason ==
        Reason::monitored);
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), kMonLunch).reason ==
        Reason::category_blocked);
}

TEST_CASE("a department's own verdict replaces the category's", "[decide][department]") {
  auto r = make_rules();
  // press: mail is monitored at any hour, no schedule named.
  auto d = decide(r, connect_to("10.40.1.1", "mail.google.com"), kMonMorning);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::monitored);
  CHECK(d.schedule == kNone);
  CHECK(department_id(r, d) == "press");
  // finance has no override: the category's verdict.
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), kMonMorning).action == Action::block);
  // A client in no department: the category's verdict.
  CHECK(decide(r, connect_to("10.50.1.1", "mail.google.com"), kMonMorning).action == Action::block);
  // Categories the department does not name keep their verdict.
  CHECK(decide(r, connect_to("10.40.1.1", "news.example"), kMonMorning).reason ==
        Reason::category_allowed);
  // Uncategorized stays policy.uncategorized.
  CHECK(decide(r, connect_to("10.40.1.1", "www.example.org"), kMonMorning).reason ==
        Reason::uncategorized);
}

TEST_CASE("a department's list form, with the window crossing midnight", "[decide][department]") {
  auto r = make_rules();
  const auto q = connect_to("10.40.1.1", "web.whatsapp.com");
  auto d = decide(r, q, utc(2026, 11, 27, 23, 0));  // Friday 23:00
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::category_allowed);
  CHECK(schedule_id(r, d) == "night");
  d = decide(r, q, utc(2026, 11, 28, 5, 59));  // Saturday 05:59: Friday's window still
  CHECK(d.action == Action::allow);
  CHECK(schedule_id(r, d) == "night");
  d = decide(r, q, utc(2026, 11, 28, 6, 0));  // Saturday 06:00: over
  CHECK(d.action == Action::block);
  CHECK(d.schedule == kNone);
  d = decide(r, q, utc(2026, 11, 28, 23, 0));  // Saturday 23:00: the window is Friday's
  CHECK(d.action == Action::block);
}

TEST_CASE("approvals still apply on top of a verdict", "[decide][department]") {
  auto r = make_rules();
  // finance: IM is blocked by the category but approved.
  auto d = decide(r, connect_to("10.30.1.1", "web.whatsapp.com"), kMonMorning);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::approved);
  CHECK(approval_id(r, d) == "FIN-IM");
  // Outside the approval's dates, blocked.
  d = decide(r, connect_to("10.30.1.1", "web.whatsapp.com"), utc(2027, 2, 1, 9));
  CHECK(d.action == Action::block);
  // A department override to block is lifted by an approval the same way.
  r.departments[1].overrides.push_back(DepartmentVerdict{2, {}, Verdict::block});
  r.approvals[0].scope = ApprovalScope::category;
  r.approvals[0].target = 2;
  d = decide(r, connect_to("10.30.1.1", "news.example"), kMonMorning);
  CHECK(d.reason == Reason::approved);
  r.approvals[0].target = 1;
  d = decide(r, connect_to("10.30.1.1", "news.example"), kMonMorning);
  CHECK(d.action == Action::block);
  CHECK(department_id(r, d) == "finance");
}

TEST_CASE("a schedule index out of range is never in force", "[decide][schedule]") {
  auto r = make_rules();
  r.categories[0].scheduled = {{7, Verdict::allow}};
  CHECK(decide(r, connect_to("10.30.1.1", "mail.google.com"), kMonLunch).action == Action::block);
}
