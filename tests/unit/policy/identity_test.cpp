// README "Identity": users and groups to departments and approvals, no I/O.
#include <catch2/catch.hpp>

#include "policy/decide.hpp"

using namespace gh;

TEST_CASE("user_matches: exact, or the part before @", "[policy][identity]") {
  CHECK(user_matches("alice", "alice"));
  CHECK(user_matches("alice", "alice@EXAMPLE.GOV"));
  CHECK(user_matches("alice@EXAMPLE.GOV", "alice@EXAMPLE.GOV"));
  CHECK_FALSE(user_matches("alice@EXAMPLE.GOV", "alice"));
  CHECK_FALSE(user_matches("Alice", "alice"));
  CHECK_FALSE(user_matches("alic", "alice"));
  CHECK_FALSE(user_matches("alice", "alice2@EXAMPLE.GOV"));
  CHECK_FALSE(user_matches("", ""));
  CHECK_FALSE(user_matches("alice", ""));
}

TEST_CASE("group_matches: DNs case-insensitive, bare names against the cn", "[policy][identity]") {
  const char* dn = "cn=Immigration,ou=groups,dc=example,dc=gov";
  CHECK(group_matches("CN=immigration,OU=Groups,DC=example,DC=gov", dn));
  CHECK(group_matches("immigration", dn));
  CHECK(group_matches("IMMIGRATION", dn));
  CHECK_FALSE(group_matches("groups", dn));
  CHECK_FALSE(group_matches("cn=immigration,ou=groups,dc=other,dc=gov", dn));
  CHECK_FALSE(group_matches("immigration", "uid=immigration,ou=people,dc=example,dc=gov"));
  CHECK(group_matches("a\\,b", "cn=a\\,b,ou=groups"));  // escapes left as written
  CHECK_FALSE(group_matches("a", "cn=a\\,b,ou=groups"));
  // Groups-file names are compared exactly.
  CHECK(group_matches("imm", "imm"));
  CHECK_FALSE(group_matches("imm", "IMM"));
  CHECK_FALSE(group_matches("", "imm"));
}

namespace {

RuleSet two_departments() {
  RuleSet r;
  r.departments = {{"immigration", "Immigration", "Director"}, {"finance", "Finance", "Director"}};
  r.departments[0].members.groups = {"imm-staff"};
  r.departments[0].members.users = {"carol"};
  r.departments[1].members.groups = {"cn=fin-staff,ou=groups,dc=ex,dc=gov", "shared"};
  r.departments[1].members.users = {"alice", "carol"};
  r.department_networks.insert(*Cidr::parse("10.30.0.0/16"), 1);
  r.department_networks.insert(*Cidr::parse("10.20.0.0/16"), 0);
  r.clients_allow.insert(*Cidr::parse("10.0.0.0/8"), 0);
  r.categories = {{"im", "IM", Verdict::block}};
  r.apps = {{"chat", "Chat", 0}};
  r.sources.push_back(RuleSource{0, 0, 0});
  r.entries.push_back(RuleEntry{0, 1});
  DomainMatcher::Builder b;
  b.add("chat.example", true, 0);
  r.domains = std::move(b).build();
  return r;
}

}  // namespace

TEST_CASE("department_of_identity: first department in file order", "[policy][identity]") {
  const RuleSet r = two_departments();
  const std::vector<std::string> none;
  const std::vector<std::string> imm = {"imm-staff"};
  const std::vector<std::string> fin = {"CN=Fin-Staff,OU=groups,DC=ex,DC=gov"};
  const std::vector<std::string> fin_cn = {"cn=fin-staff,ou=groups,dc=ex,dc=gov"};
  CHECK(department_of_identity(r, "alice", none) == 1);
  CHECK(department_of_identity(r, "alice@EX.GOV", none) == 1);
  CHECK(department_of_identity(r, "bob", imm) == 0);
  CHECK(department_of_identity(r, "bob", fin) == 1);
  CHECK(department_of_identity(r, "carol", none) == 0);  // listed by both: the first wins
  CHECK(department_of_identity(r, "alice", imm) == 0);   // immigration's group comes first
  CHECK(department_of_identity(r, "bob", none) == kNone);
  CHECK(department_of_identity(r, "", imm) == kNone);  // no user: no identity
  (void)fin_cn;
}

TEST_CASE("decide: the user's department beats the network's, else the network",
          "[policy][identity]") {
  const RuleSet r = two_departments();
  Request req;
  req.client = *IpAddress::parse("10.20.1.1");  // immigration's network
  req.host = "chat.example";
  req.port = 443;
  req.connect = true;
  const TimePoint now = Clock::now();
  CHECK(decide(r, req, now).department == 0);
  req.user = "alice";
  CHECK(decide(r, req, now).department == 1);
  req.user = "nobody";
  CHECK(decide(r, req, now).department == 0);  // no listing: by network
  CHECK(department_of(r, req) == 0);
}

TEST_CASE("decide: approvals narrowed by users and groups", "[policy][identity]") {
  RuleSet r = two_departments();
  Approval a;
  a.id = "FIN-1";
  a.department = 1;
  a.scope = ApprovalScope::app;
  a.target = 0;
  a.valid_from = TimePoint{};
  a.valid_until = TimePoint::max();
  a.who.users = {"alice"};
  a.who.groups = {"traders"};
  r.approvals = {a};
  r.approvals_by_department = {{}, {0}};
  Request req;
  req.client = *IpAddress::parse("10.30.1.1");
  req.host = "chat.example";
  req.port = 443;
  req.connect = true;
  const TimePoint now = Clock::now();
  CHECK(decide(r, req, now).reason == Reason::category_blocked);  // anonymous: not named
  req.user = "alice@EX.GOV";
  auto d = decide(r, req, now);
  CHECK(d.reason == Reason::approved);
  CHECK(d.approval == 0);
  req.user = "dave";  // not listed, department finance by network
  CHECK(decide(r, req, now).reason == Reason::category_blocked);
  const std::vector<std::string> traders = {"traders"};
  req.groups = traders;
  CHECK(decide(r, req, now).reason == Reason::approved);
  // Without a selector the approval is the whole department's.
  r.approvals[0].who = {};
  req.user = {};
  req.groups = {};
  CHECK(decide(r, req, now).reason == Reason::approved);
}
