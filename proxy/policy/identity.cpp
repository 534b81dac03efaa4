// README "Identity": how users and groups map to departments and approvals.
#include "policy/identity.hpp"

#include "policy/rule_set.hpp"

namespace gh {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The value of a DN's first RDN when its type is cn ("cn=imm,ou=..." -> "imm"),
// escapes left as written; empty if the first RDN is not a cn.
std::string_view first_cn(std::string_view dn) noexcept {
  if (dn.size() < 3 || !iequal(dn.substr(0, 3), "cn=")) return {};
  std::size_t i = 3;
  for (; i < dn.size(); ++i) {
    if (dn[i] == '\\') {
      ++i;  // an escaped character (RFC 4514) never ends the value
      continue;
    }
    if (dn[i] == ',' || dn[i] == '+') break;
  }
  return dn.substr(3, std::min(i, dn.size()) - 3);
}

bool is_dn(std::string_view s) noexcept { return s.find('=') != std::string_view::npos; }

}  // namespace

bool user_matches(std::string_view entry, std::string_view user) noexcept {
  if (entry.empty() || user.empty()) return false;
  if (entry == user) return true;
  const auto at = user.find('@');
  return at != std::string_view::npos && entry == user.substr(0, at);
}

bool group_matches(std::string_view entry, std::string_view group) noexcept {
  if (entry.empty() || group.empty()) return false;
  if (!is_dn(group)) return entry == group;  // a groups-file name
  if (is_dn(entry)) return iequal(entry, group);
  const std::string_view cn = first_cn(group);
  return !cn.empty() && iequal(entry, cn);
}

bool selector_matches(const IdentitySelector& sel, std::string_view user,
                      std::span<const std::string> groups) noexcept {
  for (const std::string& u : sel.users)
    if (user_matches(u, user)) return true;
  for (const std::string& g : sel.groups)
    for (const std::string& have : groups)
      if (group_matches(g, have)) return true;
  return false;
}

std::uint32_t department_of_identity(const RuleSet& rules, std::string_view user,
                                     std::span<const std::string> groups) noexcept {
  if (user.empty()) return kNone;
  for (std::size_t i = 0; i < rules.departments.size(); ++i)
    if (selector_matches(rules.departments[i].members, user, groups))
      return static_cast<std::uint32_t>(i);
  return kNone;
}

}  // namespace gh
