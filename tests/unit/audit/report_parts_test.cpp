// The pieces of the HTML report that are pure functions: escaping, local
// days in a time zone, time bins, approval states, progress lines.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "audit/approval_review.hpp"
#include "audit/html_text.hpp"
#include "audit/json_text.hpp"
#include "audit/local_days.hpp"
#include "audit/progress.hpp"
#include "audit/report_bins.hpp"
#include "audit/svg_chart.hpp"

using namespace gh;

namespace {

TimePoint at(const char* rfc3339) { return *parse_audit_time(rfc3339); }
std::int64_t day(int y, int m, int d) { return day_from_civil({y, m, d}); }

}  // namespace

TEST_CASE("html: every string from a log is text, never markup", "[audit][html]") {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"<script>", "&lt;script&gt;"},
      {"a\"b'c&d", "a&quot;b&#39;c&amp;d"},
      {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
      {std::string("x\x01y\x7fz", 5), "x\xEF\xBF\xBDy\xEF\xBF\xBDz"},
      {std::string("nul\0", 4), "nul\xEF\xBF\xBD"},
      {"\xff\xfe", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                  // overlong '/'
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // a surrogate
      {"caf\xC3\xA9 \xE4\xB8\xAD", "caf\xC3\xA9 \xE4\xB8\xAD"},  // valid UTF-8 stays
      {"tab\tand\nline", "tab\tand\nline"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(html::html_escape(c.in) == c.out);
  }
  CHECK(html::shorten("abcdef", 4) == "abc\xE2\x80\xA6");
  CHECK(html::shorten("abcd", 4) == "abcd");
  CHECK(html::shorten("\xC3\xA9\xC3\xA9\xC3\xA9", 2) ==
        "\xC3\xA9\xE2\x80\xA6");  // never mid-sequence
  CHECK(html::group_digits(0) == "0");
  CHECK(html::group_digits(999) == "999");
  CHECK(html::group_digits(1000) == "1,000");
  CHECK(html::group_digits(1234567) == "1,234,567");
}

TEST_CASE("svg: labels are escaped and the charts name no URL", "[audit][html]") {
  BarChart bars;
  bars.title = "t<i>";
  bars.series = {{"blocked", "#b42318"}};
  bars.rows = {{"<script>alert(1)</script>", {5}}};
  std::string svg = svg_bars(bars);
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;") != std::string::npos);
  CHECK(svg.find("t&lt;i&gt;") != std::string::npos);
  ColumnChart cols;
  cols.labels = {"<b>"};
  cols.values = {{3}};
  cols.series = {{"s\"", "#000"}};
  svg = svg_columns(cols);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("s&quot;: 3") != std::string::npos);
  for (const std::string& s : {svg, svg_bars(bars), svg_timeline({})}) {
    CHECK(s.find("http:") == std::string::npos);
    CHECK(s.find("https:") == std::string::npos);
  }
  CHECK(nice_step(0, 5) == 1);
  CHECK(nice_step(7, 5) == 2);
  CHECK(nice_step(50, 5) == 10);
  CHECK(nice_step(1234, 5) == 500);
}

TEST_CASE("local days: civil calendar and weekdays", "[audit][time]") {
  CHECK(day(1970, 1, 1) == 0);
  CHECK(day(2026, 11, 22) == 20779);
  for (std::int64_t d : {-800000LL, -1LL, 0LL, 59LL, 20779LL, 2932896LL}) {
    CivilDay c = civil_from_day(d);
    CHECK(day_from_civil(c) == d);
  }
  CHECK(format_day(day(2028, 2, 29)) == "2028-02-29");
  CHECK(weekday_of(day(2026, 11, 23)) == 0);  // a Monday
  CHECK(weekday_of(day(2026, 11, 22)) == 6);  // a Sunday
  CHECK(weekday_of(day(1969, 12, 29)) == 0);
}

TEST_CASE("local days: a record belongs to the day of policy.timezone", "[audit][time]") {
  ZoneDays utc("UTC");
  CHECK(utc.day_of(at("2026-11-21T23:59:59Z")) == day(2026, 11, 21));
  CHECK(utc.format_offset(at("2026-11-21T23:59:59Z")) == "Z");

  ZoneDays hk("Asia/Hong_Kong");  // UTC+8, no DST
  CHECK(hk.day_of(at("2026-11-21T15:59:59Z")) == day(2026, 11, 21));
  CHECK(hk.day_of(at("2026-11-21T16:00:00Z")) == day(2026, 11, 22));
  CHECK(hk.format_minute(at("2026-11-21T16:05:00Z")) == "2026-11-22 00:05");
  CHECK(hk.format_offset(at("2026-11-21T16:05:00Z")) == "+08:00");

  // DST: London is UTC+1 in summer; the change on 2026-03-29 is at 01:00 UTC.
  ZoneDays london("Europe/London");
  CHECK(london.offset_at(at("2026-03-29T00:59:59Z")) == 0);
  CHECK(london.offset_at(at("2026-03-29T01:00:00Z")) == 3600);
  CHECK(london.day_of(at("2026-07-01T23:30:00Z")) == day(2026, 7, 2));
  CHECK(london.day_of(at("2026-12-01T23:30:00Z")) == day(2026, 12, 1));
  CHECK(london.format_offset(at("2026-07-01T12:00:00Z")) == "+01:00");

  ZoneDays west("America/New_York");
  CHECK(west.day_of(at("2026-11-22T03:00:00Z")) == day(2026, 11, 21));
  CHECK(west.format_offset(at("2026-11-22T03:00:00Z")) == "-05:00");
}

TEST_CASE("bins: width follows the span of the log", "[audit][bins]") {
  const std::int64_t d0 = day(2026, 1, 1);
  CHECK(choose_bin_width(d0, d0) == BinWidth::day);
  CHECK(choose_bin_width(d0, d0 + 61) == BinWidth::day);  // 62 days
  CHECK(choose_bin_width(d0, d0 + 62) == BinWidth::week);
  CHECK(choose_bin_width(d0, d0 + 370) == BinWidth::week);  // 53 weeks
  CHECK(choose_bin_width(d0, d0 + 371) == BinWidth::month);
  CHECK(choose_bin_width(d0, d0 + 3650) == BinWidth::month);
}

TEST_CASE("bins: one day, empty days, weeks from Monday, months", "[audit][bins]") {
  std::map<std::int64_t, std::map<std::string, std::int64_t>> days;
  const std::int64_t sun = day(2026, 11, 22);
  days[sun] = {{"im", 3}, {"mail", 1}};
  auto one = bin_days(days, sun, sun, BinWidth::day);
  REQUIRE(one.size() == 1);
  CHECK(one[0].label == "2026-11-22");
  CHECK(one[0].axis_label == "11-22");
  CHECK(one[0].total == 4);
  CHECK_FALSE(one[0].partial);

  days[sun + 3] = {{"im", 2}};
  auto daily = bin_days(days, sun, sun + 3, BinWidth::day);
  REQUIRE(daily.size() == 4);
  CHECK(daily[1].total == 0);  // days without records are there, empty
  CHECK(daily[2].total == 0);
  CHECK(daily[3].counts.at("im") == 2);

  // Sunday 22nd is the end of the week of Monday 16th; Wednesday 25th in the next.
  auto weekly = bin_days(days, sun, sun + 3, BinWidth::week);
  REQUIRE(weekly.size() == 2);
  CHECK(weekly[0].label == "week of 2026-11-16");
  CHECK(weekly[0].first_day == day(2026, 11, 16));
  CHECK(weekly[0].total == 4);
  CHECK(weekly[0].partial);
  CHECK(weekly[1].label == "week of 2026-11-23");
  CHECK(weekly[1].total == 2);

  days[day(2027, 2, 28)] = {{"im", 7}};
  days[day(2027, 3, 1)] = {{"im", 1}};
  auto monthly = bin_days(days, sun, day(2027, 3, 1), BinWidth::month);
  REQUIRE(monthly.size() == 5);  // Nov, Dec, Jan, Feb, Mar
  CHECK(monthly[0].label == "2026-11");
  CHECK(monthly[0].total == 6);
  CHECK(monthly[3].label == "2027-02");
  CHECK(monthly[3].last_day == day(2027, 2, 28));
  CHECK(monthly[3].total == 7);
  CHECK(monthly[4].total == 1);
  CHECK(monthly[2].total == 0);
}

TEST_CASE("approvals: states at fixed times", "[audit][approvals]") {
  Approval a;
  a.id = "IMM-2026-014";
  a.valid_from = at("2026-04-01T00:00:00Z");
  a.valid_until = at("2027-04-01T00:00:00Z");  // expires 2027-03-31 inclusive
  CHECK(approval_state(a, at("2026-03-31T23:59:59Z")) == ApprovalState::not_yet_valid);
  CHECK(approval_state(a, at("2026-04-01T00:00:00Z")) == ApprovalState::active);
  CHECK(approval_state(a, at("2027-03-17T23:59:59Z")) == ApprovalState::active);
  CHECK(approval_state(a, at("2027-03-18T00:00:00Z")) == ApprovalState::expiring);  // 14 days left
  CHECK(approval_state(a, at("2027-03-31T23:59:59Z")) == ApprovalState::expiring);
  CHECK(approval_state(a, at("2027-04-01T00:00:00Z")) == ApprovalState::expired);
  CHECK(to_string(ApprovalState::not_yet_valid) == "not-yet-valid");
  CHECK(to_string(ApprovalState::expiring) == "expiring");

  RuleSet rules;
  rules.apps.push_back({"whatsapp-web", "WhatsApp Web", 0});
  rules.categories.push_back({"instant-messaging-web", "IM", Verdict::block});
  a.scope = ApprovalScope::app;
  a.target = 0;
  CHECK(approval_scope(rules, a) == "app:whatsapp-web");
  a.scope = ApprovalScope::category;
  CHECK(approval_scope(rules, a) == "category:instant-messaging-web");
  a.scope = ApprovalScope::domain;
  a.domain = "files.example.com";
  a.domain_suffix = true;
  CHECK(approval_scope(rules, a) == ".files.example.com");
}

TEST_CASE("progress: a line on a terminal, nothing otherwise", "[audit][progress]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  auto drain = [&] {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
  };
  {
    ProgressMeter off(fds[1], false, "audit verify", 2);
    for (int i = 0; i < 10000; ++i) off.record();
    off.file_done();
    off.finish();
    CHECK(off.records() == 10000);
  }
  CHECK(drain().empty());
  {
    ProgressMeter on(fds[1], true, "audit verify", 2);
    for (int i = 0; i < 1500; ++i) on.record();
    on.file_done();
    on.finish();
  }
  std::string out = drain();
  CHECK(out.find("\raudit verify: 1/2 files, 1,500 records, ") != std::string::npos);
  CHECK(out.find(" records/s") != std::string::npos);
  CHECK(out.back() == '\n');
  ::close(fds[0]);
  ::close(fds[1]);
}
