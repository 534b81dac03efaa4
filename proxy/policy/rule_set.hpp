// The immutable result of loading a rule tree. Built once by config/, then
// only read (through std::shared_ptr<const RuleSet>, swapped atomically on
// reload), so requests in flight keep the rules they started with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/cidr_table.hpp"
#include "policy/domain_matcher.hpp"
#include "policy/host_patterns.hpp"
#include "policy/identity.hpp"
#include "policy/intercept_rules.hpp"
#include "policy/ip_address.hpp"
#include "policy/schedule.hpp"
#include "policy/types.hpp"
#include "policy/url_patterns.hpp"

namespace gh {

inline constexpr std::uint32_t kNone = 0xffffffffu;

struct Category {
  std::string id;  // "instant-messaging-web"
  std::string title;
  Verdict action = Verdict::allow;  // policy.categories[id], default allow
  // A first-match list (README "Rule files"): these, in order, while their schedule is
  // in force; `action` otherwise.
  std::vector<ScheduledVerdict> scheduled = {};
};

struct App {
  std::string id;  // "whatsapp-web"
  std::string title;
  std::uint32_t category = kNone;
};

// A department's own verdict for one category (README "Rule files"), in place of the
// category's; approvals still apply on top.
struct DepartmentVerdict {
  std::uint32_t category = kNone;
  std::vector<ScheduledVerdict> scheduled;  // first in force wins
  Verdict action = Verdict::allow;          // otherwise
};

struct Department {
  std::string id;  // "immigration"
  std::string name;
  std::string head;
  std::vector<DepartmentVerdict> overrides = {};  // few: searched linearly
  IdentitySelector members = {};  // users:/groups: (README "Identity"), before networks
};

enum class ApprovalScope : std::uint8_t { app, category, domain };

struct Approval {
  std::string id;  // "IMM-2026-014"
  std::uint32_t department = kNone;
  ApprovalScope scope = ApprovalScope::app;
  std::uint32_t target = kNone;  // app or category index for those scopes
  std::string domain;            // canonical, for ApprovalScope::domain
  bool domain_suffix = false;    // ".x.com" covers subdomains
  std::vector<Cidr> networks;    // empty: the whole department
  IdentitySelector who;          // users:/groups: that narrow it further; empty: anyone
  std::string approved_by;
  std::string reason;
  std::string granted;    // as written, YYYY-MM-DD
  std::string expires;    // as written, YYYY-MM-DD (inclusive)
  TimePoint valid_from;   // start of `granted` in policy.timezone
  TimePoint valid_until;  // end of `expires` (exclusive) in policy.timezone
  std::string location;   // "rules/approvals.yaml:3"
};

// Where a group of rules came from: one app of a category file, or one
// domain_lists file. Kept apart from RuleEntry so a million list entries
// cost 8 bytes each.
struct RuleSource {
  std::uint32_t file = kNone;  // index into RuleSet::files
  std::uint32_t category = kNone;
  std::uint32_t app = kNone;  // kNone for a plain domain list
};

struct RuleEntry {
  std::uint32_t source = kNone;  // index into RuleSet::sources
  std::uint32_t line = 0;
};

struct PolicySettings {
  Verdict uncategorized = Verdict::allow;
  Verdict no_sni = Verdict::allow;
  Verdict ech = Verdict::block;
  Verdict sni_mismatch = Verdict::block;
  Verdict non_tls_tunnel = Verdict::block;  // allow | block: first tunnel bytes not TLS
  bool block_private_destinations = true;
  std::string timezone = "UTC";
};

struct RuleSet {
  std::vector<std::string> files;  // paths as shown to users (relative to cwd)
  std::vector<Category> categories;
  std::vector<App> apps;
  std::vector<Department> departments;
  std::vector<Approval> approvals;
  std::vector<std::vector<std::uint32_t>> approvals_by_department;  // parallel to departments
  std::vector<RuleSource> sources;
  std::vector<RuleEntry> entries;  // the value carried by domains, app_networks, urls

  DomainMatcher domains;
  CidrTable app_networks;         // IP literals -> RuleEntry
  CidrTable private_allowed;      // networks a rule allows despite block_private_destinations
  UrlPatterns urls;               // -> RuleEntry
  CidrTable department_networks;  // -> department index
  CidrTable clients_allow;        // value unused
  std::vector<std::uint16_t> connect_ports{443};
  PolicySettings policy;
  HostPatterns host_patterns;  // v2fly regexp:/keyword: lines, after a domain miss -> RuleEntry
  std::uint64_t skipped_list_lines = 0;  // bad feed lines dropped under on_error: skip
  std::vector<Schedule> schedules;       // README "Rule files", named weekly windows
  UtcOffsets local_time;                 // policy.timezone, for schedules
  InterceptRules intercept;  // README "HTTPS interception": inspect, never, policy.headers

  // "file:line" of a rule entry (allocates; for output, not the hot path).
  std::string location(std::uint32_t entry) const;
  std::uint32_t category_index(std::string_view id) const noexcept;  // kNone if unknown
  std::uint32_t app_index(std::string_view id) const noexcept;
  std::uint32_t department_index(std::string_view id) const noexcept;
  std::uint32_t schedule_index(std::string_view id) const noexcept;
};

}  // namespace gh
