// load_config(): the stages in order, then the matcher is built and the
// result handed out whole or not at all.
#include "config/loader.hpp"

#include <sys/stat.h>

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "config/load_context.hpp"

namespace gh {

void check_shadowed_rules(LoadContext& ctx) {
  const RuleSet& r = *ctx.rules;
  auto category_of = [&](std::uint32_t entry) {
    return r.sources[r.entries[entry].source].category;
  };
  // ".a.com" covers "a.com" too; the matcher only reports parents strictly above.
  std::unordered_map<std::string_view, std::uint32_t> suffix_rules;
  for (const AppRule& a : ctx.app_rules)
    if (a.suffix) suffix_rules.emplace(a.domain, a.entry);
  for (const AppRule& a : ctx.app_rules) {
    const std::uint32_t category = category_of(a.entry);
    if (!a.suffix) {
      auto it = suffix_rules.find(a.domain);
      if (it != suffix_rules.end() && category_of(it->second) == category) {
        ctx.warning(a.where, "rule '" + a.domain + "' is shadowed by '." + a.domain + "' (" +
                                 r.location(it->second) + ") of the same category");
        continue;
      }
    }
    auto hit = r.domains.lookup_parent(a.domain);
    if (!hit || category_of(hit->value) != category) continue;
    const std::string parent = a.domain.substr(a.domain.size() - hit->length);
    ctx.warning(a.where, "rule '" + std::string(a.suffix ? "." : "") + a.domain +
                             "' is shadowed by '." + parent + "' (" + r.location(hit->value) +
                             ") of the same category");
  }
}

void build_domain_matcher(LoadContext& ctx) {
  try {
    ctx.rules->domains = std::move(ctx.domains).build();
  } catch (const std::length_error& e) {  // docs/matcher.md, "Limits"
    ctx.error(ctx.main_where, std::string("the domain lists: ") + e.what());
  }
}

LoadResult load_config(const std::string& path, TimePoint now) {
  LoadContext ctx(now);
  // Every stage runs even after an error, so one `check` shows every problem.
  load_main_config(ctx, path);
  load_category_files(ctx);
  load_domain_lists(ctx);
  resolve_policy_categories(ctx);
  load_departments(ctx);
  load_approvals(ctx);
  RuleSet& r = *ctx.rules;
  if (!r.urls.compile()) ctx.error(ctx.main_where, "the urls: patterns exceed re2's memory limit");
  if (!r.host_patterns.compile())
    ctx.error(ctx.main_where, "the feeds' regexp:/keyword: lines exceed re2's memory limit");
  build_domain_matcher(ctx);
  check_shadowed_rules(ctx);
  load_intercept_selectors(ctx);
  ctx.sort_diagnostics();

  LoadResult out;
  out.diagnostics = std::move(ctx.diags);
  if (!has_errors(out.diagnostics)) {
    out.rules = std::move(ctx.rules);
    out.settings = std::move(ctx.settings);
  }
  return out;
}

std::string default_config_path() {
  struct stat st {};
  if (::stat("rules/gatehouse.yaml", &st) == 0) return "rules/gatehouse.yaml";
  return "/etc/gatehouse/gatehouse.yaml";
}

}  // namespace gh
