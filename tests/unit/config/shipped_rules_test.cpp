// End to end over the shipped rules/: load them as `gatehouse serve` would
// and ask decide() what the proxy does. Times are explicit so the tests do
// not depend on today's date.
#include <catch2/catch.hpp>
#include <filesystem>

#include "config/calendar.hpp"
#include "config/loader.hpp"
#include "policy/decide.hpp"
#include "policy/host.hpp"
#include "temp_tree.hpp"

using namespace gh;

namespace {

const RuleSet& shipped() {
  static const LoadResult res = [] {
    REQUIRE(std::filesystem::exists("rules/gatehouse.yaml"));  // ctest runs in the source dir
    return load_config("rules/gatehouse.yaml", *parse_rfc3339("2026-12-01T00:00:00Z"));
  }();
  INFO(gh::test::formatted(res));
  REQUIRE(res.ok());
  return *res.rules;
}

TimePoint at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

struct Outcome {
  Decision d;
  std::string action, reason, category, app, department, approval, rule;
};

Outcome outcome(const RuleSet& r, const Decision& d) {
  return Outcome{d,
                 std::string(to_string(d.action)),
                 std::string(to_string(d.reason)),
                 std::string(category_id(r, d)),
                 std::string(app_id(r, d)),
                 std::string(department_id(r, d)),
                 std::string(approval_id(r, d)),
                 d.rule == kNone ? "" : r.location(d.rule)};
}

// A CONNECT to host:port as the forward proxy decides it on the authority.
Outcome connect(const char* client, std::string_view host, TimePoint t, std::uint16_t port = 443) {
  const RuleSet& r = shipped();
  std::string canonical;
  REQUIRE(canonicalize_host(host, canonical) == HostError::none);
  Request req;
  req.client = *IpAddress::parse(client);
  req.connect = true;
  req.method = "CONNECT";
  req.host = canonical;
  req.port = port;
  return outcome(r, decide(r, req, t));
}

Outcome get(const char* client, std::string_view host, std::string_view url, TimePoint t) {
  const RuleSet& r = shipped();
  Request req;
  req.client = *IpAddress::parse(client);
  req.method = "GET";
  req.host = host;
  req.port = 80;
  req.url = url;
  return outcome(r, decide(r, req, t));
}

const TimePoint kNow = at("2026-12-01T10:00:00Z");

}  // namespace

TEST_CASE("shipped rules load without errors or warnings", "[config][shipped]") {
  LoadResult res = load_config("rules/gatehouse.yaml", kNow);
  INFO(gh::test::formatted(res));
  REQUIRE(res.ok());
  CHECK(res.diagnostics.empty());
  const RuleSet& r = *res.rules;
  CHECK(r.categories.size() == 5);  // with vendor-static-content and ech-public-names
  // README "ECH: what is judged": an ECH hello is decided on its outer SNI.
  CHECK(r.policy.ech == Verdict::allow);
  CHECK(r.app_index("cloudflare-ech") != kNone);
  CHECK(r.app_index("whatsapp-web") != kNone);
  CHECK(r.app_index("baidu-netdisk") != kNone);
  CHECK(r.app_index("qq-mail") != kNone);
  CHECK(r.department_index("immigration-demo") != kNone);
  CHECK(res.settings->pac.proxy == "127.0.0.1:3128");
  CHECK(res.settings->user.empty());
  CHECK_FALSE(res.settings->tls_intercept.enabled);
  CHECK(res.settings->listeners.size() == 3);
  CHECK(res.settings->audit.path == "var/audit.jsonl");
  CHECK_FALSE(res.settings->block_page_contact.empty());
}

TEST_CASE("vendors are not blocked, only their web clients", "[config][shipped]") {
  for (const char* host :
       {"google.com", "www.google.com", "accounts.google.com", "microsoft.com", "www.microsoft.com",
        "qq.com", "www.qq.com", "login.live.com", "live.com", "www.baidu.com", "whatsapp.com",
        "telegram.org", "outlook.office.com", "exmail.qq.com", "admin.onedrive.com",
        "www.onedrive.com", "p12-content.icloud-content.com"}) {
    INFO(host);
    Outcome o = connect("127.0.0.1", host, kNow);
    CHECK(o.action == "allow");
    CHECK(o.reason == "uncategorized");
  }
}

TEST_CASE("a blocked app, its subdomains and IDN forms", "[config][shipped]") {
  Outcome o = connect("127.0.0.1", "web.whatsapp.com", kNow);
  CHECK(o.action == "block");
  CHECK(o.reason == "category-blocked");
  CHECK(o.category == "instant-messaging-web");
  CHECK(o.app == "whatsapp-web");
  CHECK(o.department.empty());
  CHECK(o.rule == "rules/categories/instant-messaging-web.yaml:13");
  CHECK(connect("127.0.0.1", "a.b.web.whatsapp.com", kNow).app == "whatsapp-web");
  CHECK(connect("127.0.0.1", "WEB.WhatsApp.COM.", kNow).app == "whatsapp-web");
  CHECK(connect("127.0.0.1", "bücher.web.whatsapp.com", kNow).app == "whatsapp-web");
  CHECK(connect("127.0.0.1", "wx2.qq.com", kNow).app == "wechat-web");
  CHECK(connect("127.0.0.1", "drive.google.com", kNow).app == "google-drive");
  CHECK(connect("127.0.0.1", "www.mediafire.com", kNow).rule == "rules/lists/extra-storage.txt:4");
  Outcome mail = connect("127.0.0.1", "mail.google.com", kNow);
  CHECK(mail.action == "block");  // personal webmail ships as block (README "Rule files")
  CHECK(mail.reason == "category-blocked");
  CHECK(mail.app == "gmail");
}

TEST_CASE("the WeChat web API path is caught where the URL is visible", "[config][shipped]") {
  Outcome o =
      get("127.0.0.1", "example.com", "http://example.com/cgi-bin/mmwebwx-bin/webwxinit", kNow);
  CHECK(o.action == "block");
  CHECK(o.app == "wechat-web");
  CHECK(o.rule == "rules/categories/instant-messaging-web.yaml:27");
  CHECK(get("127.0.0.1", "example.com", "http://example.com/index.html", kNow).action == "allow");
}

TEST_CASE("the hotline team's approval: inside and outside its window", "[config][shipped]") {
  Outcome in = connect("10.20.5.7", "web.whatsapp.com", kNow);
  CHECK(in.action == "allow");
  CHECK(in.reason == "approved");
  CHECK(in.approval == "IMM-2026-014");
  CHECK(in.department == "immigration");
  // expires 2027-03-31 is inclusive (policy.timezone UTC).
  CHECK(connect("10.20.5.7", "web.whatsapp.com", at("2027-03-31T23:59:59Z")).reason == "approved");
  CHECK(connect("10.20.5.7", "web.whatsapp.com", at("2027-04-01T00:00:00Z")).reason ==
        "category-blocked");
  CHECK(connect("10.20.5.7", "web.whatsapp.com", at("2026-03-31T23:59:59Z")).reason ==
        "category-blocked");
  CHECK(connect("10.20.5.7", "web.whatsapp.com", at("2026-04-01T00:00:00Z")).reason == "approved");
  // The approval is for WhatsApp Web only, and only on the hotline's network.
  CHECK(connect("10.20.5.7", "web.telegram.org", kNow).reason == "category-blocked");
  Outcome elsewhere = connect("10.20.6.7", "web.whatsapp.com", kNow);
  CHECK(elsewhere.action == "block");
  CHECK(elsewhere.department == "immigration");
  CHECK(connect("2001:db8:20::5", "web.whatsapp.com", kNow).department == "immigration");
}

TEST_CASE("other departments and the loopback demo departments", "[config][shipped]") {
  Outcome fin = connect("10.30.1.1", "web.whatsapp.com", kNow);
  CHECK(fin.action == "block");
  CHECK(fin.department == "finance");
  Outcome wt = connect("10.30.1.1", "wetransfer.com", kNow);
  CHECK(wt.reason == "approved");
  CHECK(wt.approval == "FIN-2026-007");
  CHECK(connect("10.20.5.7", "wetransfer.com", kNow).reason == "category-blocked");
  Outcome demo = connect("127.0.20.5", "web.whatsapp.com", kNow);
  CHECK(demo.reason == "approved");
  CHECK(demo.approval == "IMM-DEMO-001");
  Outcome demo_other = connect("127.0.20.6", "web.whatsapp.com", kNow);
  CHECK(demo_other.action == "block");
  CHECK(demo_other.department == "immigration-demo");
  CHECK(connect("127.0.30.9", "web.whatsapp.com", kNow).department == "finance-demo");
}

TEST_CASE("clients and ports outside the shipped policy are denied", "[config][shipped]") {
  Outcome stranger = connect("192.0.2.1", "example.com", kNow);
  CHECK(stranger.action == "deny");
  CHECK(stranger.reason == "client-not-allowed");
  Outcome port = connect("127.0.0.1", "example.com", kNow, 8443);
  CHECK(port.action == "deny");
  CHECK(port.reason == "port-not-allowed");
  CHECK(connect("::1", "example.com", kNow).action == "allow");
}
