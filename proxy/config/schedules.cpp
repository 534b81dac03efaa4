// schedules: and the first-match verdict lists that use them (README "Rule files"),
// in policy.categories and in a department's policy.categories.
#include <algorithm>

#include "config/load_context.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

struct PlacedWindow {
  WeeklyWindow window;
  Where where;  // its days: entry
};

// One `{ days: [...], from: "HH:MM", to: "HH:MM" }`.
void read_window(LoadContext& ctx, const std::string& file, const Node& n,
                 std::vector<PlacedWindow>& out) {
  MapView m(ctx, file, n, {"days", "from", "to"}, "schedule window");
  if (!m.ok()) return;
  const Node* days = m.require("days");
  const Node* from = m.require("from");
  const Node* to = m.require("to");
  if (!days || !from || !to) return;
  // Plain values and flags, not optionals: g++ 12 misreads optionals here (-Wmaybe-uninitialized).
  std::string text;
  std::uint32_t f = 0, t = 0;
  bool times_ok = false;
  if (read_string(ctx, file, *from, text)) {
    auto v = parse_clock_time(text, false);
    if (!v) ctx.error(where(file, *from), "bad time '" + text + "' (use HH:MM, 00:00 to 23:59)");
    f = v.value_or(0);
    times_ok = v.has_value();
  }
  if (read_string(ctx, file, *to, text)) {
    auto v = parse_clock_time(text, true);
    if (!v) ctx.error(where(file, *to), "bad time '" + text + "' (use HH:MM, 00:00 to 24:00)");
    t = v.value_or(0);
    times_ok = times_ok && v.has_value();
  } else {
    times_ok = false;
  }
  if (times_ok && f == t) {
    ctx.error(where(file, *to), "empty window: from and to are both '" + text +
                                    "' (to before from crosses midnight)");
    times_ok = false;
  }
  if (!read_sequence(ctx, file, *days, "days")) return;
  if (days->size() == 0) ctx.error(where(file, *days), "empty window: no days");
  std::vector<std::uint32_t> seen;
  for (const Node& d : *days) {
    if (!read_string(ctx, file, d, text)) continue;
    auto day = parse_weekday(text);
    if (!day) {
      ctx.error(where(file, d), "bad day '" + text + "' (use mon, tue, wed, thu, fri, sat, sun)");
      continue;
    }
    if (std::find(seen.begin(), seen.end(), *day) != seen.end()) {
      ctx.warning(where(file, d), "day '" + text + "' is listed twice");
      continue;
    }
    seen.push_back(*day);
    if (times_ok)
      if (auto w = window_of(*day, f, t)) out.push_back(PlacedWindow{*w, where(file, d)});
  }
}

std::string schedule_names(const RuleSet& r) {
  std::string out;
  for (const Schedule& s : r.schedules) out += (out.empty() ? "" : ", ") + s.id;
  return out.empty() ? "none is defined" : "defined: " + out;
}

}  // namespace

void load_schedules(LoadContext& ctx, const std::string& file, const Node& n) {
  RuleSet& r = *ctx.rules;
  if (!n.IsMap()) {
    ctx.error(where(file, n), "schedules: expected a mapping of name: window");
    return;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    const Node key = it->first, value = it->second;  // copies: see MapView
    Schedule s;
    if (!read_string(ctx, file, key, s.id)) continue;
    const Where at = where(file, key);
    if (s.id.empty()) {
      ctx.error(at, "schedule name must not be empty");
      continue;
    }
    if (r.schedule_index(s.id) != kNone) {
      ctx.error(at, "schedule '" + s.id + "' is already defined");
      continue;
    }
    // One window, or a list of them ("weekdays at lunch, and Saturday morning").
    std::vector<PlacedWindow> windows;
    if (value.IsSequence()) {
      if (value.size() == 0) ctx.error(at, "schedule '" + s.id + "' has no window");
      for (const Node& w : value) read_window(ctx, file, w, windows);
    } else {
      read_window(ctx, file, value, windows);
    }
    for (std::size_t i = 0; i < windows.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (!windows[i].window.overlaps(windows[j].window)) continue;
        ctx.warning(windows[i].where,
                    "this window of schedule '" + s.id + "' overlaps the one at line " +
                        std::to_string(windows[j].where.line) + " (merge them if that is meant)");
        break;
      }
      s.windows.push_back(windows[i].window);
    }
    s.location = at.file + ":" + std::to_string(at.line);
    r.schedules.push_back(std::move(s));
  }
}

bool read_category_verdict(LoadContext& ctx, const std::string& file, const Node& n,
                           Verdict& action, std::vector<ScheduledVerdict>& scheduled) {
  if (!n.IsSequence()) return read_verdict(ctx, file, n, action);
  const RuleSet& r = *ctx.rules;
  if (n.size() == 0) {
    ctx.error(where(file, n),
              "empty verdict list (give an action, or entries ending in one "
              "without a schedule)");
    return false;
  }
  bool ok = true, closed = false;
  for (const Node& item : n) {
    MapView m(ctx, file, item, {"schedule", "action"}, "verdict list entry");
    if (!m.ok()) {
      ok = false;
      continue;
    }
    if (closed) {
      ctx.warning(m.at(),
                  "this entry is never used: the entry without a schedule above it "
                  "always applies");
      continue;
    }
    Verdict v = Verdict::allow;
    const Node* a = m.require("action");
    if (!a || !read_verdict(ctx, file, *a, v)) {
      ok = false;
      continue;
    }
    const Node* s = m.get("schedule");
    if (!s) {
      action = v;
      closed = true;
      continue;
    }
    std::string name;
    if (!read_string(ctx, file, *s, name)) {
      ok = false;
      continue;
    }
    const std::uint32_t index = r.schedule_index(name);
    if (index == kNone) {
      ctx.error(where(file, *s), "unknown schedule '" + name + "' (" + schedule_names(r) + ")");
      ok = false;
      continue;
    }
    scheduled.push_back(ScheduledVerdict{index, v});
  }
  if (!closed) {
    ctx.error(where(file, n),
              "a verdict list must end with an entry without a schedule "
              "(what applies outside every schedule)");
    ok = false;
  }
  return ok;
}

}  // namespace gh
