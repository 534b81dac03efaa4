// Policy test files for `gatehouse test` (README "Rule files"): a YAML list of
// expectations, each with the target forms of `explain`.
//
// Example:
//   - { target: "https://web.whatsapp.com/", client: "10.30.1.5",
//       expect: { action: block, app: whatsapp-web } }
//   - { target: "www.google.com", expect: { action: allow, category: null } }
//   - { target: "web.whatsapp.com:443", user: alice, groups: [fin-staff],
//       expect: { department: finance } }
// Read here (config/ is the only place that knows yaml-cpp); run by cli/test.cpp.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostic.hpp"

namespace gh {

struct PolicyExpectation {
  std::string key;  // action, reason, category, app, department, approval, schedule
  std::optional<std::string> value;  // nullopt: expected null (none)
};

struct PolicyTestCase {
  std::string file;
  int line = 0;
  std::string target;
  std::string client;  // empty: explain's default
  std::string user;    // empty: anonymous (README "Identity": as `explain --user`)
  // Given: exactly these groups, no group source asked. Absent: the groups
  // file's entry for the user, if the config has one (a directory is never asked).
  std::optional<std::vector<std::string>> groups;
  int user_line = 0;
  std::string at;                         // RFC 3339; empty: explain's default (now)
  std::vector<PolicyExpectation> expect;  // in the order written
};

struct PolicyTestFile {
  std::vector<PolicyTestCase> cases;
  std::vector<Diagnostic> diagnostics;  // problems in the file itself
  std::size_t broken = 0;               // entries with an error: counted as failed, never run
};

PolicyTestFile load_policy_tests(const std::string& path);

}  // namespace gh
