// Who a department or an approval names (README "Identity"): user names and
// directory groups, matched against what authentication found. Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

struct RuleSet;

// `users:` and `groups:` of a departments.yaml entry or an approval.
struct IdentitySelector {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  bool empty() const noexcept { return users.empty() && groups.empty(); }
};

// A `users:` entry against the recorded user name.
// Examples:
//   entry "alice", user "alice"              -> true
//   entry "alice", user "alice@EXAMPLE.GOV"  -> true  (the part before '@')
//   entry "alice@EXAMPLE.GOV", user "alice@EXAMPLE.GOV" -> true
//   entry "alice@EXAMPLE.GOV", user "alice"  -> false
//   entry "Alice", user "alice"              -> false (exact)
bool user_matches(std::string_view entry, std::string_view user) noexcept;

// A `groups:` entry against one group the group source returned.
// Examples:
//   entry "cn=imm,ou=groups,dc=ex,dc=gov", group "CN=Imm,OU=Groups,DC=ex,DC=gov" -> true
//   entry "imm",  group "cn=IMM,ou=groups,dc=ex,dc=gov" -> true (bare name vs the cn)
//   entry "imm",  group "uid=imm,ou=people,dc=ex,dc=gov" -> false (not a cn)
//   entry "imm",  group "imm" (groups file)              -> true
//   entry "imm",  group "IMM" (groups file)              -> false (file names are exact)
bool group_matches(std::string_view entry, std::string_view group) noexcept;

// True if the selector names the user or one of the groups.
bool selector_matches(const IdentitySelector& sel, std::string_view user,
                      std::span<const std::string> groups) noexcept;

// The first department (file order) whose selector names the user or one of
// its groups; kNone if none does (the caller then uses the network).
std::uint32_t department_of_identity(const RuleSet& rules, std::string_view user,
                                     std::span<const std::string> groups) noexcept;

}  // namespace gh
