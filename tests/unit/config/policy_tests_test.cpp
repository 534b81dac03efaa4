// `gatehouse test` files (README "gatehouse test"): user and groups of a case.
#include <catch2/catch.hpp>

#include "config/policy_tests.hpp"
#include "temp_tree.hpp"

using namespace gh;
using namespace gh::test;

namespace {

std::string messages(const PolicyTestFile& f) {
  std::string out;
  for (const Diagnostic& d : f.diagnostics) out += d.format() + "\n";
  return out;
}

}  // namespace

TEST_CASE("policy tests: user and groups", "[config][policy_tests]") {
  TempTree t;
  t.write("t.yaml",
          "- { target: a.com, expect: { action: allow } }\n"
          "- { target: a.com, user: alice, expect: { department: finance } }\n"
          "- { target: a.com, user: alice, groups: [fin-staff, \"cn=x,dc=ex\"],"
          " expect: { department: finance } }\n"
          "- { target: a.com, user: bob, groups: [], expect: { department: null } }\n");
  const PolicyTestFile f = load_policy_tests(t.path("t.yaml"));
  INFO(messages(f));
  REQUIRE(f.broken == 0);
  REQUIRE(f.cases.size() == 4);
  CHECK(f.cases[0].user.empty());
  CHECK_FALSE(f.cases[0].groups);
  CHECK(f.cases[1].user == "alice");
  CHECK_FALSE(f.cases[1].groups);  // not given: the groups file decides
  REQUIRE(f.cases[2].groups);
  CHECK(*f.cases[2].groups == std::vector<std::string>{"fin-staff", "cn=x,dc=ex"});
  REQUIRE(f.cases[3].groups);
  CHECK(f.cases[3].groups->empty());  // given and empty: in no group
}

TEST_CASE("policy tests: a bad user or groups is a broken entry", "[config][policy_tests]") {
  TempTree t;
  t.write("t.yaml",
          "- { target: a.com, groups: [fin-staff], expect: { action: allow } }\n"
          "- { target: a.com, user: \"\", expect: { action: allow } }\n"
          "- { target: a.com, user: alice, groups: fin-staff, expect: { action: allow } }\n"
          "- { target: a.com, user: alice, groups: [\"\"], expect: { action: allow } }\n"
          "- { target: a.com, user: [alice], expect: { action: allow } }\n");
  const PolicyTestFile f = load_policy_tests(t.path("t.yaml"));
  const std::string m = messages(f);
  INFO(m);
  CHECK(f.broken == 5);
  CHECK(f.cases.empty());
  CHECK(m.find("t.yaml:1:28: error: groups needs a user") != std::string::npos);
  CHECK(m.find("t.yaml:2:26: error: user must not be empty") != std::string::npos);
  CHECK(m.find("t.yaml:3:41: error: groups: expected a list") != std::string::npos);
  CHECK(m.find("t.yaml:4:42: error: groups: a name must not be empty") != std::string::npos);
  CHECK(m.find("t.yaml:5:26: error: expected a string") != std::string::npos);
}
