#include "policy/rule_set.hpp"

namespace gh {
namespace {

template <typename T>
std::uint32_t index_of(const std::vector<T>& v, std::string_view id) noexcept {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].id == id) return static_cast<std::uint32_t>(i);
  return kNone;
}

}  // namespace

std::string RuleSet::location(std::uint32_t entry) const {
  if (entry >= entries.size()) return {};
  const RuleEntry& e = entries[entry];
  if (e.source >= sources.size() || sources[e.source].file >= files.size()) return {};
  return files[sources[e.source].file] + ":" + std::to_string(e.line);
}

std::uint32_t RuleSet::category_index(std::string_view id) const noexcept {
  return index_of(categories, id);
}
std::uint32_t RuleSet::app_index(std::string_view id) const noexcept { return index_of(apps, id); }
std::uint32_t RuleSet::department_index(std::string_view id) const noexcept {
  return index_of(departments, id);
}
std::uint32_t RuleSet::schedule_index(std::string_view id) const noexcept {
  return index_of(schedules, id);
}

}  // namespace gh
