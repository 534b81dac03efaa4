// departments.yaml: who the clients are, by network (SPEC §3, §5).
#include "config/load_context.hpp"

namespace gh {

using Node = YAML::Node;

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
    MapView m(ctx, file, item, {"id", "name", "head", "networks"}, "department");
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
