// The compiled selectors of README "HTTPS interception": which flows are decrypted
// (`tls_intercept.inspect`, `never`) and which header rules (`policy.headers`)
// apply. Data only, built by config/ and kept in the RuleSet so that a reload
// swaps them with the rules they refer to (app and category indices).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gh {

// `app:ID`, `category:ID` or a domain in rule syntax (".x.com" covers subdomains).
struct InterceptSelector {
  enum class Kind : std::uint8_t { app, category, domain };
  Kind kind = Kind::domain;
  std::uint32_t target = 0xffffffffu;  // app or category index
  std::string domain;                  // canonical, for Kind::domain
  bool suffix = false;
  std::string text;      // as written, for diagnostics
  std::string location;  // "rules/gatehouse.yaml:54:13"
};

// One `policy.headers` entry: on the flows it names, `set` replaces (never
// duplicates) the headers the client sent.
struct HeaderRule {
  std::vector<InterceptSelector> domains;  // Kind::domain only
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::uint32_t> departments;  // empty: every department (and none)
  std::string location;
};

struct InterceptRules {
  bool enabled = false;     // tls_intercept is not `off`
  bool block_pages = true;  // decrypt blocked flows to show the block page
  std::vector<InterceptSelector> inspect;
  std::vector<InterceptSelector> never;
  std::vector<HeaderRule> headers;
};

}  // namespace gh
