// Internal to config/: the state of one load_config() call, shared by the
// stages that read the main file, category files, domain lists, departments
// and approvals. Each stage reports into `diags` and fills `rules`/`settings`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/settings.hpp"
#include "config/v2fly.hpp"
#include "policy/rule_set.hpp"

namespace gh {

// Where something was written: file index into LoadContext::files_shown, 1-based line/col.
struct Where {
  std::string file;
  int line = 0;
  int col = 0;
};

struct PolicyCategory {
  Verdict action = Verdict::allow;
  std::vector<ScheduledVerdict> scheduled;  // a first-match list's scheduled entries
  Where where;
  bool defined = false;  // by a category file or a domain list
};

struct DomainListSpec {
  std::string path;  // as shown (joined with the config's directory)
  std::string category;
  bool suffix = false;
  bool v2fly = false;             // format: v2fly (each line says suffix or exact)
  std::vector<AttrFilter> attrs;  // attrs: ["!cn"], v2fly only
  bool skip_bad_lines = true;     // on_error: skip (default) | reject
  bool broken = false;            // its options had errors: defines its category, loads nothing
  Where where;                    // the list entry in the main config
  Where category_where;           // its category: value
};

// App rules are remembered (they are few) for the shadowing check after build.
struct AppRule {
  std::string domain;
  bool suffix = false;
  std::uint32_t entry = kNone;
  Where where;
};

struct Includes {
  std::vector<std::pair<std::string, Where>> category_globs;  // joined pattern
  std::optional<std::pair<std::string, Where>> departments;
  std::optional<std::pair<std::string, Where>> approvals;
  std::vector<DomainListSpec> domain_lists;
};

// `tls_intercept` selectors and `policy.headers`, kept from the main config
// until apps, categories and departments are known (tls_intercept_config.cpp).
struct InterceptNodes {
  std::optional<YAML::Node> inspect, never, headers;
};

class LoadContext {
 public:
  explicit LoadContext(TimePoint now);

  TimePoint now;
  std::vector<Diagnostic> diags;
  std::shared_ptr<RuleSet> rules;
  std::shared_ptr<Settings> settings;
  DomainMatcher::Builder domains;
  std::map<std::string, PolicyCategory, std::less<>> policy_categories;
  Includes includes;
  std::vector<AppRule> app_rules;
  Where main_where;                   // the main config, for problems that have no better place
  std::vector<Where> category_where;  // parallel to rules->categories
  std::vector<std::vector<Cidr>> department_nets;  // parallel to rules->departments
  InterceptNodes intercept_nodes;

  void report(Severity s, const Where& w, std::string message);
  void error(const Where& w, std::string message) {
    report(Severity::error, w, std::move(message));
  }
  void warning(const Where& w, std::string message) {
    report(Severity::warning, w, std::move(message));
  }
  // Index of `shown` in rules->files (added on first use), and its rank for sorting.
  std::uint32_t file_index(const std::string& shown);
  // Errors and warnings sorted by file (in the order files were read), line, col.
  void sort_diagnostics();

 private:
  std::unordered_map<std::string, std::uint32_t> file_rank_;
};

// Location of a YAML node in `file` (yaml-cpp marks are 0-based).
Where where(const std::string& file, const YAML::Node& n);
Where where(const std::string& file, const YAML::Mark& m);

// `rel` relative to `dir` as a user would type it ("rules" + "a.yaml" -> "rules/a.yaml").
std::string join_path(const std::string& dir, const std::string& rel);
std::string dir_of(const std::string& path);

// Reads and parses a YAML file. On failure reports at `ref` (the include that
// named it) or at the file itself for syntax errors, and returns nullopt.
std::optional<YAML::Node> load_yaml_file(LoadContext& ctx, const std::string& path,
                                         const Where* ref);

// A mapping whose keys have been checked against an allowed set: unknown and
// duplicate keys are reported; get() finds the rest.
class MapView {
 public:
  MapView(LoadContext& ctx, const std::string& file, const YAML::Node& node,
          std::initializer_list<std::string_view> allowed, std::string_view what);
  bool ok() const noexcept { return ok_; }
  const YAML::Node* get(std::string_view key) const;
  // get() or an error "missing key 'k'" at the mapping.
  const YAML::Node* require(std::string_view key) const;
  Where at() const { return where(file_, node_); }

 private:
  LoadContext& ctx_;
  std::string file_;
  YAML::Node node_;
  std::string what_;
  bool ok_ = false;
  std::vector<std::pair<std::string, YAML::Node>> items_;
};

// Typed readers: on a wrong type or value they report at the node and return false.
bool read_string(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::string& out);
bool read_bool(LoadContext& ctx, const std::string& file, const YAML::Node& n, bool& out);
bool read_uint(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::uint64_t min,
               std::uint64_t max, std::uint64_t& out);
bool read_duration(LoadContext& ctx, const std::string& file, const YAML::Node& n, Millis& out);
bool read_size(LoadContext& ctx, const std::string& file, const YAML::Node& n, std::uint64_t& out);
bool read_verdict(LoadContext& ctx, const std::string& file, const YAML::Node& n, Verdict& out);
bool read_cidr(LoadContext& ctx, const std::string& file, const YAML::Node& n, Cidr& out);
// A sequence (a single scalar is not accepted: lists stay lists).
bool read_sequence(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                   std::string_view what);
// "host:port" / "[v6]:port" with an IP literal host (listeners) or any host (pac.proxy).
bool valid_host_port(std::string_view text, bool ip_only);

// A category verdict: `block`, or a first-match list
// `[{schedule: lunch, action: monitor}, {action: block}]` (README "Rule files"). Needs
// the schedules loaded; reports at the node and returns false on a problem.
bool read_category_verdict(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                           Verdict& action, std::vector<ScheduledVerdict>& scheduled);

// The main config's `resolver:` block (resolver_config.cpp).
void read_resolver_block(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                         ResolverSettings& out);

// `users:` / `groups:` lists (departments.cpp): strings, none empty.
bool read_identity_names(LoadContext& ctx, const std::string& file, const YAML::Node* n,
                         std::string_view what, std::vector<std::string>& out);

// The main config's top-level `auth:` block (auth_config.cpp).
void read_auth_block(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                     AuthSettings& out);
// The main config's `tls_intercept:` block (tls_intercept_config.cpp): settings now,
// selectors kept in ctx.intercept_nodes for load_intercept_selectors().
void read_tls_intercept_block(LoadContext& ctx, const std::string& file, const std::string& dir,
                              const YAML::Node& n);

// Stages, in the order load_config() runs them.
void load_schedules(LoadContext& ctx, const std::string& file, const YAML::Node& n);
void load_main_config(LoadContext& ctx, const std::string& path);
void load_category_files(LoadContext& ctx);
void load_domain_lists(LoadContext& ctx);
void resolve_policy_categories(LoadContext& ctx);
void load_departments(LoadContext& ctx);
void load_approvals(LoadContext& ctx);
// ctx.domains built into the rules' matcher; a build that throws (a list
// whose names crowd one home line: docs/matcher.md, "Limits") is a load error.
void build_domain_matcher(LoadContext& ctx);
void check_shadowed_rules(LoadContext& ctx);
void load_intercept_selectors(LoadContext& ctx);  // after the matcher is built

}  // namespace gh
