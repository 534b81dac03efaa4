// Approval windows in a non-UTC zone, and the three approval scopes.
#include <catch2/catch.hpp>

#include "base_tree.hpp"
#include "config/calendar.hpp"
#include "policy/decide.hpp"

using namespace gh;
using namespace gh::test;

namespace {

std::string decide_reason(const RuleSet& r, const char* client, const char* host,
                          const char* when) {
  Request req;
  req.client = *IpAddress::parse(client);
  req.connect = true;
  req.method = "CONNECT";
  req.host = host;
  req.port = 443;
  Decision d = decide(r, req, *parse_rfc3339(when));
  return std::string(to_string(d.reason)) +
         (d.approval != kNone ? " " + r.approvals[d.approval].id : "");
}

std::shared_ptr<const RuleSet> load(const TempTree& t) {
  LoadResult res = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(res));
  REQUIRE(res.ok());
  return res.rules;
}

}  // namespace

TEST_CASE("approval dates are whole days in policy.timezone (Asia/Hong_Kong)",
          "[config][approvals]") {
  TempTree t;
  write_base(t);
  auto r = load(t);
  const Approval& a = r->approvals.at(0);
  CHECK(format_utc(a.valid_from) == "2026-03-31T16:00:00Z");   // 2026-04-01 00:00 HKT
  CHECK(format_utc(a.valid_until) == "2027-03-31T16:00:00Z");  // 2027-04-01 00:00 HKT
  CHECK(a.location == t.path("approvals.yaml") + ":2");
  CHECK(r->approvals_by_department.size() == 2);
  CHECK(r->approvals_by_department[0] == std::vector<std::uint32_t>{0});

  const char* host = "web.chat.example.com";
  CHECK(decide_reason(*r, "10.20.5.1", host, "2026-03-31T15:59:59Z") == "category-blocked");
  CHECK(decide_reason(*r, "10.20.5.1", host, "2026-03-31T16:00:00Z") == "approved IMM-1");
  CHECK(decide_reason(*r, "10.20.5.1", host, "2027-03-31T15:59:59Z") == "approved IMM-1");
  // 16:30Z is already 2027-04-01 00:30 in Hong Kong: expired.
  CHECK(decide_reason(*r, "10.20.5.1", host, "2027-03-31T16:30:00Z") == "category-blocked");
  CHECK(decide_reason(*r, "10.20.6.1", host, "2026-12-01T00:00:00Z") == "category-blocked");
  CHECK(decide_reason(*r, "10.30.5.1", host, "2026-12-01T00:00:00Z") == "category-blocked");
}

TEST_CASE("approval scopes: app, category, domain", "[config][approvals]") {
  TempTree t;
  write_base(t);
  t.write("approvals.yaml",
          "approvals:\n"
          "  - { id: A-APP, department: finance, app: webmail, approved_by: D,\n"
          "      granted: 2026-01-01, expires: 2026-12-31 }\n"
          "  - { id: A-CAT, department: immigration, category: im, approved_by: D,\n"
          "      granted: 2026-01-01, expires: 2026-12-31 }\n"
          "  - { id: A-DOM, department: finance, domain: .web.chat.example.com, approved_by: D,\n"
          "      granted: 2026-01-01, expires: 2026-12-31 }\n"
          "  - { id: A-EXACT, department: finance, domain: chat.example.org, approved_by: D,\n"
          "      granted: 2026-01-01, expires: 2026-12-31 }\n");
  auto r = load(t);
  const char* when = "2026-06-01T00:00:00Z";
  CHECK(decide_reason(*r, "10.30.0.1", "mail.example.net", when) == "approved A-APP");
  CHECK(decide_reason(*r, "10.20.0.1", "mail.example.net", when) == "monitored");
  CHECK(decide_reason(*r, "10.20.0.1", "x.web.chat.example.com", when) == "approved A-CAT");
  CHECK(decide_reason(*r, "10.30.0.1", "x.web.chat.example.com", when) == "approved A-DOM");
  CHECK(decide_reason(*r, "10.30.0.1", "chat.example.org", when) == "approved A-EXACT");
  CHECK(r->approvals[2].domain == "web.chat.example.com");
  CHECK(r->approvals[2].domain_suffix);
  CHECK_FALSE(r->approvals[3].domain_suffix);
}

TEST_CASE("app networks: IP literals and private destinations", "[config][approvals]") {
  TempTree t;
  write_base(t);
  t.write("categories/mail.yaml", std::string(kMail) +
                                      "  - id: intranet-mail\n"
                                      "    networks: [\"10.99.0.0/16\"]\n");
  t.write("gatehouse.yaml",
          std::string(kMain).replace(std::string(kMain).find("mail: monitor"), 13, "mail: allow"));
  auto r = load(t);
  auto hit = r->app_networks.lookup(*IpAddress::parse("192.0.2.7"));
  REQUIRE(hit);
  CHECK(r->location(*hit) == t.path("categories/im.yaml") + ":8");
  // Only an allowed app's networks are exempt from block_private_destinations.
  CHECK(r->private_allowed.lookup(*IpAddress::parse("10.99.1.1")));
  CHECK_FALSE(r->private_allowed.lookup(*IpAddress::parse("192.0.2.7")));
  CHECK(decide_reason(*r, "10.20.6.1", "192.0.2.7", "2026-06-01T00:00:00Z") == "category-blocked");
}
