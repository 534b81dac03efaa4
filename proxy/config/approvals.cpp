// approvals.yaml: the department heads' signed-off exceptions (README "Main config"; README
// "Decisions"). Dates are whole days in policy.timezone; `expires` is inclusive.
#include <algorithm>

#include "config/calendar.hpp"
#include "config/load_context.hpp"
#include "config/rule_syntax.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

constexpr auto kExpiryWarning = std::chrono::hours(24 * 14);

bool inside_department(const std::vector<Cidr>& dept, const Cidr& n) {
  return std::any_of(dept.begin(), dept.end(),
                     [&](const Cidr& d) { return d.bits <= n.bits && d.contains(n.base); });
}

class ApprovalReader {
 public:
  ApprovalReader(LoadContext& ctx, const std::string& file)
      : ctx_(ctx), r_(*ctx.rules), file_(file) {}

  void read(const Node& item) {
    MapView m(ctx_, file_, item,
              {"id", "department", "app", "category", "domain", "approved_by", "reason", "granted",
               "expires", "networks", "users", "groups"},
              "approval");
    if (!m.ok()) return;
    Approval a;
    a.location = file_ + ":" + std::to_string(item.Mark().line + 1);
    const Node* id = m.require("id");
    if (!id || !read_string(ctx_, file_, *id, a.id)) return;
    if (a.id.empty()) {
      ctx_.error(where(file_, *id), "approval id must not be empty");
      return;
    }
    if (std::any_of(r_.approvals.begin(), r_.approvals.end(),
                    [&](const Approval& o) { return o.id == a.id; })) {
      ctx_.error(where(file_, *id), "approval '" + a.id + "' is already defined");
      return;
    }
    bool ok = department(m, a);
    ok = scope(m, a) && ok;
    if (const Node* b = m.require("approved_by"))
      ok = read_string(ctx_, file_, *b, a.approved_by) && ok;
    if (const Node* why = m.get("reason")) ok = read_string(ctx_, file_, *why, a.reason) && ok;
    ok = dates(m, a) && ok;
    ok = networks(m, a) && ok;
    ok = read_identity_names(ctx_, file_, m.get("users"), "users", a.who.users) && ok;
    ok = read_identity_names(ctx_, file_, m.get("groups"), "groups", a.who.groups) && ok;
    if (!ok) return;
    const auto index = static_cast<std::uint32_t>(r_.approvals.size());
    r_.approvals_by_department[a.department].push_back(index);
    r_.approvals.push_back(std::move(a));
  }

 private:
  LoadContext& ctx_;
  RuleSet& r_;
  const std::string& file_;

  bool department(const MapView& m, Approval& a) {
    const Node* d = m.require("department");
    std::string id;
    if (!d || !read_string(ctx_, file_, *d, id)) return false;
    a.department = r_.department_index(id);
    if (a.department == kNone) {
      ctx_.error(where(file_, *d), "unknown department '" + id + "'");
      return false;
    }
    return true;
  }

  bool scope(const MapView& m, Approval& a) {
    const Node* app = m.get("app");
    const Node* cat = m.get("category");
    const Node* dom = m.get("domain");
    const int given = (app != nullptr) + (cat != nullptr) + (dom != nullptr);
    if (given != 1) {
      ctx_.error(m.at(), given == 0 ? "an approval needs one of app, category or domain"
                                    : "an approval names exactly one of app, category or domain");
      return false;
    }
    std::string text;
    if (app) {
      if (!read_string(ctx_, file_, *app, text)) return false;
      a.scope = ApprovalScope::app;
      a.target = r_.app_index(text);
      if (a.target == kNone) ctx_.error(where(file_, *app), "unknown app '" + text + "'");
      return a.target != kNone;
    }
    if (cat) {
      if (!read_string(ctx_, file_, *cat, text)) return false;
      a.scope = ApprovalScope::category;
      a.target = r_.category_index(text);
      if (a.target == kNone) ctx_.error(where(file_, *cat), "unknown category '" + text + "'");
      return a.target != kNone;
    }
    if (!read_string(ctx_, file_, *dom, text)) return false;
    a.scope = ApprovalScope::domain;
    a.domain_suffix = !text.empty() && text.front() == '.';
    RuleCheck rc = check_rule_domain(std::string_view(text).substr(a.domain_suffix ? 1 : 0),
                                     a.domain, PublicSuffixPolicy::reject);
    if (!rc.ok()) ctx_.error(where(file_, *dom), describe(rc, text));
    return rc.ok();
  }

  std::optional<CalendarDate> date(const Node* n, std::string& as_written) {
    if (!n || !read_string(ctx_, file_, *n, as_written)) return std::nullopt;
    auto d = parse_date(as_written);
    if (!d) ctx_.error(where(file_, *n), "bad date '" + as_written + "' (use YYYY-MM-DD)");
    return d;
  }

  bool dates(const MapView& m, Approval& a) {
    const Node* g = m.require("granted");
    const Node* e = m.require("expires");
    auto granted = date(g, a.granted);
    auto expires = date(e, a.expires);
    if (!granted || !expires) return false;
    if (*expires < *granted) {
      ctx_.error(where(file_, *e),
                 "expires (" + a.expires + ") is before granted (" + a.granted + ")");
      return false;
    }
    const std::string& tz = r_.policy.timezone;
    CalendarDate after = *expires;
    ++after.day;  // mktime rolls the day over into the next month or year
    auto from = local_midnight(tz, *granted);
    auto until = local_midnight(tz, after);
    if (!from || !until) {
      ctx_.error(where(file_, *g), "cannot convert the dates to time zone '" + tz + "'");
      return false;
    }
    a.valid_from = *from;
    a.valid_until = *until;
    if (ctx_.now >= a.valid_until) {
      ctx_.warning(where(file_, *e), "approval '" + a.id + "' expired on " + a.expires);
    } else if (a.valid_until - ctx_.now <= kExpiryWarning) {
      ctx_.warning(where(file_, *e),
                   "approval '" + a.id + "' expires on " + a.expires + " (within 14 days)");
    }
    return true;
  }

  bool networks(const MapView& m, Approval& a) {
    const Node* nets = m.get("networks");
    if (!nets) return true;
    if (!read_sequence(ctx_, file_, *nets, "networks")) return false;
    bool ok = true;
    for (const Node& n : *nets) {
      Cidr c;
      if (!read_cidr(ctx_, file_, n, c)) {
        ok = false;
        continue;
      }
      if (a.department != kNone && !inside_department(ctx_.department_nets[a.department], c))
        ctx_.warning(where(file_, n), "network '" + c.to_string() + "' is outside department '" +
                                          r_.departments[a.department].id +
                                          "': the approval never applies there");
      a.networks.push_back(c);
    }
    return ok;
  }
};

}  // namespace

void load_approvals(LoadContext& ctx) {
  RuleSet& r = *ctx.rules;
  r.approvals_by_department.assign(r.departments.size(), {});
  if (!ctx.includes.approvals) return;
  const auto& [file, ref] = *ctx.includes.approvals;
  auto root = load_yaml_file(ctx, file, &ref);
  if (!root || root->IsNull()) return;
  MapView top(ctx, file, *root, {"approvals"}, "approvals file");
  const Node* list = top.ok() ? top.require("approvals") : nullptr;
  if (!list || list->IsNull() || !read_sequence(ctx, file, *list, "approvals")) return;
  ApprovalReader reader(ctx, file);
  for (const Node& item : *list) reader.read(item);
}

}  // namespace gh
