// `tls_intercept:` and `policy.headers:` (README "HTTPS interception"). The settings
// are read with the main config; the selectors name apps, categories and
// departments, so they are resolved once those are loaded and the matcher is
// built (which also lets `check` say when `never` makes a selector useless).
#include <algorithm>
#include <cctype>
#include <string_view>

#include "config/load_context.hpp"
#include "config/rule_syntax.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

std::string location_of(const Where& w) {
  return w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.col);
}

ConfigPosition position_of(const Where& w) { return {w.file, w.line, w.col}; }

// RFC 9110 §5.6.2 token.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Visible ASCII, space and tab (RFC 9110 §5.5): no CR, LF or NUL can be smuggled in.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Framing and hop-by-hop headers are the relay's business: a rule setting
// them could smuggle requests or break the connection.
bool reserved_header(std::string_view name) {
  for (std::string_view r : {"host", "content-length", "transfer-encoding", "connection",
                             "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                             "proxy-authorization", "proxy-authenticate", "via"})
    if (iequals(name, r)) return true;
  return false;
}

class SelectorReader {
 public:
  SelectorReader(LoadContext& ctx, const std::string& file)
      : ctx_(ctx), r_(*ctx.rules), file_(file) {}

  // `app:ID`, `category:ID` or a domain in rule syntax. `psl` accept: `never`
  // may be as broad as it likes (decrypting less is never a bypass).
  bool read(const Node& n, bool domains_only, PublicSuffixPolicy psl, InterceptSelector& out) {
    if (!read_string(ctx_, file_, n, out.text)) return false;
    const Where w = where(file_, n);
    out.location = location_of(w);
    const std::string_view t = out.text;
    if (t.starts_with("app:") || t.starts_with("category:")) {
      if (domains_only) {
        ctx_.error(w, "header rules name domains, not '" + out.text + "'");
        return false;
      }
      const bool app = t.starts_with("app:");
      const std::string_view id = t.substr(app ? 4 : 9);
      out.kind = app ? InterceptSelector::Kind::app : InterceptSelector::Kind::category;
      out.target = app ? r_.app_index(id) : r_.category_index(id);
      if (out.target == kNone) {
        ctx_.error(
            w, std::string(app ? "unknown app '" : "unknown category '") + std::string(id) + "'");
        return false;
      }
      return true;
    }
    out.kind = InterceptSelector::Kind::domain;
    out.suffix = !t.empty() && t.front() == '.';
    RuleCheck rc = check_rule_domain(t.substr(out.suffix ? 1 : 0), out.domain, psl);
    if (!rc.ok()) {
      ctx_.error(w, describe(rc, t) + " (a selector is app:ID, category:ID or a domain)");
      return false;
    }
    return true;
  }

  void list(const Node& n, std::string_view what, PublicSuffixPolicy psl,
            std::vector<InterceptSelector>& out) {
    if (!read_sequence(ctx_, file_, n, what)) return;
    for (const Node& item : n) {
      InterceptSelector s;
      if (read(item, false, psl, s)) out.push_back(std::move(s));
    }
  }

  void header_rule(const Node& item) {
    MapView m(ctx_, file_, item, {"domains", "set", "departments"}, "header rule");
    if (!m.ok()) return;
    HeaderRule h;
    h.location = location_of(where(file_, item));
    bool ok = true;
    if (const Node* d = m.require("domains"); d && read_sequence(ctx_, file_, *d, "domains")) {
      for (const Node& dn : *d) {
        InterceptSelector s;
        if (read(dn, true, PublicSuffixPolicy::reject, s))
          h.domains.push_back(std::move(s));
        else
          ok = false;
      }
      if (d->size() == 0) {
        ctx_.error(where(file_, *d), "a header rule needs at least one domain");
        ok = false;
      }
    } else {
      ok = false;
    }
    ok = set(m, h) && ok;
    ok = departments(m, h) && ok;
    if (ok) r_.intercept.headers.push_back(std::move(h));
  }

 private:
  LoadContext& ctx_;
  RuleSet& r_;
  const std::string& file_;

  bool set(const MapView& m, HeaderRule& h) {
    const Node* s = m.require("set");
    if (!s) return false;
    if (!s->IsMap() || s->size() == 0) {
      ctx_.error(where(file_, *s), "set: expected a mapping of header: value");
      return false;
    }
    bool ok = true;
    for (auto it = s->begin(); it != s->end(); ++it) {
      const Node key = it->first, value = it->second;  // copies: see MapView
      std::string name, text;
      if (!read_string(ctx_, file_, key, name) || !read_string(ctx_, file_, value, text)) {
        ok = false;
        continue;
      }
      if (!is_token(name)) {
        ctx_.error(where(file_, key), "bad header name '" + name + "'");
        ok = false;
      } else if (reserved_header(name)) {
        ctx_.error(where(file_, key), "header rules may not set '" + name +
                                          "' (framing and hop-by-hop headers are the proxy's)");
        ok = false;
      } else if (!is_field_value(text)) {
        ctx_.error(where(file_, value),
                   "header value for '" + name + "' has a control character (CR, LF, NUL, ...)");
        ok = false;
      } else if (std::any_of(h.set.begin(), h.set.end(),
                             [&](const auto& p) { return iequals(p.first, name); })) {
        ctx_.error(where(file_, key), "header '" + name + "' is set twice in one rule");
        ok = false;
      } else {
        h.set.emplace_back(std::move(name), std::move(text));
      }
    }
    return ok;
  }

  bool departments(const MapView& m, HeaderRule& h) {
    const Node* d = m.get("departments");
    if (!d) return true;
    if (!read_sequence(ctx_, file_, *d, "departments")) return false;
    bool ok = true;
    for (const Node& item : *d) {
      std::string id;
      if (!read_string(ctx_, file_, item, id)) {
        ok = false;
        continue;
      }
      const std::uint32_t index = r_.department_index(id);
      if (index == kNone) {
        ctx_.error(where(file_, item), "unknown department '" + id + "'");
        ok = false;
      } else {
        h.departments.push_back(index);
      }
    }
    return ok;
  }
};

// What a domain selector's own name is classified as, to compare with
// `never: [app:..., category:...]`.
void classify(const RuleSet& r, const InterceptSelector& s, std::uint32_t& app,
              std::uint32_t& category) {
  app = category = kNone;
  auto hit = r.domains.lookup(s.domain);
  if (!hit || hit->value >= r.entries.size()) return;
  const RuleSource& src = r.sources[r.entries[hit->value].source];
  app = src.app;
  category = src.category;
}

// True if never-selector `n` covers everything selector `x` names.
bool covered(const RuleSet& r, const InterceptSelector& n, const InterceptSelector& x) {
  using K = InterceptSelector::Kind;
  std::uint32_t app = kNone, category = kNone;
  switch (x.kind) {
    case K::app:
      app = x.target;
      category = r.apps[x.target].category;
      break;
    case K::category:
      category = x.target;
      break;
    case K::domain:
      classify(r, x, app, category);
      break;
  }
  switch (n.kind) {
    case K::app:
      return app != kNone && app == n.target;
    case K::category:
      return category != kNone && category == n.target;
    case K::domain:
      if (x.kind != K::domain) return false;
      if (x.domain == n.domain) return n.suffix || !x.suffix;
      return n.suffix && x.domain.size() > n.domain.size() && x.domain.ends_with(n.domain) &&
             x.domain[x.domain.size() - n.domain.size() - 1] == '.';
  }
  return false;
}

Where where_of(const std::string& location) {
  // "file:line:col" as written by location_of(); the file may contain ':'.
  Where w;
  const auto c2 = location.rfind(':');
  const auto c1 =
      c2 == std::string::npos || c2 == 0 ? std::string::npos : location.rfind(':', c2 - 1);
  if (c1 == std::string::npos) return Where{location, 1, 1};
  w.file = location.substr(0, c1);
  w.line = std::atoi(location.c_str() + c1 + 1);
  w.col = std::atoi(location.c_str() + c2 + 1);
  return w;
}

void warn_covered_by_never(LoadContext& ctx) {
  const InterceptRules& p = ctx.rules->intercept;
  auto check = [&](const InterceptSelector& x, std::string_view what) {
    for (const InterceptSelector& n : p.never) {
      if (!covered(*ctx.rules, n, x)) continue;
      ctx.warning(where_of(x.location), std::string(what) + " '" + x.text +
                                            "' is covered by never '" + n.text + "' (" +
                                            n.location + "): it never decrypts anything");
      return;
    }
  };
  for (const InterceptSelector& x : p.inspect) check(x, "inspect selector");
  for (const HeaderRule& h : p.headers)
    for (const InterceptSelector& x : h.domains) check(x, "header rule domain");
}

// Inspected flows (TLS to the origin, every request relayed and decided) are
// not built yet: an `inspect` selector or a header rule would be policy that
// gatehouse silently does not enforce, so each is refused where it is written
// until they are (README "HTTPS interception"). Only with interception on: off
// keeps every flow opaque anyway, which the warning about headers says.

}  // namespace

void read_tls_intercept_block(LoadContext& ctx, const std::string& file, const std::string& dir,
                              const Node& n) {
  TlsInterceptSettings& t = ctx.settings->tls_intercept;
  if (n.IsScalar()) {
    bool on = false;
    if (read_bool(ctx, file, n, on) && on)
      ctx.error(where(file, n), "tls_intercept: give { ca_cert: ..., ca_key: ... } to enable it");
    return;
  }
  MapView m(ctx, file, n,
            {"ca_cert", "ca_key", "block_pages", "inspect", "never", "upstream_ca", "leaf_validity",
             "leaf_cache"},
            "tls_intercept");
  if (!m.ok()) return;
  std::string text;
  if (const Node* c = m.require("ca_cert"); c && read_string(ctx, file, *c, text)) {
    t.ca_cert = join_path(dir, text);
    t.ca_cert_at = position_of(where(file, *c));
  }
  if (const Node* k = m.require("ca_key"); k && read_string(ctx, file, *k, text)) {
    t.ca_key = join_path(dir, text);
    t.ca_key_at = position_of(where(file, *k));
  }
  if (const Node* b = m.get("block_pages")) read_bool(ctx, file, *b, t.block_pages);
  if (const Node* u = m.get("upstream_ca"); u && read_string(ctx, file, *u, text)) {
    if (text.empty())
      ctx.error(where(file, *u), "upstream_ca: give system or a PEM file");
    else if (text != "system")
      t.upstream_ca = join_path(dir, text);
    t.upstream_ca_at = position_of(where(file, *u));
  }
  if (const Node* v = m.get("leaf_validity")) {
    Millis ms{};
    if (read_duration(ctx, file, *v, ms)) {
      // Browsers refuse long-lived leaves; under an hour would mint all day.
      if (ms < std::chrono::hours(1) || ms > std::chrono::hours(24 * 397))
        ctx.error(where(file, *v), "leaf_validity must be between 1h and 397d");
      else
        t.leaf_validity = std::chrono::duration_cast<std::chrono::seconds>(ms);
    }
  }
  std::uint64_t v64 = 0;
  if (const Node* c = m.get("leaf_cache"); c && read_uint(ctx, file, *c, 1, 10'000'000, v64))
    t.leaf_cache = static_cast<std::uint32_t>(v64);
  if (const Node* i = m.get("inspect")) ctx.intercept_nodes.inspect = *i;
  if (const Node* nv = m.get("never")) ctx.intercept_nodes.never = *nv;
  t.enabled = !t.ca_cert.empty() && !t.ca_key.empty();
}

void load_intercept_selectors(LoadContext& ctx) {
  const std::string& file = ctx.main_where.file;
  InterceptRules& p = ctx.rules->intercept;
  p.enabled = ctx.settings->tls_intercept.enabled;
  p.block_pages = ctx.settings->tls_intercept.block_pages;
  SelectorReader reader(ctx, file);
  const InterceptNodes& nodes = ctx.intercept_nodes;
  if (nodes.inspect)
    reader.list(*nodes.inspect, "tls_intercept.inspect", PublicSuffixPolicy::reject, p.inspect);
  if (nodes.never)
    reader.list(*nodes.never, "tls_intercept.never", PublicSuffixPolicy::accept, p.never);
  if (nodes.headers && read_sequence(ctx, file, *nodes.headers, "policy.headers")) {
    for (const Node& item : *nodes.headers) reader.header_rule(item);
    if (!p.enabled && nodes.headers->size() > 0)
      ctx.warning(where(file, *nodes.headers),
                  "policy.headers apply only to decrypted flows, and tls_intercept is off");
  }
  warn_covered_by_never(ctx);
}

}  // namespace gh
