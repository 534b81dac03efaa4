// select_interception() (README "HTTPS interception"): every branch, on a rule set
// built by hand, no I/O.
#include <catch2/catch.hpp>

#include "policy/intercept_select.hpp"

using namespace gh;

namespace {

InterceptSelector domain(const char* d, bool suffix) {
  InterceptSelector s;
  s.kind = InterceptSelector::Kind::domain;
  s.domain = d;
  s.suffix = suffix;
  s.text = (suffix ? "." : "") + std::string(d);
  return s;
}

InterceptSelector of(InterceptSelector::Kind k, std::uint32_t target) {
  InterceptSelector s;
  s.kind = k;
  s.target = target;
  return s;
}

// Apps 0 (chat-web, category 0) and 1 (drive, category 1); departments 0 and 1.
RuleSet rules() {
  RuleSet r;
  r.categories = {{"im", "IM"}, {"storage", "Storage"}, {"banking", "Banking"}};
  r.apps = {{"chat-web", "Chat", 0}, {"drive", "Drive", 1}, {"bank", "Bank", 2}};
  r.departments = {{"immigration", "Imm", "Head"}, {"finance", "Fin", "Head"}};
  r.intercept.enabled = true;
  return r;
}

Decision decision(Action a, std::uint32_t app, std::uint32_t category, std::uint32_t dept = kNone) {
  Decision d;
  d.action = a;
  d.reason = a == Action::block
                 ? Reason::category_blocked
                 : (a == Action::deny ? Reason::client_not_allowed : Reason::category_allowed);
  d.app = app;
  d.category = category;
  d.department = dept;
  return d;
}

Request tls(const char* host, const char* sni) {
  Request q;
  q.connect = true;
  q.method = "CONNECT";
  q.host = host;
  q.port = 443;
  q.tls = sni ? TlsSeen::sni : TlsSeen::none;
  q.sni = sni ? sni : "";
  return q;
}

}  // namespace

TEST_CASE("interception off: always splice", "[policy][intercept]") {
  RuleSet r = rules();
  r.intercept.enabled = false;
  r.intercept.inspect.push_back(domain("example.org", true));
  CHECK(
      select_interception(r, decision(Action::block, 0, 0), tls("chat.example", nullptr)).choice ==
      InterceptChoice::splice);
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone), tls("a.example.org", nullptr))
            .choice == InterceptChoice::splice);
}

TEST_CASE("blocked flows get the block page unless block_pages is off", "[policy][intercept]") {
  RuleSet r = rules();
  const Decision blocked = decision(Action::block, 0, 0);
  CHECK(select_interception(r, blocked, tls("chat.example", nullptr)).choice ==
        InterceptChoice::block_page);
  CHECK(select_interception(r, blocked, tls("chat.example", "chat.example")).choice ==
        InterceptChoice::block_page);
  r.intercept.block_pages = false;
  CHECK(select_interception(r, blocked, tls("chat.example", "chat.example")).choice ==
        InterceptChoice::splice);
}

TEST_CASE("never wins over block pages, inspect and header rules", "[policy][intercept]") {
  RuleSet r = rules();
  r.intercept.inspect.push_back(of(InterceptSelector::Kind::category, 2));
  r.intercept.inspect.push_back(domain("bank.example", true));
  HeaderRule h;
  h.domains.push_back(domain("login.bank.example", false));
  h.set = {{"X-A", "1"}};
  r.intercept.headers.push_back(h);

  // never by app: the blocked chat app is not decrypted.
  r.intercept.never.push_back(of(InterceptSelector::Kind::app, 0));
  CHECK(select_interception(r, decision(Action::block, 0, 0), tls("chat.example", "chat.example"))
            .choice == InterceptChoice::splice);
  // never by category.
  r.intercept.never.push_back(of(InterceptSelector::Kind::category, 2));
  auto s =
      select_interception(r, decision(Action::allow, 2, 2), tls("login.bank.example", nullptr));
  CHECK(s.choice == InterceptChoice::splice);
  CHECK(s.headers.empty());
  // never by domain, uncategorized flow that a header rule and inspect name.
  r.intercept.never = {domain("bank.example", true)};
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone),
                            tls("login.bank.example", "login.bank.example"))
            .choice == InterceptChoice::splice);
  // An SNI must not launder a CONNECT authority that never names.
  CHECK(
      select_interception(r, decision(Action::block, 0, 0), tls("www.bank.example", "chat.example"))
          .choice == InterceptChoice::splice);
  // Exact never does not cover a subdomain.
  r.intercept.never = {domain("bank.example", false)};
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone),
                            tls("login.bank.example", "login.bank.example"))
            .choice == InterceptChoice::inspect);
}

TEST_CASE("allowed flows: inspect selectors by app, category, domain", "[policy][intercept]") {
  RuleSet r = rules();
  r.intercept.inspect = {of(InterceptSelector::Kind::app, 1),
                         of(InterceptSelector::Kind::category, 0), domain("example.org", true)};
  CHECK(select_interception(r, decision(Action::allow, 1, 1), tls("drive.example", "drive.example"))
            .choice == InterceptChoice::inspect);
  CHECK(
      select_interception(r, decision(Action::allow, 0, 0), tls("chat.example", nullptr)).choice ==
      InterceptChoice::inspect);
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone), tls("example.org", nullptr))
            .choice == InterceptChoice::inspect);
  CHECK(
      select_interception(r, decision(Action::allow, kNone, kNone), tls("www.example.org", nullptr))
          .choice == InterceptChoice::inspect);
  // Not named: relayed untouched.
  CHECK(
      select_interception(r, decision(Action::allow, kNone, kNone), tls("notexample.org", nullptr))
          .choice == InterceptChoice::splice);
  CHECK(
      select_interception(r, decision(Action::allow, 2, 2), tls("bank.example", nullptr)).choice ==
      InterceptChoice::splice);
  // The SNI is the name selected by when there is one.
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone),
                            tls("elsewhere.example", "a.example.org"))
            .choice == InterceptChoice::inspect);
}

TEST_CASE("header rules select flows, filtered by department", "[policy][intercept]") {
  RuleSet r = rules();
  HeaderRule all;
  all.domains = {domain("login.example.com", false)};
  all.set = {{"Restrict-Access-To-Tenants", "example.gov"}};
  HeaderRule imm;
  imm.domains = {domain("google.example", true)};
  imm.set = {{"X-GoogApps-Allowed-Domains", "example.gov"}};
  imm.departments = {0};
  r.intercept.headers = {all, imm};

  auto s = select_interception(r, decision(Action::allow, kNone, kNone, 1),
                               tls("login.example.com", "login.example.com"));
  CHECK(s.choice == InterceptChoice::inspect);
  REQUIRE(s.headers.size() == 1);
  CHECK(s.headers[0] == &r.intercept.headers[0]);

  s = select_interception(r, decision(Action::allow, kNone, kNone, 0),
                          tls("mail.google.example", nullptr));
  CHECK(s.choice == InterceptChoice::inspect);
  REQUIRE(s.headers.size() == 1);
  CHECK(s.headers[0] == &r.intercept.headers[1]);
  // Another department (or none): that rule does not decrypt.
  s = select_interception(r, decision(Action::allow, kNone, kNone, 1),
                          tls("mail.google.example", nullptr));
  CHECK(s.choice == InterceptChoice::splice);
  CHECK(s.headers.empty());
  s = select_interception(r, decision(Action::allow, kNone, kNone, kNone),
                          tls("mail.google.example", nullptr));
  CHECK(s.choice == InterceptChoice::splice);
  // ... unless another selector says so (and then no header rule of theirs applies).
  r.intercept.inspect = {domain("google.example", true)};
  s = select_interception(r, decision(Action::allow, kNone, kNone, 1),
                          tls("mail.google.example", nullptr));
  CHECK(s.choice == InterceptChoice::inspect);
  CHECK(s.headers.empty());
}

TEST_CASE("denied flows and unreadable hellos are never decrypted", "[policy][intercept]") {
  RuleSet r = rules();
  r.intercept.inspect = {domain("example.org", true)};
  CHECK(select_interception(r, decision(Action::deny, kNone, kNone), tls("a.example.org", nullptr))
            .choice == InterceptChoice::splice);
  // ECH: a blocked flow may get the page (browsers send GREASE ECH); never inspected.
  Request ech = tls("chat.example", nullptr);
  ech.tls = TlsSeen::ech;
  CHECK(select_interception(r, decision(Action::block, 0, 0), ech).choice ==
        InterceptChoice::block_page);
  Request ech_allowed = tls("a.example.org", nullptr);
  ech_allowed.tls = TlsSeen::ech;
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone), ech_allowed).choice ==
        InterceptChoice::splice);
  for (TlsSeen seen : {TlsSeen::bad_hello, TlsSeen::not_tls, TlsSeen::timeout}) {
    Request q = tls("chat.example", nullptr);
    q.tls = seen;
    CHECK(select_interception(r, decision(Action::block, 0, 0), q).choice ==
          InterceptChoice::splice);
    CHECK(select_interception(r, decision(Action::allow, kNone, kNone), q).choice ==
          InterceptChoice::splice);
  }
  // A hello without SNI: selected by the CONNECT authority.
  Request q = tls("a.example.org", nullptr);
  q.tls = TlsSeen::no_sni;
  CHECK(select_interception(r, decision(Action::allow, kNone, kNone), q).choice ==
        InterceptChoice::inspect);
  CHECK(to_string(InterceptChoice::block_page) == "block_page");
}
