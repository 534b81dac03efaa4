// Metrics: every counter is a relaxed atomic; the hot path (decision())
// never takes a lock while the rule set it is given is the current one.
//
// Decision labels are bounded: category and department names get a global
// slot (kCategorySlots x kDepartmentSlots, overflow -> "_other") in a grid
// allocated once, so counters never move and survive reloads. Each loaded
// RuleSet gets a small table mapping its indices to those slots; requests
// still running on an older RuleSet resolve names under a mutex (rare: only
// across a reload).
#include "runtime/metrics.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string_view>
#include <vector>

#include "tls/intercept_metrics.hpp"

namespace gh {
namespace {

constexpr std::size_t kActions = 3;
constexpr std::size_t kReasons = kReasonCount;
// Slot 0 is "no category/department" (label value ""), the last slot is the
// overflow "_other"; names take the slots in between, first come first served.
constexpr std::size_t kCategorySlots = 64;
constexpr std::size_t kDepartmentSlots = 256;
constexpr std::uint16_t kOtherCategory = kCategorySlots - 1;
constexpr std::uint16_t kOtherDepartment = kDepartmentSlots - 1;

// Decision latency buckets (upper bounds), in nanoseconds and as rendered.
constexpr std::array<std::int64_t, 17> kBucketNs{
    1'000,      2'500,      5'000,      10'000,      25'000,       50'000,
    100'000,    250'000,    500'000,    1'000'000,   2'500'000,    5'000'000,
    10'000'000, 25'000'000, 50'000'000, 100'000'000, 1'000'000'000};
constexpr std::array<std::string_view, 17> kBucketLe{
    "1e-06", "2.5e-06", "5e-06", "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005",
    "0.001", "0.0025",  "0.005", "0.01",  "0.025",   "0.05",  "0.1",    "1"};

using Counter = std::atomic<std::uint64_t>;

// Statuses of local replies counted by label (0: a refusal without an HTTP
// answer: a TLS alert or a close); anything else is counted as "other".
constexpr std::array<int, 14> kReplyStatuses{0,   200, 400, 403, 407, 408, 429,
                                             431, 502, 503, 504, 508, 411, 413};

// Index maps of one RuleSet into the global label slots.
struct LabelTable {
  const RuleSet* rules = nullptr;
  std::vector<std::uint16_t> category_slot;    // parallel to rules->categories
  std::vector<std::uint16_t> department_slot;  // parallel to rules->departments
  TimePoint retired{};
};

// A Prometheus label value: backslash, double quote and newline escaped.
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%" PRIu64, v);
  out.append(buf, static_cast<std::size_t>(n));
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::uint64_t v) {
  out += name;
  out += ' ';
  append_u64(out, v);
  out += '\n';
}

void sample_double(std::string& out, std::string_view name, double v) {
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, " %.6f\n", v);
  out += name;
  out.append(buf, static_cast<std::size_t>(n));
}

}  // namespace

struct Metrics::Impl {
  Counter connections_open{0};
  Counter connections_total{0};
  Counter audit_unavailable{0};
  std::array<Counter, kReplyStatuses.size() + 1> replies{};  // last = any other status
  Counter reloads_ok{0};
  Counter reloads_failed{0};
  std::array<Counter, kReasons> reasons{};
  std::array<Counter, kBucketNs.size() + 1> latency_buckets{};  // last = +Inf
  Counter latency_count{0};
  Counter latency_sum_ns{0};
  std::unique_ptr<Counter[]> decisions{new Counter[kActions * kCategorySlots * kDepartmentSlots]{}};

  // Rules gauges of the current rule set.
  std::atomic<std::int64_t> loaded_at_ns{0};  // 0 = never loaded
  Counter rules_entries{0}, rules_domains{0}, rules_categories{0}, rules_apps{0},
      rules_departments{0}, rules_approvals{0}, rules_skipped_lines{0};

  std::atomic<const LabelTable*> current{nullptr};

  mutable std::mutex mu;  // guards the members below
  std::vector<std::string> category_names{""};
  std::vector<std::string> department_names{""};
  std::unique_ptr<LabelTable> owned_current;
  std::deque<std::unique_ptr<LabelTable>> retired;

  Counter& cell(Action a, std::uint16_t cat, std::uint16_t dep) const noexcept {
    std::size_t i = (static_cast<std::size_t>(a) * kCategorySlots + cat) * kDepartmentSlots + dep;
    return decisions[i];
  }

  // Caller holds mu.
  static std::uint16_t slot_of(std::vector<std::string>& names, std::string_view name,
                               std::size_t capacity) {
    if (name.empty()) return 0;
    for (std::size_t i = 1; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<std::uint16_t>(i);
    }
    if (names.size() + 1 >= capacity) return static_cast<std::uint16_t>(capacity - 1);
    names.emplace_back(name);
    return static_cast<std::uint16_t>(names.size() - 1);
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::connection_opened() noexcept {
  impl_->connections_open.fetch_add(1, std::memory_order_relaxed);
  impl_->connections_total.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::connection_closed() noexcept {
  impl_->connections_open.fetch_sub(1, std::memory_order_relaxed);
}

std::uint64_t Metrics::connections_open() const noexcept {
  return impl_->connections_open.load(std::memory_order_relaxed);
}

void Metrics::decision(const RuleSet& rules, const Decision& d,
                       std::chrono::nanoseconds latency) noexcept {
  Impl& m = *impl_;
  std::uint16_t cat = 0, dep = 0;
  const LabelTable* t = m.current.load(std::memory_order_acquire);
  if (t != nullptr && t->rules == &rules) {
    if (d.category < t->category_slot.size()) cat = t->category_slot[d.category];
    if (d.department < t->department_slot.size()) dep = t->department_slot[d.department];
  } else {
    // A RuleSet that is not (or no longer) the current one: resolve by name.
    std::string_view cname, dname;
    if (d.category < rules.categories.size()) cname = rules.categories[d.category].id;
    if (d.department < rules.departments.size()) dname = rules.departments[d.department].id;
    try {
      std::lock_guard lock(m.mu);
      cat = Impl::slot_of(m.category_names, cname, kCategorySlots);
      dep = Impl::slot_of(m.department_names, dname, kDepartmentSlots);
    } catch (...) {  // allocation failure: count under "_other" rather than throw
      cat = cname.empty() ? 0 : kOtherCategory;
      dep = dname.empty() ? 0 : kOtherDepartment;
    }
  }
  auto a = static_cast<std::size_t>(d.action);
  if (a >= kActions) a = static_cast<std::size_t>(Action::deny);
  m.cell(static_cast<Action>(a), cat, dep).fetch_add(1, std::memory_order_relaxed);
  auto r = static_cast<std::size_t>(d.reason);
  if (r < kReasons) m.reasons[r].fetch_add(1, std::memory_order_relaxed);

  std::int64_t ns = latency.count() < 0 ? 0 : latency.count();
  std::size_t b = 0;
  while (b < kBucketNs.size() && ns > kBucketNs[b]) ++b;
  m.latency_buckets[b].fetch_add(1, std::memory_order_relaxed);
  m.latency_count.fetch_add(1, std::memory_order_relaxed);
  m.latency_sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void Metrics::audit_unavailable() noexcept {
  impl_->audit_unavailable.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::local_reply(int status) noexcept {
  std::size_t i = 0;
  while (i < kReplyStatuses.size() && kReplyStatuses[i] != status) ++i;
  impl_->replies[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::reload(bool ok) noexcept {
  (ok ? impl_->reloads_ok : impl_->reloads_failed).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::rules_loaded(const RuleSet& rules, TimePoint when) noexcept {
  Impl& m = *impl_;
  try {
    auto table = std::make_unique<LabelTable>();
    table->rules = &rules;
    std::lock_guard lock(m.mu);
    for (const auto& c : rules.categories)
      table->category_slot.push_back(Impl::slot_of(m.category_names, c.id, kCategorySlots));
    for (const auto& d : rules.departments)
      table->department_slot.push_back(Impl::slot_of(m.department_names, d.id, kDepartmentSlots));
    // A decision() that loaded the old table pointer may still be reading it
    // for a few nanoseconds: free retired tables only long after.
    auto now = Clock::now();
    while (!m.retired.empty() && now - m.retired.front()->retired > std::chrono::minutes(1))
      m.retired.pop_front();
    if (m.owned_current) {
      m.owned_current->retired = now;
      m.retired.push_back(std::move(m.owned_current));
    }
    m.current.store(table.get(), std::memory_order_release);
    m.owned_current = std::move(table);
  } catch (...) {
    // Out of memory: decisions fall back to the by-name path; still correct.
  }
  m.rules_entries.store(rules.entries.size(), std::memory_order_relaxed);
  m.rules_domains.store(rules.domains.size(), std::memory_order_relaxed);
  m.rules_categories.store(rules.categories.size(), std::memory_order_relaxed);
  m.rules_apps.store(rules.apps.size(), std::memory_order_relaxed);
  m.rules_departments.store(rules.departments.size(), std::memory_order_relaxed);
  m.rules_approvals.store(rules.approvals.size(), std::memory_order_relaxed);
  m.rules_skipped_lines.store(rules.skipped_list_lines, std::memory_order_relaxed);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
  m.loaded_at_ns.store(ns == 0 ? 1 : ns, std::memory_order_release);
}

// --- rendering: one function per family group, each reading its counters.
namespace {

std::uint64_t get(const Counter& c) { return c.load(std::memory_order_relaxed); }

void render_labelled(std::string& out, std::string_view name, std::string_view label,
                     std::string_view value, std::uint64_t v) {
  out += name;
  out += '{';
  out += label;
  out += "=\"";
  append_label_value(out, value);
  out += "\"} ";
  append_u64(out, v);
  out += '\n';
}

}  // namespace

void Metrics::render_decisions(std::string& out) const {
  const Impl& m = *impl_;
  header(out, "gatehouse_decisions_total", "counter",
         "Decisions by action, category and department (\"\" = none).");
  std::vector<std::string> cats, deps;
  {
    std::lock_guard lock(m.mu);
    cats = m.category_names;
    deps = m.department_names;
  }
  cats.resize(kCategorySlots);
  deps.resize(kDepartmentSlots);
  cats[kOtherCategory] = "_other";
  deps[kOtherDepartment] = "_other";
  for (std::size_t a = 0; a < kActions; ++a) {
    for (std::size_t c = 0; c < kCategorySlots; ++c) {
      for (std::size_t d = 0; d < kDepartmentSlots; ++d) {
        std::uint64_t v = get(m.cell(static_cast<Action>(a), static_cast<std::uint16_t>(c),
                                     static_cast<std::uint16_t>(d)));
        if (v == 0) continue;
        out += "gatehouse_decisions_total{action=\"";
        out += to_string(static_cast<Action>(a));
        out += "\",category=\"";
        append_label_value(out, cats[c]);
        out += "\",department=\"";
        append_label_value(out, deps[d]);
        out += "\"} ";
        append_u64(out, v);
        out += '\n';
      }
    }
  }
  header(out, "gatehouse_decision_reasons_total", "counter", "Decisions by reason.");
  for (std::size_t r = 0; r < kReasons; ++r)
    render_labelled(out, "gatehouse_decision_reasons_total", "reason",
                    to_string(static_cast<Reason>(r)), get(m.reasons[r]));
}

void Metrics::render_latency(std::string& out) const {
  const Impl& m = *impl_;
  header(out, "gatehouse_decision_latency_seconds", "histogram",
         "Time from a complete request (or ClientHello) to its decision.");
  // Read the buckets first and derive the count from them so that the +Inf
  // bucket always equals _count in one scrape.
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kBucketNs.size(); ++b) {
    cumulative += get(m.latency_buckets[b]);
    render_labelled(out, "gatehouse_decision_latency_seconds_bucket", "le", kBucketLe[b],
                    cumulative);
  }
  cumulative += get(m.latency_buckets[kBucketNs.size()]);
  render_labelled(out, "gatehouse_decision_latency_seconds_bucket", "le", "+Inf", cumulative);
  sample_double(out, "gatehouse_decision_latency_seconds_sum",
                static_cast<double>(get(m.latency_sum_ns)) / 1e9);
  sample(out, "gatehouse_decision_latency_seconds_count", cumulative);
}

void Metrics::render_replies(std::string& out) const {
  const Impl& m = *impl_;
  header(out, "gatehouse_local_replies_total", "counter",
         "Answers gatehouse wrote itself (block and error pages, PAC file, TLS alerts and "
         "refused closes as status 0), by status.");
  for (std::size_t i = 0; i < kReplyStatuses.size(); ++i) {
    const std::string status = std::to_string(kReplyStatuses[i]);
    render_labelled(out, "gatehouse_local_replies_total", "status", status, get(m.replies[i]));
  }
  render_labelled(out, "gatehouse_local_replies_total", "status", "other",
                  get(m.replies[kReplyStatuses.size()]));
}

void Metrics::render_audit(std::string& out, const AuditGauge& audit) const {
  header(out, "gatehouse_audit_queue_depth", "gauge", "Audit records waiting to be written.");
  sample(out, "gatehouse_audit_queue_depth", audit.queue_depth);
  header(out, "gatehouse_audit_write_errors_total", "counter", "Audit write errors.");
  sample(out, "gatehouse_audit_write_errors_total", audit.write_errors);
  header(out, "gatehouse_audit_seq", "gauge",
         "seq of the last audit record (anchor for audit verify --expect-seq).");
  sample(out, "gatehouse_audit_seq", audit.seq);
  header(out, "gatehouse_audit_failed", "gauge", "1 while the audit writer cannot write.");
  sample(out, "gatehouse_audit_failed", audit.failed ? 1 : 0);
  header(out, "gatehouse_audit_unavailable_total", "counter",
         "Requests refused with 503 because the audit log could not record them.");
  sample(out, "gatehouse_audit_unavailable_total", get(impl_->audit_unavailable));
}

void Metrics::render_rules(std::string& out, TimePoint now) const {
  const Impl& m = *impl_;
  header(out, "gatehouse_reloads_total", "counter", "Rule reloads by result.");
  render_labelled(out, "gatehouse_reloads_total", "result", "ok", get(m.reloads_ok));
  render_labelled(out, "gatehouse_reloads_total", "result", "failed", get(m.reloads_failed));
  header(out, "gatehouse_rules_loaded", "gauge", "Objects in the rule set in force, by kind.");
  const std::pair<std::string_view, const Counter*> kinds[] = {
      {"entries", &m.rules_entries},         {"domains", &m.rules_domains},
      {"categories", &m.rules_categories},   {"apps", &m.rules_apps},
      {"departments", &m.rules_departments}, {"approvals", &m.rules_approvals}};
  for (const auto& [kind, counter] : kinds)
    render_labelled(out, "gatehouse_rules_loaded", "kind", kind, get(*counter));
  header(out, "gatehouse_rules_skipped_lines", "gauge",
         "Domain-list lines skipped (on_error: skip) in the rule set in force.");
  sample(out, "gatehouse_rules_skipped_lines", get(m.rules_skipped_lines));
  std::int64_t loaded = m.loaded_at_ns.load(std::memory_order_acquire);
  header(out, "gatehouse_rules_loaded_timestamp_seconds", "gauge",
         "Unix time the rule set in force was loaded (0 = none yet).");
  sample_double(out, "gatehouse_rules_loaded_timestamp_seconds", static_cast<double>(loaded) / 1e9);
  header(out, "gatehouse_rules_age_seconds", "gauge",
         "Seconds since the rule set in force was loaded (0 = none yet).");
  double age = 0;
  if (loaded != 0) {
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
    age = std::max(0.0, static_cast<double>(now_ns.count() - loaded) / 1e9);
  }
  sample_double(out, "gatehouse_rules_age_seconds", age);
}

std::string Metrics::render(const AuditGauge& audit, TimePoint now) const {
  const Impl& m = *impl_;
  std::string out;
  out.reserve(8192);
  header(out, "gatehouse_connections_open", "gauge", "Client connections open now.");
  sample(out, "gatehouse_connections_open", get(m.connections_open));
  header(out, "gatehouse_connections_total", "counter", "Client connections accepted.");
  sample(out, "gatehouse_connections_total", get(m.connections_total));
  render_decisions(out);
  render_latency(out);
  render_replies(out);
  render_audit(out, audit);
  render_rules(out, now);
  out += auth.render();
  intercept_metrics().render(out);  // README "HTTPS interception"
  return out;
}

}  // namespace gh
