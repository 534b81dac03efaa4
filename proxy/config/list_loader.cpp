// include.domain_lists: large feeds, loaded without per-line allocation.
// A million lines cost one file read, one canonicalisation and one hash
// insert each, plus 8 bytes of RuleEntry.
#include <cerrno>
#include <cstring>

#include "config/domain_list.hpp"
#include "config/feed_load.hpp"
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

Where at(const std::string& file, std::uint32_t line, std::uint32_t col) {
  return Where{file, static_cast<int>(line), static_cast<int>(col)};
}

void load_plain_list(LoadContext& ctx, FeedLoad& feed, const DomainListSpec& spec,
                     std::string& text) {
  if (!read_file(spec.path, text)) {
    ctx.error(spec.where, "cannot read '" + spec.path + "': " + std::strerror(errno));
    return;
  }
  const std::uint32_t source = feed.source_for(spec.path);
  const std::size_t lines = count_lines(text);
  ctx.rules->entries.reserve(ctx.rules->entries.size() + lines);
  ctx.domains.reserve(ctx.rules->entries.size() + lines);
  const std::string& path = spec.path;
  auto on_item = [&](const ListItem& it) {
    const bool dotted = it.body.data() != text.data() && it.body.data()[-1] == '.';
    std::string_view written =
        dotted ? std::string_view(it.body.data() - 1, it.body.size() + 1) : it.body;
    feed.add_domain(source, path, it.line, it.col, it.body, it.suffix, written);
  };
  auto on_problem = [&](std::uint32_t line, std::uint32_t col, std::string msg) {
    feed.bad_line(path, line, col, std::move(msg));
  };
  scan_domain_list(text, spec.suffix, on_item, on_problem);
}

}  // namespace

FeedLoad::FeedLoad(LoadContext& ctx, const DomainListSpec& spec, std::uint32_t category)
    : ctx_(ctx), r_(*ctx.rules), spec_(spec), category_(category) {
  canonical_.reserve(256);
}

void FeedLoad::bad_line(const std::string& file, std::uint32_t line, std::uint32_t col,
                        std::string msg) {
  Counts& c = counts_[file];
  if (spec_.skip_bad_lines) ++c.skipped, ++r_.skipped_list_lines;
  if (c.reports++ >= kMaxReportsPerFile) return;
  if (spec_.skip_bad_lines)
    ctx_.warning(at(file, line, col), msg + "; line skipped (on_error: skip)");
  else
    ctx_.error(at(file, line, col), std::move(msg));
}

void FeedLoad::error(const std::string& file, std::uint32_t line, std::uint32_t col,
                     std::string msg) {
  ctx_.error(at(file, line, col), std::move(msg));
}

std::uint32_t FeedLoad::source_for(const std::string& file) {
  counts_.try_emplace(file);
  ctx_.settings->watched_files.push_back(file);
  const std::uint32_t index = ctx_.file_index(file);
  r_.sources.push_back(RuleSource{index, category_, kNone});
  return static_cast<std::uint32_t>(r_.sources.size() - 1);
}

void FeedLoad::add_domain(std::uint32_t source, const std::string& file, std::uint32_t line,
                          std::uint32_t col, std::string_view body, bool suffix,
                          std::string_view written) {
  // A public suffix is never applied, whatever on_error says (README "Rule files").
  RuleCheck rc = check_rule_domain(body, canonical_, PublicSuffixPolicy::reject);
  if (!rc.ok()) return bad_line(file, line, col, describe(rc, written));
  const auto entry = static_cast<std::uint32_t>(r_.entries.size());
  r_.entries.push_back(RuleEntry{source, line});
  if (auto prev = ctx_.domains.add(canonical_, suffix, entry)) {
    r_.entries.pop_back();
    if (counts_[file].duplicates++ < kMaxReportsPerFile)
      ctx_.warning(at(file, line, col), "duplicate rule '" + std::string(suffix ? "." : "") +
                                            canonical_ + "' (first at " + r_.location(*prev) + ")");
  }
}

void FeedLoad::add_regex(std::uint32_t source, const std::string& file, std::uint32_t line,
                         std::uint32_t col, std::string_view pattern) {
  const auto entry = static_cast<std::uint32_t>(r_.entries.size());
  r_.entries.push_back(RuleEntry{source, line});
  std::string err;
  if (!r_.host_patterns.add_regex(pattern, entry, &err)) {
    r_.entries.pop_back();
    bad_line(file, line, col, "bad regex '" + std::string(pattern) + "': " + err);
  }
}

void FeedLoad::add_keyword(std::uint32_t source, const std::string& file, std::uint32_t line,
                           std::uint32_t col, std::string_view keyword) {
  const auto entry = static_cast<std::uint32_t>(r_.entries.size());
  r_.entries.push_back(RuleEntry{source, line});
  std::string err;
  if (!r_.host_patterns.add_keyword(keyword, entry, &err)) {
    r_.entries.pop_back();
    bad_line(file, line, col, "bad keyword '" + std::string(keyword) + "': " + err);
  }
}

void FeedLoad::finish() {
  for (const auto& [file, c] : counts_) {
    if (c.reports > kMaxReportsPerFile) {
      const std::string more = std::to_string(c.reports - kMaxReportsPerFile);
      if (spec_.skip_bad_lines)
        ctx_.warning(at(file, 1, 1), more + " more skipped lines in this file not shown");
      else
        ctx_.error(at(file, 1, 1), more + " more errors in this file not shown");
    }
    if (c.skipped > 0)
      ctx_.warning(at(file, 1, 1), std::to_string(c.skipped) +
                                       " bad line(s) skipped in all (on_error: skip); the rest "
                                       "of the list applies");
    if (c.duplicates > kMaxReportsPerFile)
      ctx_.warning(at(file, 1, 1), std::to_string(c.duplicates - kMaxReportsPerFile) +
                                       " more duplicate rules in this file not shown");
  }
}

void load_domain_lists(LoadContext& ctx) {
  std::string text;  // one buffer reused for every plain list
  for (const DomainListSpec& spec : ctx.includes.domain_lists) {
    const std::uint32_t category = list_category(ctx, spec);
    if (spec.broken) continue;  // its own errors are reported; the category stays defined
    if (category == kNone) {
      if (!read_file(spec.path, text))
        ctx.error(spec.where, "cannot read '" + spec.path + "': " + std::strerror(errno));
      continue;
    }
    FeedLoad feed(ctx, spec, category);
    if (spec.v2fly)
      load_v2fly_list(ctx, feed, spec);
    else
      load_plain_list(ctx, feed, spec, text);
    feed.finish();
  }
}

}  // namespace gh
