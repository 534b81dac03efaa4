// include.domain_lists: large feeds, loaded without per-line allocation.
// A million lines cost one file read, one canonicalisation and one hash
// insert each, plus 8 bytes of RuleEntry.
#include <cerrno>
#include <cstring>

#include "config/domain_list.hpp"
#include "config/load_context.hpp"
#include "config/rule_syntax.hpp"

namespace gh {
namespace {

// A feed with a systematic problem must not bury the output in messages.
constexpr std::size_t kMaxReportsPerFile = 20;

std::uint32_t list_category(LoadContext& ctx, const DomainListSpec& spec) {
  RuleSet& r = *ctx.rules;
  if (std::uint32_t c = r.category_index(spec.category); c != kNone) return c;
  auto it = ctx.policy_categories.find(spec.category);
  if (it == ctx.policy_categories.end()) {
    ctx.error(spec.category_where,
              "unknown category '" + spec.category +
                  "' (define it in a category file or give it an action in policy.categories)");
    return kNone;
  }
  // A feed may bring its own category; policy.categories gives its action.
  r.categories.push_back(
      Category{spec.category, spec.category, it->second.action, it->second.scheduled});
  ctx.category_where.push_back(it->second.where);
  return static_cast<std::uint32_t>(r.categories.size() - 1);
}

void load_list(LoadContext& ctx, const DomainListSpec& spec, std::string& text) {
  RuleSet& r = *ctx.rules;
  const std::uint32_t category = list_category(ctx, spec);
  if (!read_file(spec.path, text)) {
    ctx.error(spec.where, "cannot read '" + spec.path + "': " + std::strerror(errno));
    return;
  }
  if (category == kNone) return;
  ctx.settings->watched_files.push_back(spec.path);
  const std::uint32_t file = ctx.file_index(spec.path);
  const auto source = static_cast<std::uint32_t>(r.sources.size());
  r.sources.push_back(RuleSource{file, category, kNone});

  const std::size_t lines = count_lines(text);
  r.entries.reserve(r.entries.size() + lines);
  ctx.domains.reserve(r.entries.size() + lines);

  std::size_t errors = 0, duplicates = 0;
  std::string canonical;
  canonical.reserve(256);
  const std::string& path = spec.path;
  auto on_item = [&](const ListItem& it) {
    RuleCheck rc = check_rule_domain(it.body, canonical, PublicSuffixPolicy::reject);
    if (!rc.ok()) {
      if (errors++ < kMaxReportsPerFile) {
        std::string written =
            it.suffix && it.body.data() != text.data() && it.body.data()[-1] == '.'
                ? "." + std::string(it.body)
                : std::string(it.body);
        ctx.error(Where{path, static_cast<int>(it.line), static_cast<int>(it.col)},
                  describe(rc, written));
      }
      return;
    }
    const auto entry = static_cast<std::uint32_t>(r.entries.size());
    r.entries.push_back(RuleEntry{source, it.line});
    if (auto prev = ctx.domains.add(canonical, it.suffix, entry)) {
      r.entries.pop_back();
      if (duplicates++ < kMaxReportsPerFile)
        ctx.warning(Where{path, static_cast<int>(it.line), static_cast<int>(it.col)},
                    "duplicate rule '" + std::string(it.suffix ? "." : "") + canonical +
                        "' (first at " + r.location(*prev) + ")");
    }
  };
  auto on_problem = [&](std::uint32_t line, std::uint32_t col, std::string msg) {
    if (errors++ < kMaxReportsPerFile)
      ctx.error(Where{path, static_cast<int>(line), static_cast<int>(col)}, std::move(msg));
  };
  scan_domain_list(text, spec.suffix, on_item, on_problem);

  if (errors > kMaxReportsPerFile)
    ctx.error(Where{path, 1, 1},
              std::to_string(errors - kMaxReportsPerFile) + " more errors in this file not shown");
  if (duplicates > kMaxReportsPerFile)
    ctx.warning(Where{path, 1, 1}, std::to_string(duplicates - kMaxReportsPerFile) +
                                       " more duplicate rules in this file not shown");
}

}  // namespace

void load_domain_lists(LoadContext& ctx) {
  std::string text;  // one buffer reused for every list
  for (const DomainListSpec& spec : ctx.includes.domain_lists) load_list(ctx, spec, text);
}

}  // namespace gh
