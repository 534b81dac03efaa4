#include "config/policy_tests.hpp"

#include <array>

#include "config/calendar.hpp"
#include "config/load_context.hpp"
#include "policy/ip_address.hpp"
#include "policy/types.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

constexpr std::array<std::string_view, 7> kExpectKeys = {
    "action", "reason", "category", "app", "department", "approval", "schedule"};

// A typo in an expected action or reason would make a test that can never pass.
bool known_value(LoadContext& ctx, const std::string& file, const Node& n, std::string_view key,
                 const std::string& value) {
  if (key == "action") {
    Action a{};
    if (!parse_action(value, a)) {
      ctx.error(where(file, n), "expected allow, block or deny, got '" + value + "'");
      return false;
    }
  } else if (key == "reason") {
    Reason r{};
    if (!parse_reason(value, r)) {
      ctx.error(where(file, n), "unknown reason '" + value + "'");
      return false;
    }
  }
  return true;
}

std::size_t errors(const LoadContext& ctx) {
  std::size_t n = 0;
  for (const Diagnostic& d : ctx.diags) n += d.severity == Severity::error;
  return n;
}

// Reads one entry into out.cases; false if it has an error.
bool read_case(LoadContext& ctx, const std::string& file, const Node& item, PolicyTestFile& out) {
  const std::size_t errors_before = errors(ctx);
  MapView m(ctx, file, item, {"target", "client", "user", "groups", "at", "expect"}, "test");
  if (!m.ok()) return false;
  PolicyTestCase c;
  c.file = file;
  c.line = m.at().line;
  bool ok = true;
  if (const Node* t = m.require("target"); !t || !read_string(ctx, file, *t, c.target)) ok = false;
  if (const Node* n = m.get("client"); n && read_string(ctx, file, *n, c.client)) {
    if (!IpAddress::parse(c.client)) {
      ctx.error(where(file, *n), "bad client address '" + c.client + "'");
      ok = false;
    }
  }
  if (const Node* n = m.get("user"); n && read_string(ctx, file, *n, c.user)) {
    c.user_line = where(file, *n).line;
    if (c.user.empty()) {
      ctx.error(where(file, *n), "user must not be empty (leave it out for an anonymous request)");
      ok = false;
    }
  }
  if (const Node* n = m.get("groups")) {
    // [] is a user in no group; groups without a user is a request that cannot happen.
    std::vector<std::string> groups;
    if (read_identity_names(ctx, file, n, "groups", groups)) c.groups = std::move(groups);
    if (!m.get("user")) {
      ctx.error(where(file, *n), "groups needs a user (an anonymous request has no groups)");
      ok = false;
    }
  }
  if (const Node* n = m.get("at"); n && read_string(ctx, file, *n, c.at)) {
    if (!parse_rfc3339(c.at)) {
      ctx.error(where(file, *n),
                "bad time '" + c.at + "' (use RFC 3339, e.g. 2027-03-31T09:00:00Z)");
      ok = false;
    }
  }
  const Node* e = m.require("expect");
  if (!e) return false;
  MapView x(ctx, file, *e,
            {"action", "reason", "category", "app", "department", "approval", "schedule"},
            "expect");
  if (!x.ok()) return false;
  for (std::string_view key : kExpectKeys) {
    const Node* v = x.get(key);
    if (!v) continue;
    PolicyExpectation pe{std::string(key), std::nullopt};
    if (!v->IsNull()) {
      std::string text;
      if (!read_string(ctx, file, *v, text) || !known_value(ctx, file, *v, key, text)) {
        ok = false;
        continue;
      }
      pe.value = std::move(text);
    }
    c.expect.push_back(std::move(pe));
  }
  if (errors(ctx) != errors_before) return false;
  if (c.expect.empty()) {
    ctx.error(x.at(), "expect names nothing to check");
    return false;
  }
  if (ok) out.cases.push_back(std::move(c));
  return ok;
}

}  // namespace

PolicyTestFile load_policy_tests(const std::string& path) {
  PolicyTestFile out;
  LoadContext ctx(TimePoint{});
  auto root = load_yaml_file(ctx, path, nullptr);
  if (!root) ++out.broken;  // unreadable, or not YAML
  if (root && !root->IsNull()) {
    if (!root->IsSequence()) {
      ctx.error(where(path, *root), "a test file is a list of { target: ..., expect: {...} }");
      ++out.broken;
    } else {
      for (const Node& item : *root)
        if (!read_case(ctx, path, item, out)) ++out.broken;
    }
  }
  ctx.sort_diagnostics();
  out.diagnostics = std::move(ctx.diags);
  return out;
}

}  // namespace gh
