// The main config file (README "Main config"): listeners, admin, PAC, clients, CONNECT
// ports, includes, policy, audit, limits, TLS interception, block page.
#include <unistd.h>

#include <string_view>

#include "config/calendar.hpp"
#include "config/load_context.hpp"
#include "config/rule_syntax.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

struct Reader {
  LoadContext& ctx;
  const std::string& file;
  const std::string& dir;
  Settings& s;
  RuleSet& r;

  void listeners(const Node& n) {
    if (!read_sequence(ctx, file, n, "listen")) return;
    if (n.size() == 0) ctx.error(where(file, n), "listen: at least one listener is needed");
    for (const Node& item : n) {
      MapView m(ctx, file, item, {"address", "mode", "name", "proxy_protocol"}, "listener");
      if (!m.ok()) continue;
      ListenerSettings l;
      std::string text;
      if (const Node* a = m.require("address"); a && read_string(ctx, file, *a, text)) {
        if (auto e = parse_endpoint(text, EndpointHost::ip_only, true)) {
          l.address = std::move(*e);
        } else {
          ctx.error(where(file, *a), "bad listen address '" + text +
                                         "' (use an IP address and port, e.g. 127.0.0.1:3128 or "
                                         "[::1]:3128)");
        }
        for (const ListenerSettings& other : s.listeners)
          if (l.address.port != 0 && other.address == l.address)
            ctx.error(where(file, *a), "listen address '" + text + "' is used twice");
      }
      if (const Node* mode = m.require("mode")) {
        std::string text;
        if (read_string(ctx, file, *mode, text) && !parse_mode(text, l.mode))
          ctx.error(where(file, *mode),
                    "expected forward, transparent-tls or transparent-http, got '" + text + "'");
      }
      if (const Node* name = m.get("name")) read_string(ctx, file, *name, l.name);
      if (l.name.empty()) l.name = std::string(to_string(l.mode));
      if (const Node* pp = m.get("proxy_protocol")) read_bool(ctx, file, *pp, l.proxy_protocol);
      s.listeners.push_back(std::move(l));
    }
  }

  void admin(const Node& n) {
    MapView m(ctx, file, n, {"address"}, "admin");
    if (!m.ok()) return;
    std::string text;
    if (const Node* a = m.require("address"); a && read_string(ctx, file, *a, text)) {
      s.admin_address = parse_endpoint(text, EndpointHost::ip_only, true);
      if (!s.admin_address) ctx.error(where(file, *a), "bad admin address '" + text + "'");
    }
  }

  void pac(const Node& n) {
    MapView m(ctx, file, n, {"proxy", "direct"}, "pac");
    if (!m.ok()) return;
    if (const Node* p = m.get("proxy"); p && read_string(ctx, file, *p, s.pac.proxy))
      if (!valid_host_port(s.pac.proxy, false))
        ctx.error(where(file, *p), "bad pac proxy '" + s.pac.proxy + "' (use host:port)");
    const Node* d = m.get("direct");
    if (!d || !read_sequence(ctx, file, *d, "pac.direct")) return;
    std::string text, canonical;
    for (const Node& item : *d) {
      if (!read_string(ctx, file, item, text)) continue;
      if (text.find('/') != std::string::npos || IpAddress::parse(text)) {
        Cidr c;
        if (read_cidr(ctx, file, item, c)) s.pac.direct_networks.push_back(c);
        continue;
      }
      const bool suffix = !text.empty() && text.front() == '.';
      // Intranet names may be single labels ("intranet"): no public-suffix check here.
      RuleCheck rc = check_rule_domain(std::string_view(text).substr(suffix ? 1 : 0), canonical,
                                       PublicSuffixPolicy::accept);
      if (!rc.ok()) {
        ctx.error(where(file, item), describe(rc, text));
        continue;
      }
      s.pac.direct_domains.push_back(suffix ? "." + canonical : canonical);
    }
  }

  void clients(const Node& n) {
    MapView m(ctx, file, n, {"allow"}, "clients");
    if (!m.ok()) return;
    const Node* a = m.require("allow");
    if (!a || !read_sequence(ctx, file, *a, "clients.allow")) return;
    for (const Node& item : *a) {
      Cidr c;
      if (read_cidr(ctx, file, item, c) && !r.clients_allow.insert(c, 0))
        ctx.warning(where(file, item),
                    "duplicate network '" + c.to_string() + "' in clients.allow");
    }
  }

  void connect(const Node& n) {
    MapView m(ctx, file, n, {"ports"}, "connect");
    if (!m.ok()) return;
    const Node* p = m.require("ports");
    if (!p || !read_sequence(ctx, file, *p, "connect.ports")) return;
    r.connect_ports.clear();
    for (const Node& item : *p) {
      std::uint64_t v = 0;
      if (read_uint(ctx, file, item, 1, 65535, v))
        r.connect_ports.push_back(static_cast<std::uint16_t>(v));
    }
  }

  void include(const Node& n) {
    MapView m(ctx, file, n, {"categories", "departments", "approvals", "domain_lists"}, "include");
    if (!m.ok()) return;
    Includes& inc = ctx.includes;
    if (const Node* c = m.get("categories")) {
      std::string text;
      if (c->IsSequence()) {
        for (const Node& item : *c)
          if (read_string(ctx, file, item, text))
            inc.category_globs.emplace_back(join_path(dir, text), where(file, item));
      } else if (read_string(ctx, file, *c, text)) {
        inc.category_globs.emplace_back(join_path(dir, text), where(file, *c));
      }
    }
    std::string text;
    if (const Node* d = m.get("departments"); d && read_string(ctx, file, *d, text))
      inc.departments.emplace(join_path(dir, text), where(file, *d));
    if (const Node* a = m.get("approvals"); a && read_string(ctx, file, *a, text))
      inc.approvals.emplace(join_path(dir, text), where(file, *a));
    const Node* lists = m.get("domain_lists");
    if (!lists || !read_sequence(ctx, file, *lists, "include.domain_lists")) return;
    for (const Node& item : *lists) {
      MapView l(ctx, file, item, {"file", "category", "match", "format", "attrs", "on_error"},
                "domain list");
      if (!l.ok()) continue;
      DomainListSpec spec;
      spec.where = where(file, item);
      spec.broken = !domain_list_options(l, spec);
      const Node* f = l.require("file");
      const Node* c = l.require("category");
      const Node* mt = spec.v2fly ? l.get("match") : l.require("match");
      if (!f || !c || (!mt && !spec.v2fly)) continue;
      if (!read_string(ctx, file, *f, text)) continue;
      spec.path = join_path(dir, text);
      spec.where = where(file, *f);
      if (!read_string(ctx, file, *c, spec.category)) continue;
      spec.category_where = where(file, *c);
      if (mt && spec.v2fly) {
        ctx.error(where(file, *mt), "format: v2fly lists need no match: (each line says it)");
        spec.broken = true;
      } else if (mt) {
        if (!read_string(ctx, file, *mt, text)) continue;
        if (text != "suffix" && text != "exact") {
          ctx.error(where(file, *mt), "expected suffix or exact, got '" + text + "'");
          continue;
        }
        spec.suffix = text == "suffix";
      }
      inc.domain_lists.push_back(std::move(spec));
    }
  }

  // format:, attrs: and on_error: of a domain list (README "Rule files").
  bool domain_list_options(const MapView& l, DomainListSpec& spec) {
    std::string text;
    bool ok = true;
    if (const Node* fm = l.get("format"); fm && read_string(ctx, file, *fm, text)) {
      if (text == "v2fly") {
        spec.v2fly = true;
      } else if (text != "plain") {
        ctx.error(where(file, *fm), "expected plain or v2fly, got '" + text + "'");
        ok = false;
      }
    }
    if (const Node* oe = l.get("on_error"); oe && read_string(ctx, file, *oe, text)) {
      if (text == "reject") {
        spec.skip_bad_lines = false;
      } else if (text != "skip") {
        ctx.error(where(file, *oe), "expected skip or reject, got '" + text + "'");
        ok = false;
      }
    }
    const Node* at = l.get("attrs");
    if (!at) return ok;
    if (!spec.v2fly) {
      ctx.error(where(file, *at), "attrs: filters the tags of a format: v2fly list");
      return false;
    }
    if (!read_sequence(ctx, file, *at, "attrs")) return false;
    for (const Node& a : *at) {
      AttrFilter f;
      if (!read_string(ctx, file, a, text)) {
        ok = false;
      } else if (!parse_attr_filter(text, f)) {
        ctx.error(where(file, a), "bad tag filter '" + text + "' (use e.g. cn or !cn)");
        ok = false;
      } else {
        spec.attrs.push_back(std::move(f));
      }
    }
    return ok;
  }

  void policy(const Node& n) {
    MapView m(ctx, file, n,
              {"uncategorized", "categories", "no_sni", "ech", "sni_mismatch", "non_tls_tunnel",
               "block_private_destinations", "timezone", "headers"},
              "policy");
    if (!m.ok()) return;
    PolicySettings& p = r.policy;
    if (const Node* v = m.get("uncategorized")) read_verdict(ctx, file, *v, p.uncategorized);
    if (const Node* v = m.get("no_sni")) read_verdict(ctx, file, *v, p.no_sni);
    if (const Node* v = m.get("ech")) read_verdict(ctx, file, *v, p.ech);
    if (const Node* v = m.get("sni_mismatch")) read_verdict(ctx, file, *v, p.sni_mismatch);
    if (const Node* v = m.get("non_tls_tunnel"); v &&
                                                 read_verdict(ctx, file, *v, p.non_tls_tunnel) &&
                                                 p.non_tls_tunnel == Verdict::monitor) {
      // Allowed tunnels are audited anyway: monitor would say nothing more.
      ctx.error(where(file, *v), "policy.non_tls_tunnel: expected block or allow, got 'monitor'");
      p.non_tls_tunnel = Verdict::block;
    }
    if (const Node* h = m.get("headers")) ctx.intercept_nodes.headers = *h;  // needs departments
    if (const Node* v = m.get("block_private_destinations"))
      read_bool(ctx, file, *v, p.block_private_destinations);
    if (const Node* tz = m.get("timezone"); tz && read_string(ctx, file, *tz, p.timezone)) {
      if (!zone_exists(p.timezone)) {
        ctx.error(where(file, *tz), "unknown time zone '" + p.timezone +
                                        "' (use an IANA name such as UTC or Asia/Hong_Kong)");
        p.timezone = "UTC";
      }
    }
    const Node* cats = m.get("categories");
    if (!cats) return;
    if (!cats->IsMap()) {
      ctx.error(where(file, *cats), "policy.categories: expected a mapping of category: action");
      return;
    }
    for (auto it = cats->begin(); it != cats->end(); ++it) {
      const Node key = it->first, value = it->second;  // copies: see MapView
      std::string id;
      if (!read_string(ctx, file, key, id)) continue;
      PolicyCategory pc;
      pc.where = where(file, key);
      // Kept even when wrong (the error rejects the tree): no second message about it.
      read_category_verdict(ctx, file, value, pc.action, pc.scheduled);
      if (!ctx.policy_categories.emplace(id, pc).second)
        ctx.error(pc.where, "duplicate key '" + id + "' in policy.categories");
    }
  }

  void audit(const Node& n) {
    MapView m(ctx, file, n, {"path", "fsync", "rotate", "on_failure", "redact", "syslog"}, "audit");
    if (!m.ok()) return;
    AuditSettings& a = s.audit;
    std::string text;
    if (const Node* p = m.get("path"); p && read_string(ctx, file, *p, text)) {
      if (text.empty()) ctx.error(where(file, *p), "audit.path must not be empty");
      a.path = join_path(dir, text);
    }
    if (const Node* f = m.get("fsync"); f && read_string(ctx, file, *f, text)) {
      if (text == "every") {
        a.fsync = FsyncPolicy::every;
      } else if (text == "never") {
        a.fsync = FsyncPolicy::never;
      } else if (read_duration(ctx, file, *f, a.fsync_interval)) {
        a.fsync = FsyncPolicy::interval;
        if (a.fsync_interval.count() == 0)
          ctx.error(where(file, *f), "fsync interval must be positive (or use every)");
      }
    }
    if (const Node* rot = m.get("rotate")) {
      MapView rm(ctx, file, *rot, {"max_bytes", "compress"}, "audit.rotate");
      if (const Node* mb = rm.ok() ? rm.get("max_bytes") : nullptr)
        if (read_size(ctx, file, *mb, a.rotate_max_bytes) && a.rotate_max_bytes < 4096)
          ctx.error(where(file, *mb), "audit.rotate.max_bytes must be at least 4KiB");
      if (const Node* c = rm.ok() ? rm.get("compress") : nullptr) {
        // YAML reads a bare `off` as false: accept both spellings.
        if (c->IsScalar() && (c->Scalar() == "off" || c->Scalar() == "false")) {
          a.rotate_compress = AuditCompression::off;
        } else if (read_string(ctx, file, *c, text)) {
          if (text == "gzip")
            a.rotate_compress = AuditCompression::gzip;
          else if (text == "zstd")
            a.rotate_compress = AuditCompression::zstd;
          else
            ctx.error(where(file, *c),
                      "audit.rotate.compress: expected gzip, zstd or off, got '" + text + "'");
        }
      }
    }
    if (const Node* o = m.get("on_failure"); o && read_string(ctx, file, *o, text)) {
      if (text == "block")
        a.on_failure = OnFailure::block;
      else if (text == "allow")
        a.on_failure = OnFailure::allow;
      else
        ctx.error(where(file, *o), "expected block or allow, got '" + text + "'");
    }
    if (const Node* red = m.get("redact"); red && read_sequence(ctx, file, *red, "audit.redact")) {
      for (const Node& item : *red) {
        if (!read_string(ctx, file, item, text)) continue;
        if (text == "query")
          a.redact_query = true;
        else
          ctx.error(where(file, item), "expected query, got '" + text + "'");
      }
    }
    if (const Node* sl = m.get("syslog"); sl && read_string(ctx, file, *sl, text)) {
      if (text == "off" || text == "false" || text.empty()) {
        a.syslog.clear();
      } else if ((text.starts_with("udp://") && valid_host_port(text.substr(6), false)) ||
                 (text.starts_with("unix://") && text.size() > 8 && text[7] == '/')) {
        a.syslog = text;
      } else {
        ctx.error(where(file, *sl),
                  "bad syslog target '" + text + "' (use off, udp://host:port or unix:///dev/log)");
      }
    }
  }

  void limits(const Node& n) {
    MapView m(
        ctx, file, n,
        {"header_timeout", "idle_timeout", "max_header_bytes", "max_connections",
         "max_connections_per_client", "drain_timeout", "connect_timeout", "client_hello_timeout"},
        "limits");
    if (!m.ok()) return;
    LimitSettings& l = s.limits;
    auto duration = [&](std::string_view key, Millis& out) {
      if (const Node* v = m.get(key); v && read_duration(ctx, file, *v, out) && out.count() == 0)
        ctx.error(where(file, *v), std::string(key) + " must be positive");
    };
    duration("header_timeout", l.header_timeout);
    duration("idle_timeout", l.idle_timeout);
    duration("drain_timeout", l.drain_timeout);
    duration("connect_timeout", l.connect_timeout);
    duration("client_hello_timeout", l.client_hello_timeout);
    if (const Node* v = m.get("max_header_bytes");
        v && read_size(ctx, file, *v, l.max_header_bytes))
      if (l.max_header_bytes < 1024 || l.max_header_bytes > (64ull << 20))
        ctx.error(where(file, *v), "max_header_bytes must be between 1KiB and 64MiB");
    std::uint64_t v64 = 0;
    if (const Node* v = m.get("max_connections"); v && read_uint(ctx, file, *v, 1, 10'000'000, v64))
      l.max_connections = static_cast<std::uint32_t>(v64);
    if (const Node* v = m.get("max_connections_per_client");
        v && read_uint(ctx, file, *v, 1, 10'000'000, v64))
      l.max_connections_per_client = static_cast<std::uint32_t>(v64);
  }

  // A Via received-by: a token or host[:port] (RFC 9110 §7.6.3), which
  // host names, IP literals in brackets and ports all are.
  void via_name(const Node& n) {
    if (!read_string(ctx, file, n, s.via_name)) return;
    bool ok = !s.via_name.empty() && s.via_name.size() <= 255;
    for (char c : s.via_name) {
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && std::string_view("-._~:[]").find(c) == std::string_view::npos) ok = false;
    }
    if (!ok)
      ctx.error(where(file, n), "via_name '" + s.via_name +
                                    "' must be a host name, host:port or token (letters, digits, "
                                    "'-', '.', '_', '~', ':')");
  }

  void block_page(const Node& n) {
    MapView m(ctx, file, n, {"contact"}, "block_page");
    if (const Node* c = m.ok() ? m.get("contact") : nullptr)
      read_string(ctx, file, *c, s.block_page_contact);
  }
};

// "<host name>:<port of the first listener>": distinct for two instances on
// one machine (they cannot share a port) and across machines.
std::string default_via_name(const Settings& s) {
  char host[256] = {};
  std::string name = "gatehouse";
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
    name.clear();
    for (const char* p = host; *p; ++p) {
      const char c = *p;
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      name += ok ? c : '-';
    }
  }
  if (!s.listeners.empty()) {
    name += ':';
    name += std::to_string(s.listeners.front().address.port);
  }
  return name;
}

}  // namespace

void load_main_config(LoadContext& ctx, const std::string& path) {
  Settings& s = *ctx.settings;
  s.config_path = path;
  s.config_dir = dir_of(path);
  ctx.main_where = Where{path, 1, 1};
  auto root = load_yaml_file(ctx, path, nullptr);
  if (!root) return;
  MapView top(
      ctx, path, *root,
      {"listen", "admin", "user", "pac", "clients", "connect", "include", "schedules", "policy",
       "audit", "limits", "tls_intercept", "block_page", "resolver", "via_name", "auth"},
      "the main config");
  if (!top.ok() && !root->IsMap()) return;
  Reader rd{ctx, path, s.config_dir, s, *ctx.rules};
  if (const Node* n = top.require("listen")) rd.listeners(*n);
  if (const Node* n = top.get("admin")) rd.admin(*n);
  if (const Node* n = top.get("user")) read_string(ctx, path, *n, s.user);
  if (const Node* n = top.get("pac")) rd.pac(*n);
  if (const Node* n = top.get("clients")) {
    rd.clients(*n);
  } else {
    // Never an open proxy: without clients.allow only this machine may connect.
    ctx.rules->clients_allow.insert(*Cidr::parse("127.0.0.0/8"), 0);
    ctx.rules->clients_allow.insert(*Cidr::parse("::1/128"), 0);
  }
  if (const Node* n = top.get("connect")) rd.connect(*n);
  if (const Node* n = top.get("schedules")) load_schedules(ctx, path, *n);  // before policy
  if (const Node* n = top.get("policy")) rd.policy(*n);  // before include: the time zone
  if (!ctx.rules->schedules.empty())
    ctx.rules->local_time = UtcOffsets(zone_offsets(ctx.rules->policy.timezone));
  if (const Node* n = top.get("include")) rd.include(*n);
  if (const Node* n = top.get("audit"))
    rd.audit(*n);
  else
    s.audit.path = join_path(s.config_dir, s.audit.path);
  if (const Node* n = top.get("limits")) rd.limits(*n);
  if (const Node* n = top.get("tls_intercept"))
    read_tls_intercept_block(ctx, path, s.config_dir, *n);
  if (const Node* n = top.get("block_page")) rd.block_page(*n);
  if (const Node* n = top.get("resolver")) read_resolver_block(ctx, path, *n, s.resolver);
  if (s.pac.proxy.empty()) {
    for (const ListenerSettings& l : s.listeners) {
      if (l.mode != Mode::forward) continue;
      if (l.address.ip && (*l.address.ip == *IpAddress::parse("0.0.0.0") ||
                           *l.address.ip == *IpAddress::parse("::")))
        ctx.warning(ctx.main_where,
                    "pac.proxy is not set and the forward listener '" + to_string(l.address) +
                        "' is a wildcard address browsers cannot use; set pac.proxy");
      break;
    }
  }
  if (const Node* n = top.get("via_name")) rd.via_name(*n);
  if (const Node* n = top.get("auth")) read_auth_block(ctx, path, *n, s.auth.emplace());
  if (s.via_name.empty()) s.via_name = default_via_name(s);
  if (s.block_page_contact.empty())
    s.block_page_contact = "Ask the head of your department to file an approval with IT security.";
}

}  // namespace gh
