// departments.yaml: who the clients are, by network (README "Main config"; README "Decisions").
#include <algorithm>
#include <cctype>
#include <map>

#include "config/load_context.hpp"

namespace gh {

using Node = YAML::Node;

namespace {

// `policy: { categories: { personal-webmail: monitor } }` (README "Rule files").
void read_department_policy(LoadContext& ctx, const std::string& file, const Node& n,
                            Department& d) {
  MapView m(ctx, file, n, {"categories"}, "department policy");
  const Node* cats = m.ok() ? m.require("categories") : nullptr;
  if (!cats) return;
  if (!cats->IsMap()) {
    ctx.error(where(file, *cats), "policy.categories: expected a mapping of category: action");
    return;
  }
  const RuleSet& r = *ctx.rules;
  for (auto it = cats->begin(); it != cats->end(); ++it) {
    const Node key = it->first, value = it->second;  // copies: see MapView
    std::string id;
    if (!read_string(ctx, file, key, id)) continue;
    DepartmentVerdict v;
    v.category = r.category_index(id);
    if (v.category == kNone) {
      ctx.error(where(file, key),
                "unknown category '" + id + "' in the policy of department '" + d.id + "'");
      continue;
    }
    if (std::any_of(d.overrides.begin(), d.overrides.end(),
                    [&](const DepartmentVerdict& o) { return o.category == v.category; })) {
      ctx.error(where(file, key), "duplicate key '" + id + "' in policy.categories");
      continue;
    }
    if (read_category_verdict(ctx, file, value, v.action, v.scheduled))
      d.overrides.push_back(std::move(v));
  }
}

}  // namespace

bool read_identity_names(LoadContext& ctx, const std::string& file, const Node* n,
                         std::string_view what, std::vector<std::string>& out) {
  if (!n) return true;
  if (!read_sequence(ctx, file, *n, what)) return false;
  bool ok = true;
  for (const Node& item : *n) {
    std::string name;
    if (!read_string(ctx, file, item, name)) {
      ok = false;
      continue;
    }
    if (name.empty() || name.find('\0') != std::string::npos) {
      ctx.error(where(file, item), std::string(what) + ": a name must not be empty or hold a NUL");
      ok = false;
      continue;
    }
    out.push_back(std::move(name));
  }
  return ok;
}

void load_departments(LoadContext& ctx) {
  RuleSet& r = *ctx.rules;
  if (!ctx.includes.departments) return;
  const auto& [file, ref] = *ctx.includes.departments;
  auto root = load_yaml_file(ctx, file, &ref);
  if (!root || root->IsNull()) return;
  MapView top(ctx, file, *root, {"departments"}, "departments file");
  const Node* list = top.ok() ? top.require("departments") : nullptr;
  if (!list || list->IsNull() || !read_sequence(ctx, file, *list, "departments")) return;
  // Group (lower case: DNs compare case-insensitively) -> the department that listed it first.
  std::map<std::string, std::string> group_owner;
  for (const Node& item : *list) {
    MapView m(ctx, file, item, {"id", "name", "head", "networks", "policy", "users", "groups"},
              "department");
    if (!m.ok()) continue;
    Department d;
    const Node* id = m.require("id");
    if (!id || !read_string(ctx, file, *id, d.id)) continue;
    if (d.id.empty()) {
      ctx.error(where(file, *id), "department id must not be empty");
      continue;
    }
    if (r.department_index(d.id) != kNone) {
      ctx.error(where(file, *id), "department '" + d.id + "' is already defined");
      continue;
    }
    if (const Node* n = m.get("name")) read_string(ctx, file, *n, d.name);
    if (const Node* h = m.get("head")) read_string(ctx, file, *h, d.head);
    if (d.name.empty()) d.name = d.id;
    if (const Node* p = m.get("policy")) read_department_policy(ctx, file, *p, d);
    read_identity_names(ctx, file, m.get("users"), "users", d.members.users);
    if (const Node* g = m.get("groups");
        g && read_identity_names(ctx, file, g, "groups", d.members.groups)) {
      std::size_t i = 0;
      for (const Node& item_g : *g) {
        if (i >= d.members.groups.size()) break;
        std::string key = d.members.groups[i++];
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto [it, fresh] = group_owner.emplace(key, d.id);
        if (!fresh && it->second != d.id)
          ctx.warning(where(file, item_g), "group '" + d.members.groups[i - 1] +
                                               "' is also listed by department '" + it->second +
                                               "', which comes first and wins");
      }
    }
    const bool has_members = !d.members.empty();
    const auto index = static_cast<std::uint32_t>(r.departments.size());
    r.departments.push_back(std::move(d));
    ctx.department_nets.emplace_back();
    // A department of users or groups alone needs no network (README "Identity").
    const Node* nets = has_members ? m.get("networks") : m.require("networks");
    if (!nets || !read_sequence(ctx, file, *nets, "networks")) continue;
    for (const Node& n : *nets) {
      Cidr c;
      if (!read_cidr(ctx, file, n, c)) continue;
      std::uint32_t existing = kNone;
      if (r.department_networks.insert(c, index, &existing)) {
        ctx.department_nets[index].push_back(c);
      } else if (existing == index) {
        ctx.warning(where(file, n), "duplicate network '" + c.to_string() + "'");
      } else {
        // Nested networks are fine (longest prefix wins); the identical one is ambiguous.
        ctx.error(where(file, n), "network '" + c.to_string() +
                                      "' is already claimed by department '" +
                                      r.departments[existing].id + "'");
      }
    }
  }
}

}  // namespace gh
