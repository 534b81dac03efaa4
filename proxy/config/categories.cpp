// categories/*.yaml: one category per file, its apps and their domains,
// URL patterns and networks (README "Main config"; README "Rule files").
#include <glob.h>

#include <algorithm>

#include "config/load_context.hpp"
#include "config/rule_syntax.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Registrable domains of vendors whose other services and device sync live
// beside the web clients the shipped categories block (README "Category files").
bool is_vendor_domain(std::string_view d) noexcept {
  static constexpr std::string_view kVendors[] = {
      "google.com",   "microsoft.com", "live.com",   "qq.com",     "apple.com",
      "icloud.com",   "yahoo.com",     "baidu.com",  "163.com",    "sina.com.cn",
      "facebook.com", "aol.com",       "aliyun.com", "office.com", "weixin.qq.com"};
  for (std::string_view v : kVendors)
    if (v == d) return true;
  return false;
}

Verdict policy_action(const LoadContext& ctx, std::string_view category) {
  auto it = ctx.policy_categories.find(category);
  return it == ctx.policy_categories.end() ? Verdict::allow : it->second.action;
}

class CategoryFile {
 public:
  CategoryFile(LoadContext& ctx, const std::string& file)
      : ctx_(ctx), r_(*ctx.rules), file_(file) {}

  void load(const Node& root) {
    MapView m(ctx_, file_, root, {"category", "title", "apps"}, "category file");
    if (!m.ok()) return;
    const Node* id = m.require("category");
    std::string cid;
    if (!id || !read_string(ctx_, file_, *id, cid)) return;
    if (!valid_id(cid)) {
      ctx_.error(where(file_, *id), "bad category id '" + cid + "' (use a-z, 0-9 and '-')");
      return;
    }
    if (std::uint32_t prev = r_.category_index(cid); prev != kNone) {
      const Where& w = ctx_.category_where[prev];
      ctx_.error(where(file_, *id), "category '" + cid + "' is already defined at " + w.file + ":" +
                                        std::to_string(w.line));
      return;
    }
    Category c;
    c.id = cid;
    c.title = cid;
    if (const Node* t = m.get("title")) read_string(ctx_, file_, *t, c.title);
    c.action = policy_action(ctx_, cid);
    category_ = static_cast<std::uint32_t>(r_.categories.size());
    r_.categories.push_back(std::move(c));
    ctx_.category_where.push_back(where(file_, *id));
    file_index_ = ctx_.file_index(file_);
    const Node* apps = m.get("apps");
    if (!apps) return;
    if (!read_sequence(ctx_, file_, *apps, "apps")) return;
    for (const Node& a : *apps) app(a);
  }

 private:
  LoadContext& ctx_;
  RuleSet& r_;
  const std::string& file_;
  std::uint32_t category_ = kNone;
  std::uint32_t file_index_ = kNone;
  std::string canonical_;
  bool whole_domain_ = false;  // the app being read says it means a vendor's whole domain

  std::uint32_t new_entry(std::uint32_t source, const Node& n) {
    r_.entries.push_back(RuleEntry{source, static_cast<std::uint32_t>(n.Mark().line + 1)});
    return static_cast<std::uint32_t>(r_.entries.size() - 1);
  }

  void app(const Node& n) {
    MapView m(ctx_, file_, n, {"id", "title", "domains", "urls", "networks", "whole_domain"},
              "app");
    if (!m.ok()) return;
    const Node* id = m.require("id");
    std::string aid;
    if (!id || !read_string(ctx_, file_, *id, aid)) return;
    if (!valid_id(aid)) {
      ctx_.error(where(file_, *id), "bad app id '" + aid + "' (use a-z, 0-9 and '-')");
      return;
    }
    if (r_.app_index(aid) != kNone) {
      ctx_.error(where(file_, *id), "app '" + aid + "' is already defined");
      return;
    }
    App a;
    a.id = aid;
    a.title = aid;
    a.category = category_;
    if (const Node* t = m.get("title")) read_string(ctx_, file_, *t, a.title);
    whole_domain_ = false;
    if (const Node* w = m.get("whole_domain")) read_bool(ctx_, file_, *w, whole_domain_);
    const auto app_index = static_cast<std::uint32_t>(r_.apps.size());
    r_.apps.push_back(std::move(a));
    const auto source = static_cast<std::uint32_t>(r_.sources.size());
    r_.sources.push_back(RuleSource{file_index_, category_, app_index});

    // Counts what is written, valid or not: a bad entry has its own error.
    std::size_t rules = 0;
    if (const Node* d = m.get("domains"); d && read_sequence(ctx_, file_, *d, "domains"))
      for (const Node& item : *d) {
        ++rules;
        domain(source, item);
      }
    if (const Node* u = m.get("urls"); u && read_sequence(ctx_, file_, *u, "urls"))
      for (const Node& item : *u) {
        ++rules;
        url(source, item);
      }
    if (const Node* nw = m.get("networks"); nw && read_sequence(ctx_, file_, *nw, "networks"))
      for (const Node& item : *nw) {
        ++rules;
        network(source, item);
      }
    if (rules == 0)
      ctx_.warning(where(file_, *id), "app '" + aid + "' has no domains, urls or networks");
  }

  void domain(std::uint32_t source, const Node& item) {
    std::string text;
    if (!read_string(ctx_, file_, item, text)) return;
    const bool suffix = !text.empty() && text.front() == '.';
    RuleCheck rc = check_rule_domain(std::string_view(text).substr(suffix ? 1 : 0), canonical_,
                                     PublicSuffixPolicy::reject);
    if (!rc.ok()) {
      ctx_.error(where(file_, item), describe(rc, text));
      return;
    }
    const std::uint32_t entry = new_entry(source, item);
    if (auto prev = ctx_.domains.add(canonical_, suffix, entry)) {
      r_.entries.pop_back();
      ctx_.warning(where(file_, item),
                   "duplicate rule '" + text + "' (first at " + r_.location(*prev) + ")");
      return;
    }
    ctx_.app_rules.push_back(AppRule{canonical_, suffix, entry, where(file_, item)});
    if (suffix && !whole_domain_ && is_vendor_domain(canonical_))
      ctx_.warning(where(file_, item),
                   "rule '" + text +
                       "' blocks the vendor's whole domain, not its web client; "
                       "list the web client's hosts, or mark the app whole_domain: true");
  }

  void url(std::uint32_t source, const Node& item) {
    std::string pattern, err;
    if (!read_string(ctx_, file_, item, pattern)) return;
    const std::uint32_t entry = new_entry(source, item);
    if (!r_.urls.add(pattern, entry, &err)) {
      r_.entries.pop_back();
      ctx_.error(where(file_, item), "bad regex '" + pattern + "': " + err);
      return;
    }
    return;
  }

  void network(std::uint32_t source, const Node& item) {
    Cidr c;
    if (!read_cidr(ctx_, file_, item, c)) return;
    const std::uint32_t entry = new_entry(source, item);
    std::uint32_t existing = kNone;
    if (!r_.app_networks.insert(c, entry, &existing)) {
      r_.entries.pop_back();
      ctx_.warning(where(file_, item), "duplicate network '" + c.to_string() + "' (first at " +
                                           r_.location(existing) + ")");
      return;
    }
    // An allowed app may live on private addresses (README "Decisions" step 7).
    if (r_.categories[category_].action == Verdict::allow) r_.private_allowed.insert(c, entry);
    return;
  }
};

}  // namespace

void load_category_files(LoadContext& ctx) {
  std::vector<std::pair<std::string, Where>> files;
  for (const auto& [pattern, ref] : ctx.includes.category_globs) {
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        if (std::none_of(files.begin(), files.end(),
                         [&](const auto& f) { return f.first == path; }))
          files.emplace_back(std::move(path), ref);
      }
    } else if (pattern.find_first_of("*?[") == std::string::npos) {
      files.emplace_back(pattern, ref);  // a plain name: reading it reports why it is missing
    } else {
      ctx.warning(ref, "no category file matches '" + pattern + "'");
    }
    ::globfree(&g);
  }
  for (const auto& [path, ref] : files) {
    auto root = load_yaml_file(ctx, path, &ref);
    if (!root) continue;
    CategoryFile(ctx, path).load(*root);
  }
}

void resolve_policy_categories(LoadContext& ctx) {
  RuleSet& r = *ctx.rules;
  for (std::size_t i = 0; i < r.categories.size(); ++i) {
    auto it = ctx.policy_categories.find(r.categories[i].id);
    if (it != ctx.policy_categories.end()) {
      it->second.defined = true;
      r.categories[i].action = it->second.action;
      r.categories[i].scheduled = it->second.scheduled;
    } else {
      ctx.warning(i < ctx.category_where.size() ? ctx.category_where[i] : ctx.main_where,
                  "category '" + r.categories[i].id +
                      "' has no action in policy.categories; it is allowed");
    }
  }
  for (const auto& [id, pc] : ctx.policy_categories)
    if (!pc.defined)
      ctx.error(pc.where,
                "unknown category '" + id +
                    "' in policy.categories (no category file or domain list defines it)");
}

}  // namespace gh
