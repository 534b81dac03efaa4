#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "prom_text.hpp"
#include "runtime/metrics.hpp"

using namespace gh;

namespace {

RuleSet small_rules() {
  RuleSet r;
  r.categories = {{"instant-messaging-web", "IM", Verdict::block},
                  {"public-cloud-storage", "Storage", Verdict::block}};
  r.departments = {{"immigration", "Immigration", "Director"}, {"finance", "Finance", "Dir"}};
  r.apps = {{"whatsapp-web", "WhatsApp Web", 0}};
  return r;
}

Decision make(Action a, Reason why, std::uint32_t cat, std::uint32_t dep) {
  Decision d;
  d.action = a;
  d.reason = why;
  d.category = cat;
  d.department = dep;
  return d;
}

}  // namespace

TEST_CASE("metrics render is valid Prometheus text with every family") {
  Metrics m;
  auto text = m.render({}, Clock::now());
  auto parsed = prom::parse(text);
  REQUIRE(parsed.errors.empty());
  for (const char* family :
       {"gatehouse_connections_open", "gatehouse_connections_total", "gatehouse_decisions_total",
        "gatehouse_decision_latency_seconds", "gatehouse_audit_queue_depth",
        "gatehouse_audit_write_errors_total", "gatehouse_audit_seq", "gatehouse_reloads_total",
        "gatehouse_rules_loaded", "gatehouse_rules_age_seconds"}) {
    INFO(family);
    CHECK(parsed.types.count(family) == 1);
  }
  CHECK(parsed.value("gatehouse_rules_age_seconds") == 0);
  CHECK(parsed.value("gatehouse_reloads_total{result=\"ok\"}") == 0);
}

TEST_CASE("connections, reloads and audit gauges are counted") {
  Metrics m;
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();
  m.reload(true);
  m.reload(false);
  m.reload(false);
  m.audit_unavailable();
  Metrics::AuditGauge g;
  g.seq = 1841;
  g.queue_depth = 7;
  g.write_errors = 3;
  g.failed = true;
  auto p = prom::parse(m.render(g, Clock::now()));
  REQUIRE(p.errors.empty());
  CHECK(m.connections_open() == 1);
  CHECK(p.value("gatehouse_connections_open") == 1);
  CHECK(p.value("gatehouse_connections_total") == 2);
  CHECK(p.value("gatehouse_reloads_total{result=\"ok\"}") == 1);
  CHECK(p.value("gatehouse_reloads_total{result=\"failed\"}") == 2);
  CHECK(p.value("gatehouse_audit_seq") == 1841);
  CHECK(p.value("gatehouse_audit_queue_depth") == 7);
  CHECK(p.value("gatehouse_audit_write_errors_total") == 3);
  CHECK(p.value("gatehouse_audit_failed") == 1);
  CHECK(p.value("gatehouse_audit_unavailable_total") == 1);
}

TEST_CASE("decisions are labelled by action, category and department names") {
  Metrics m;
  auto rules = small_rules();
  rules.skipped_list_lines = 3;  // bad feed lines dropped under on_error: skip
  m.rules_loaded(rules, Clock::now());
  m.decision(rules, make(Action::block, Reason::category_blocked, 0, 0),
             std::chrono::microseconds(3));
  m.decision(rules, make(Action::block, Reason::category_blocked, 0, 0),
             std::chrono::microseconds(3));
  m.decision(rules, make(Action::allow, Reason::approved, 0, 1), std::chrono::milliseconds(2));
  m.decision(rules, make(Action::allow, Reason::uncategorized, kNone, kNone),
             std::chrono::nanoseconds(10));
  auto p = prom::parse(m.render({}, Clock::now()));
  REQUIRE(p.errors.empty());
  CHECK(
      p.value(
          R"(gatehouse_decisions_total{action="block",category="instant-messaging-web",department="immigration"})") ==
      2);
  CHECK(
      p.value(
          R"(gatehouse_decisions_total{action="allow",category="instant-messaging-web",department="finance"})") ==
      1);
  CHECK(p.value(R"(gatehouse_decisions_total{action="allow",category="",department=""})") == 1);
  CHECK(p.value(R"(gatehouse_decision_reasons_total{reason="category-blocked"})") == 2);
  CHECK(p.value(R"(gatehouse_decision_reasons_total{reason="approved"})") == 1);
  CHECK(p.value("gatehouse_rules_loaded{kind=\"categories\"}") == 2);
  CHECK(p.value("gatehouse_rules_loaded{kind=\"departments\"}") == 2);
  CHECK(p.value("gatehouse_rules_loaded{kind=\"apps\"}") == 1);
  CHECK(p.value("gatehouse_rules_skipped_lines") == 3);
}

TEST_CASE("latency histogram is cumulative and consistent") {
  Metrics m;
  auto rules = small_rules();
  m.rules_loaded(rules, Clock::now());
  Decision d;
  m.decision(rules, d, std::chrono::nanoseconds(500));   // <= 1us
  m.decision(rules, d, std::chrono::microseconds(1));    // <= 1us (bounds inclusive)
  m.decision(rules, d, std::chrono::microseconds(800));  // <= 1ms
  m.decision(rules, d, std::chrono::seconds(5));         // +Inf only
  auto p = prom::parse(m.render({}, Clock::now()));
  REQUIRE(p.errors.empty());
  CHECK(p.value(R"(gatehouse_decision_latency_seconds_bucket{le="1e-06"})") == 2);
  CHECK(p.value(R"(gatehouse_decision_latency_seconds_bucket{le="0.0005"})") == 2);
  CHECK(p.value(R"(gatehouse_decision_latency_seconds_bucket{le="0.001"})") == 3);
  CHECK(p.value(R"(gatehouse_decision_latency_seconds_bucket{le="1"})") == 3);
  CHECK(p.value(R"(gatehouse_decision_latency_seconds_bucket{le="+Inf"})") == 4);
  CHECK(p.value("gatehouse_decision_latency_seconds_count") == 4);
  CHECK(p.value("gatehouse_decision_latency_seconds_sum") == Approx(5.0008015));
  CHECK(p.histogram_monotonic("gatehouse_decision_latency_seconds"));
}

TEST_CASE("counters survive a reload and old rule sets still count by name") {
  Metrics m;
  auto old_rules = small_rules();
  m.rules_loaded(old_rules, Clock::now());
  m.decision(old_rules, make(Action::block, Reason::category_blocked, 1, 1), {});

  // The new rule set orders categories differently and adds one.
  RuleSet fresh;
  fresh.categories = {{"personal-webmail", "Mail", Verdict::monitor},
                      {"public-cloud-storage", "Storage", Verdict::block}};
  fresh.departments = {{"finance", "Finance", "Dir"}};
  m.rules_loaded(fresh, Clock::now());
  m.decision(fresh, make(Action::block, Reason::category_blocked, 1, 0), {});
  // A request still running on the old rules.
  m.decision(old_rules, make(Action::block, Reason::category_blocked, 1, 1), {});
  m.decision(fresh, make(Action::allow, Reason::monitored, 0, 0), {});

  auto p = prom::parse(m.render({}, Clock::now()));
  REQUIRE(p.errors.empty());
  CHECK(
      p.value(
          R"(gatehouse_decisions_total{action="block",category="public-cloud-storage",department="finance"})") ==
      3);
  CHECK(
      p.value(
          R"(gatehouse_decisions_total{action="allow",category="personal-webmail",department="finance"})") ==
      1);
  CHECK(p.value("gatehouse_rules_loaded{kind=\"departments\"}") == 1);
}

TEST_CASE("label sets are bounded: names past capacity go to _other") {
  Metrics m;
  RuleSet r;
  for (int i = 0; i < 400; ++i) r.departments.push_back({"dep" + std::to_string(i), "", ""});
  m.rules_loaded(r, Clock::now());
  for (std::uint32_t i = 0; i < 400; ++i)
    m.decision(r, make(Action::deny, Reason::client_not_allowed, kNone, i), {});
  auto p = prom::parse(m.render({}, Clock::now()));
  REQUIRE(p.errors.empty());
  CHECK(p.value(R"(gatehouse_decisions_total{action="deny",category="",department="dep0"})") == 1);
  double other =
      p.value(R"(gatehouse_decisions_total{action="deny",category="",department="_other"})");
  CHECK(other > 100);
  CHECK(p.series_count("gatehouse_decisions_total") <= 256);
  CHECK(p.sum("gatehouse_decisions_total") == 400);
}

TEST_CASE("rule-set age grows from the load time") {
  Metrics m;
  RuleSet r;
  auto t0 = Clock::now();
  m.rules_loaded(r, t0);
  auto p = prom::parse(m.render({}, t0 + std::chrono::seconds(90)));
  REQUIRE(p.errors.empty());
  CHECK(p.value("gatehouse_rules_age_seconds") == Approx(90.0));
  CHECK(p.value("gatehouse_rules_loaded_timestamp_seconds") ==
        Approx(std::chrono::duration<double>(t0.time_since_epoch()).count()));
}

TEST_CASE("concurrent increments are not lost") {
  Metrics m;
  auto rules = small_rules();
  m.rules_loaded(rules, Clock::now());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        m.connection_opened();
        m.decision(rules, make(Action::block, Reason::category_blocked, 0, 0),
                   std::chrono::microseconds(2));
        m.connection_closed();
      }
    });
  }
  // A reload in the middle must not lose or misplace counts.
  auto again = small_rules();
  m.rules_loaded(again, Clock::now());
  for (auto& th : threads) th.join();
  auto p = prom::parse(m.render({}, Clock::now()));
  CHECK(p.value("gatehouse_connections_total") == 40'000);
  CHECK(p.value("gatehouse_connections_open") == 0);
  CHECK(
      p.value(
          R"(gatehouse_decisions_total{action="block",category="instant-messaging-web",department="immigration"})") ==
      40'000);
  CHECK(p.value("gatehouse_decision_latency_seconds_count") == 40'000);
}
