// departments.yaml: who the clients are, by network (README "Main config"; README "Decisions").
#include <algorithm>

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
      ctx.error(where(file, key), "unknown category '" + id + "' in the policy of department '" +
                                      d.id + "'");
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

void load_departments(LoadContext& ctx) {
  RuleSet& r = *ctx.rules;
  if (!ctx.includes.departments) return;
  const auto& [file, ref] = *ctx.includes.departments;
  auto root = load_yaml_file(ctx, file, &ref);
  if (!root || root->IsNull()) return;
  MapView top(ctx, file, *root, {"departments"}, "departments file");
  const Node* list = top.ok() ? top.require("departments") : nullptr;
  if (!list || list->IsNull() || !read_sequence(ctx, file, *list, "departments")) return;
  for (const Node& item : *list) {
    MapView m(ctx, file, item, {"id", "name", "head", "networks", "policy"}, "department");
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
    const auto index = static_cast<std::uint32_t>(r.departments.size());
    r.departments.push_back(std::move(d));
    ctx.department_nets.emplace_back();
    const Node* nets = m.require("networks");
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
