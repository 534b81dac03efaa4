// README "Decisions: actions and reasons" step by step, on a RuleSet built by hand (no files, no
// sockets).
#include <catch2/catch.hpp>

#include <ctime>

#include "policy/decide.hpp"

using namespace gh;

namespace {

TimePoint utc(int y, int mo, int d, int h = 0, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return Clock::from_time_t(timegm(&tm));
}

std::uint32_t add_source(RuleSet& r, std::uint32_t category, std::uint32_t app) {
  r.sources.push_back(RuleSource{0, category, app});
  return static_cast<std::uint32_t>(r.sources.size() - 1);
}

std::uint32_t add_entry(RuleSet& r, std::uint32_t source, std::uint32_t line) {
  r.entries.push_back(RuleEntry{source, line});
  return static_cast<std::uint32_t>(r.entries.size() - 1);
}

// categories: 0 im (block), 1 storage (block), 2 mail (monitor), 3 news (allow)
// apps: 0 whatsapp-web (im), 1 wechat-web (im), 2 dropbox (storage), 3 gmail (mail), 4 news-site
RuleSet make_rules() {
  RuleSet r;
  r.files = {"rules/categories/test.yaml"};
  r.categories = {{"instant-messaging-web", "IM", Verdict::block},
                  {"public-cloud-storage", "Storage", Verdict::block},
                  {"personal-webmail", "Mail", Verdict::monitor},
                  {"news", "News", Verdict::allow}};
  r.apps = {{"whatsapp-web", "WhatsApp Web", 0},
            {"wechat-web", "WeChat", 0},
            {"dropbox", "Dropbox", 1},
            {"gmail", "Gmail", 2},
            {"news-site", "News", 3}};
  r.departments = {{"immigration", "Immigration Department", "Director"},
                   {"finance", "Finance Bureau", "Director"}};
  DomainMatcher::Builder b;
  b.add("web.whatsapp.com", true, add_entry(r, add_source(r, 0, 0), 6));
  const auto wechat = add_source(r, 0, 1);
  b.add("wx.qq.com", true, add_entry(r, wechat, 10));
  b.add("dropbox.com", true, add_entry(r, add_source(r, 1, 2), 20));
  b.add("mail.google.com", false, add_entry(r, add_source(r, 2, 3), 30));
  b.add("news.example", true, add_entry(r, add_source(r, 3, 4), 40));
  r.domains = std::move(b).build();
  std::string err;
  REQUIRE(r.urls.add("^https?://[^/]+/cgi-bin/mmwebwx-bin/", add_entry(r, wechat, 11), &err));
  REQUIRE(r.urls.compile());
  r.app_networks.insert(*Cidr::parse("203.0.113.0/24"), add_entry(r, add_source(r, 1, 2), 21));

  r.department_networks.insert(*Cidr::parse("10.20.0.0/16"), 0);
  r.department_networks.insert(*Cidr::parse("2001:db8:20::/48"), 0);
  r.department_networks.insert(*Cidr::parse("10.30.0.0/16"), 1);
  r.clients_allow.insert(*Cidr::parse("10.0.0.0/8"), 0);
  r.clients_allow.insert(*Cidr::parse("2001:db8::/32"), 0);
  r.clients_allow.insert(*Cidr::parse("127.0.0.0/8"), 0);

  Approval hotline;  // immigration, whatsapp-web, hotline team only, 2026-04-01..2027-03-31
  hotline.id = "IMM-2026-014";
  hotline.department = 0;
  hotline.scope = ApprovalScope::app;
  hotline.target = 0;
  hotline.networks = {*Cidr::parse("10.20.5.0/24")};
  hotline.valid_from = utc(2026, 4, 1);
  hotline.valid_until = utc(2027, 4, 1);
  Approval storage;  // finance, whole storage category, all of 2026
  storage.id = "FIN-1";
  storage.department = 1;
  storage.scope = ApprovalScope::category;
  storage.target = 1;
  storage.valid_from = utc(2026, 1, 1);
  storage.valid_until = utc(2027, 1, 1);
  Approval domain;  // immigration, a domain rule: .wx.qq.com
  domain.id = "IMM-DOM";
  domain.department = 0;
  domain.scope = ApprovalScope::domain;
  domain.domain = "wx.qq.com";
  domain.domain_suffix = true;
  domain.networks = {*Cidr::parse("10.20.9.0/24")};
  domain.valid_from = utc(2026, 1, 1);
  domain.valid_until = utc(2027, 1, 1);
  r.approvals = {hotline, storage, domain};
  r.approvals_by_department = {{0, 2}, {1}};
  r.connect_ports = {443};
  return r;
}

Request connect_to(const char* client, std::string_view host, std::uint16_t port = 443) {
  Request q;
  q.client = *IpAddress::parse(client);
  q.connect = true;
  q.method = "CONNECT";
  q.host = host;
  q.port = port;
  return q;
}

const TimePoint kNow = utc(2026, 11, 22, 10);

}  // namespace

TEST_CASE("step 1: client not in clients.allow is denied", "[decide]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("192.0.2.1", "news.example"), kNow);
  CHECK(d.action == Action::deny);
  CHECK(d.reason == Reason::client_not_allowed);
}

TEST_CASE("step 2: CONNECT to a port not in connect.ports is denied", "[decide]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("10.20.5.7", "news.example", 22), kNow);
  CHECK(d.action == Action::deny);
  CHECK(d.reason == Reason::port_not_allowed);
  CHECK(department_id(r, d) == "immigration");
  // A plain HTTP request to another port is not a CONNECT: not subject to it.
  auto q = connect_to("10.20.5.7", "news.example", 8080);
  q.connect = false;
  q.method = "GET";
  CHECK(decide(r, q, kNow).action == Action::allow);
}

TEST_CASE("step 4: uncategorized and allowed categories pass", "[decide]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("10.30.1.1", "intranet.example.gov"), kNow);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::uncategorized);
  CHECK(d.category == kNone);
  d = decide(r, connect_to("10.30.1.1", "www.news.example"), kNow);
  CHECK(d.reason == Reason::category_allowed);
  CHECK(category_id(r, d) == "news");
  r.policy.uncategorized = Verdict::block;
  d = decide(r, connect_to("10.30.1.1", "intranet.example.gov"), kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);
}

TEST_CASE("step 5: approvals by app, category and domain, in window and network", "[decide]") {
  auto r = make_rules();
  // hotline team, inside window
  auto d = decide(r, connect_to("10.20.5.7", "web.whatsapp.com"), kNow);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::approved);
  CHECK(approval_id(r, d) == "IMM-2026-014");
  CHECK(app_id(r, d) == "whatsapp-web");
  CHECK(r.location(d.rule) == "rules/categories/test.yaml:6");
  // same department, outside the approval's networks
  d = decide(r, connect_to("10.20.6.7", "web.whatsapp.com"), kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);
  // inclusive last day, then expired
  CHECK(decide(r, connect_to("10.20.5.7", "web.whatsapp.com"), utc(2027, 3, 31, 23, 59)).reason ==
        Reason::approved);
  CHECK(decide(r, connect_to("10.20.5.7", "web.whatsapp.com"), utc(2027, 4, 1)).reason ==
        Reason::category_blocked);
  CHECK(decide(r, connect_to("10.20.5.7", "web.whatsapp.com"), utc(2026, 3, 31, 23, 59)).reason ==
        Reason::category_blocked);
  // another department
  d = decide(r, connect_to("10.30.5.7", "web.whatsapp.com"), kNow);
  CHECK(d.action == Action::block);
  CHECK(department_id(r, d) == "finance");
  // category approval covers every app of the category, and IP rules too
  d = decide(r, connect_to("10.30.5.7", "www.dropbox.com"), kNow);
  CHECK(d.reason == Reason::approved);
  CHECK(approval_id(r, d) == "FIN-1");
  d = decide(r, connect_to("10.30.5.7", "203.0.113.9"), kNow);
  CHECK(d.reason == Reason::approved);
  CHECK(app_id(r, d) == "dropbox");
  // domain approval
  d = decide(r, connect_to("10.20.9.1", "login.wx.qq.com"), kNow);
  CHECK(d.reason == Reason::approved);
  CHECK(approval_id(r, d) == "IMM-DOM");
  // no department: nothing to approve
  d = decide(r, connect_to("10.99.0.1", "web.whatsapp.com"), kNow);
  CHECK(d.action == Action::block);
  CHECK(d.department == kNone);
}

TEST_CASE("step 6: monitor allows on record, block blocks", "[decide]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("10.30.1.1", "mail.google.com"), kNow);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::monitored);
  CHECK(app_id(r, d) == "gmail");
  d = decide(r, connect_to("10.30.1.1", "sub.web.whatsapp.com"), kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);
  CHECK(category_id(r, d) == "instant-messaging-web");
  CHECK(r.location(d.rule) == "rules/categories/test.yaml:6");
}

TEST_CASE("URL patterns apply where the URL is visible", "[decide]") {
  auto r = make_rules();
  Request q;
  q.client = *IpAddress::parse("10.30.1.1");
  q.method = "GET";
  q.host = "wechat-relay.example";
  q.port = 80;
  q.url = "http://wechat-relay.example/cgi-bin/mmwebwx-bin/webwxinit";
  auto d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(app_id(r, d) == "wechat-web");
  CHECK(r.location(d.rule) == "rules/categories/test.yaml:11");
  q.url = "http://wechat-relay.example/index.html";
  CHECK(decide(r, q, kNow).action == Action::allow);
}

TEST_CASE("TLS: SNI classified, stricter wins; mismatch, ECH, no SNI", "[decide]") {
  auto r = make_rules();
  auto q = connect_to("10.30.1.1", "www.news.example");
  q.tls = TlsSeen::sni;
  q.sni = "web.whatsapp.com";  // domain fronting attempt
  auto d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);  // the SNI's own category is the stricter
  // mismatch between two uncategorized names
  q.host = "a.example";
  q.sni = "b.example";
  d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::sni_mismatch);
  r.policy.sni_mismatch = Verdict::allow;
  CHECK(decide(r, q, kNow).action == Action::allow);
  // matching SNI
  q.sni = "a.example";
  CHECK(decide(r, q, kNow).reason == Reason::uncategorized);
  // ECH
  q.tls = TlsSeen::ech;
  q.sni = {};
  d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::ech);
  // ech: allow judges the outer SNI like any SNI (README "ECH: what is judged"):
  // GREASE ECH names the real site, real ECH its provider's public name.
  r.policy.ech = Verdict::allow;
  r.policy.sni_mismatch = Verdict::block;
  CHECK(decide(r, q, kNow).action == Action::allow);  // no outer SNI: the authority decides
  q.sni = "a.example";
  CHECK(decide(r, q, kNow).reason == Reason::uncategorized);
  q.sni = "b.example";  // ECH must not launder a mismatch
  d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::sni_mismatch);
  q.host = "www.news.example";
  q.sni = "web.whatsapp.com";  // nor a blocked name
  d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::category_blocked);
  r.policy.ech = Verdict::block;
  q.host = "a.example";
  // no SNI: default allow; monitor keeps it allowed with the reason on record
  q.tls = TlsSeen::no_sni;
  CHECK(decide(r, q, kNow).reason == Reason::uncategorized);
  r.policy.no_sni = Verdict::monitor;
  d = decide(r, q, kNow);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::no_sni);
  r.policy.no_sni = Verdict::block;
  CHECK(decide(r, q, kNow).action == Action::block);
  // transparent TLS: only the SNI counts, no mismatch check
  Request t;
  t.client = *IpAddress::parse("10.30.1.1");
  t.mode = Mode::transparent_tls;
  t.connect = true;
  t.host = "198.51.100.7";
  t.port = 443;
  t.tls = TlsSeen::sni;
  t.sni = "a.example";
  CHECK(decide(r, t, kNow).reason == Reason::uncategorized);
  t.sni = "web.whatsapp.com";
  CHECK(decide(r, t, kNow).action == Action::block);
  // An ECH hello's outer SNI counts too when ECH is allowed.
  r.policy.ech = Verdict::allow;
  t.tls = TlsSeen::ech;
  CHECK(decide(r, t, kNow).reason == Reason::category_blocked);
  t.sni = "a.example";
  CHECK(decide(r, t, kNow).action == Action::allow);
}

// docs/threat-model.md: whatever the first bytes of a tunnel were, the decision fails
// closed on what it cannot read; none of these is ever "no SNI".
TEST_CASE("tunnel first bytes: bad hello, timeout, not TLS", "[decide]") {
  auto r = make_rules();
  auto q = connect_to("10.30.1.1", "www.news.example");  // allowed on its authority
  REQUIRE(decide(r, q, kNow).action == Action::allow);
  r.policy.no_sni = Verdict::allow;

  q.tls = TlsSeen::bad_hello;
  auto d = decide(r, q, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.reason == Reason::bad_client_hello);
  CHECK(d.category == 3);  // what the authority said stays on record

  q.tls = TlsSeen::timeout;
  d = decide(r, q, kNow);
  CHECK(d.action == Action::deny);
  CHECK(d.reason == Reason::client_hello_timeout);

  q.tls = TlsSeen::not_tls;
  d = decide(r, q, kNow);
  CHECK(d.action == Action::block);  // the default
  CHECK(d.reason == Reason::non_tls_tunnel);
  r.policy.non_tls_tunnel = Verdict::allow;
  d = decide(r, q, kNow);
  CHECK(d.action == Action::allow);
  CHECK(d.reason == Reason::non_tls_tunnel);  // allowed, and on record why

  // An approved flow loses its approval when its hello cannot be read.
  auto a = connect_to("10.20.5.7", "web.whatsapp.com");
  REQUIRE(decide(r, a, kNow).reason == Reason::approved);
  a.tls = TlsSeen::bad_hello;
  d = decide(r, a, kNow);
  CHECK(d.action == Action::block);
  CHECK(d.approval == kNone);

  // Transparent TLS with an unreadable hello: blocked too.
  Request t;
  t.client = *IpAddress::parse("10.30.1.1");
  t.mode = Mode::transparent_tls;
  t.connect = true;
  t.host = "198.51.100.7";
  t.port = 443;
  t.tls = TlsSeen::bad_hello;
  CHECK(decide(r, t, kNow).reason == Reason::bad_client_hello);
}

// docs/threat-model.md: a transparent connection's real destination is classified too,
// so an allowed SNI or Host cannot launder an address a blocked app owns.
TEST_CASE("transparent: the original destination address is classified, stricter wins",
          "[decide]") {
  auto r = make_rules();
  for (Mode m : {Mode::transparent_tls, Mode::transparent_http}) {
    Request t;
    t.client = *IpAddress::parse("10.99.0.1");  // no department, so no approval
    t.mode = m;
    t.connect = m == Mode::transparent_tls;
    t.host = "www.news.example";  // an allowed name...
    t.port = 443;
    if (m == Mode::transparent_tls) {
      t.tls = TlsSeen::sni;
      t.sni = "www.news.example";
    }
    CHECK(decide(r, t, kNow).action == Action::allow);
    t.original_dst = *IpAddress::parse("203.0.113.9");  // ...redirected from dropbox's network
    auto d = decide(r, t, kNow);
    CHECK(d.action == Action::block);
    CHECK(d.reason == Reason::category_blocked);
    CHECK(d.app == 2);
    t.original_dst = *IpAddress::parse("198.51.100.1");  // an address no rule names
    CHECK(decide(r, t, kNow).action == Action::allow);
  }
  // Forward mode has no original destination to speak of: ignored.
  auto q = connect_to("10.30.1.1", "www.news.example");
  q.original_dst = *IpAddress::parse("203.0.113.9");
  CHECK(decide(r, q, kNow).action == Action::allow);
}

TEST_CASE("step 7: private destinations", "[decide]") {
  auto r = make_rules();
  auto d = decide(r, connect_to("10.30.1.1", "intranet.example"), kNow);
  IpAddress priv[] = {*IpAddress::parse("127.0.0.1"), *IpAddress::parse("169.254.169.254")};
  IpAddress mixed[] = {*IpAddress::parse("10.0.0.1"), *IpAddress::parse("93.184.216.34")};
  auto p = check_destination(r, d, priv);
  CHECK(p.action == Action::deny);
  CHECK(p.reason == Reason::private_destination);
  CHECK(check_destination(r, d, mixed).action == Action::allow);
  r.private_allowed.insert(*Cidr::parse("127.0.0.0/8"), 0);
  IpAddress loop[] = {*IpAddress::parse("127.0.0.1")};
  CHECK(check_destination(r, d, loop).action == Action::allow);
  r.policy.block_private_destinations = false;
  CHECK(check_destination(r, d, priv).action == Action::allow);
  // never changes a blocked decision
  auto b = decide(r, connect_to("10.30.1.1", "web.whatsapp.com"), kNow);
  CHECK(check_destination(r, b, priv).reason == Reason::category_blocked);
}

TEST_CASE("department: longest prefix over v4 and v6", "[decide]") {
  auto r = make_rules();
  CHECK(department_of(r, *IpAddress::parse("2001:db8:20::5")) == 0u);
  CHECK(department_of(r, *IpAddress::parse("10.30.0.1")) == 1u);
  CHECK(department_of(r, *IpAddress::parse("10.40.0.1")) == kNone);
}

TEST_CASE("names of the closed sets", "[decide]") {
  CHECK(to_string(Reason::upstream_unresolvable) == "upstream-unresolvable");
  CHECK(to_string(Reason::client_not_allowed) == "client-not-allowed");
  CHECK(to_string(Action::deny) == "deny");
  Reason x{};
  CHECK(parse_reason("sni-mismatch", x));
  CHECK(x == Reason::sni_mismatch);
  CHECK_FALSE(parse_reason("made-up", x));
}
