// The main config's `auth:` block (README "Identity"): schemes, exempt networks,
// the Negotiate keytab, the Basic backend (LDAP bind or htpasswd) and the group
// source (LDAP search or a YAML file). Files it names are read here, so `check`
// reports their problems with file:line:col and a reload picks up their changes.
#include <fstream>
#include <sstream>

#include "config/load_context.hpp"

namespace gh {
namespace {

using Node = YAML::Node;

bool read_text_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

// bcrypt and SHA-512-crypt only (README "Identity"): MD5, SHA-1 and DES crypt
// entries are too cheap to brute-force if the file leaks.
bool accepted_hash(std::string_view h) {
  return h.starts_with("$2y$") || h.starts_with("$2b$") || h.starts_with("$6$");
}

void load_htpasswd(LoadContext& ctx, const Where& ref, AuthSettings& a) {
  std::string text;
  if (!read_text_file(a.htpasswd_path, text)) {
    ctx.error(ref, "cannot read htpasswd file '" + a.htpasswd_path + "'");
    return;
  }
  ctx.file_index(a.htpasswd_path);
  ctx.settings->watched_files.push_back(a.htpasswd_path);
  std::istringstream in(text);
  std::string line;
  for (int no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const Where w{a.htpasswd_path, no, 1};
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      ctx.error(w, "expected 'user:hash'");
      continue;
    }
    std::string user = line.substr(0, colon), hash = line.substr(colon + 1);
    if (!accepted_hash(hash)) {
      // The hash itself is not echoed: it is secret material.
      ctx.error(Where{a.htpasswd_path, no, static_cast<int>(colon) + 2},
                "user '" + user +
                    "': only bcrypt ($2y$, $2b$) and SHA-512-crypt ($6$) entries "
                    "are accepted");
      continue;
    }
    if (!a.htpasswd.emplace(user, std::move(hash)).second)
      ctx.error(w, "user '" + user + "' is listed twice");
  }
}

void load_groups_file(LoadContext& ctx, const Where& ref, AuthSettings& a) {
  auto root = load_yaml_file(ctx, a.groups_file_path, &ref);
  if (!root || root->IsNull()) return;
  const std::string& file = a.groups_file_path;
  if (!root->IsMap()) {
    ctx.error(where(file, *root), "groups file: expected a mapping of user: [group, ...]");
    return;
  }
  for (auto it = root->begin(); it != root->end(); ++it) {
    const Node key = it->first, value = it->second;
    std::string user;
    if (!read_string(ctx, file, key, user)) continue;
    std::vector<std::string> groups;
    if (!read_identity_names(ctx, file, &value, "groups", groups)) continue;
    if (!a.groups_file.emplace(user, std::move(groups)).second)
      ctx.error(where(file, key), "user '" + user + "' is listed twice");
  }
}

bool ldap_url(LoadContext& ctx, const std::string& file, const Node& n, std::string& out) {
  if (!read_string(ctx, file, n, out)) return false;
  if (!out.starts_with("ldap://") && !out.starts_with("ldaps://") && !out.starts_with("ldapi://")) {
    ctx.error(where(file, n), "bad LDAP URL '" + out + "' (use ldap://host[:port] or ldaps://)");
    return false;
  }
  return true;
}

struct AuthReader {
  LoadContext& ctx;
  const std::string& file;
  AuthSettings& a;
  std::string dir = dir_of(file);

  void schemes(const Node& n) {
    if (!read_sequence(ctx, file, n, "auth.schemes")) return;
    if (n.size() == 0) ctx.error(where(file, n), "auth.schemes: at least one scheme is needed");
    for (const Node& item : n) {
      std::string text;
      if (!read_string(ctx, file, item, text)) continue;
      AuthScheme s;
      if (text == "negotiate") {
        s = AuthScheme::negotiate;
      } else if (text == "basic") {
        s = AuthScheme::basic;
      } else {
        ctx.error(where(file, item), "expected negotiate or basic, got '" + text + "'");
        continue;
      }
      if (a.offers(s)) {
        ctx.error(where(file, item), "scheme '" + text + "' is listed twice");
        continue;
      }
      a.schemes.push_back(s);
    }
  }

  void negotiate(const Node& n) {
    MapView m(ctx, file, n, {"keytab"}, "auth.negotiate");
    const Node* k = m.ok() ? m.require("keytab") : nullptr;
    if (!k || !read_string(ctx, file, *k, a.keytab)) return;
    a.keytab = join_path(dir, a.keytab);
    if (std::ifstream probe(a.keytab, std::ios::binary); !probe)
      ctx.error(where(file, *k), "cannot read keytab '" + a.keytab + "'");
  }

  void basic(const Node& n) {
    MapView m(ctx, file, n, {"ldap", "htpasswd"}, "auth.basic");
    if (!m.ok()) return;
    const Node* l = m.get("ldap");
    const Node* h = m.get("htpasswd");
    if ((l != nullptr) == (h != nullptr)) {
      ctx.error(m.at(), "auth.basic: give exactly one of ldap or htpasswd");
      return;
    }
    if (h) {
      if (!read_string(ctx, file, *h, a.htpasswd_path)) return;
      a.htpasswd_path = join_path(dir, a.htpasswd_path);
      load_htpasswd(ctx, where(file, *h), a);
      return;
    }
    MapView lm(ctx, file, *l, {"url", "user_dn"}, "auth.basic.ldap");
    if (!lm.ok()) return;
    if (const Node* u = lm.require("url")) ldap_url(ctx, file, *u, a.basic_ldap.url);
    if (const Node* d = lm.require("user_dn");
        d && read_string(ctx, file, *d, a.basic_ldap.user_dn))
      if (a.basic_ldap.user_dn.find("{user}") == std::string::npos)
        ctx.error(where(file, *d), "user_dn must contain {user}");
  }

  void groups(const Node& n) {
    MapView m(ctx, file, n, {"ldap", "file"}, "auth.groups");
    if (!m.ok()) return;
    const Node* l = m.get("ldap");
    const Node* f = m.get("file");
    if ((l != nullptr) == (f != nullptr)) {
      ctx.error(m.at(), "auth.groups: give exactly one of ldap or file");
      return;
    }
    if (f) {
      if (!read_string(ctx, file, *f, a.groups_file_path)) return;
      a.groups_file_path = join_path(dir, a.groups_file_path);
      load_groups_file(ctx, where(file, *f), a);
      return;
    }
    MapView lm(ctx, file, *l, {"url", "bind_dn", "bind_password_file", "base", "filter"},
               "auth.groups.ldap");
    if (!lm.ok()) return;
    LdapGroupSettings& g = a.groups_ldap;
    if (const Node* u = lm.require("url")) ldap_url(ctx, file, *u, g.url);
    if (const Node* b = lm.get("bind_dn")) read_string(ctx, file, *b, g.bind_dn);
    if (const Node* b = lm.require("base")) read_string(ctx, file, *b, g.base);
    if (const Node* fl = lm.require("filter"); fl && read_string(ctx, file, *fl, g.filter)) {
      if (g.filter.empty() || g.filter.front() != '(' || g.filter.back() != ')')
        ctx.error(where(file, *fl),
                  "filter must be an LDAP filter in parentheses, e.g. (member={dn})");
      if (g.filter.find("{dn}") == std::string::npos &&
          g.filter.find("{user}") == std::string::npos)
        ctx.error(where(file, *fl), "filter must contain {dn} or {user}");
    }
    if (const Node* p = lm.get("bind_password_file")) {
      std::string path;
      if (!read_string(ctx, file, *p, path)) return;
      path = join_path(dir, path);
      if (!read_text_file(path, g.bind_password)) {
        ctx.error(where(file, *p), "cannot read bind_password_file '" + path + "'");
        return;
      }
      while (!g.bind_password.empty() &&
             (g.bind_password.back() == '\n' || g.bind_password.back() == '\r'))
        g.bind_password.pop_back();
      if (g.bind_password.empty())
        ctx.error(where(file, *p), "bind_password_file '" + path + "' is empty");
      ctx.settings->watched_files.push_back(path);
    } else if (!g.bind_dn.empty()) {
      ctx.error(lm.at(), "auth.groups.ldap: bind_dn needs bind_password_file");
    }
  }
};

// The fingerprint of what decides who a client is (auth_settings.hpp). Each
// field length-prefixed, so two fields cannot run into one. The LDAP service
// password is left out: it changes nobody's identity.
std::uint64_t fingerprint_of(const AuthSettings& a) {
  std::string s;
  auto add = [&s](std::string_view v) {
    s += std::to_string(v.size());
    s += ':';
    s += v;
  };
  for (AuthScheme x : a.schemes) add(x == AuthScheme::basic ? "basic" : "negotiate");
  add(a.realm);
  for (const Cidr& c : a.exempt) add(c.to_string());
  add(a.keytab);
  add(a.basic_ldap.url);
  add(a.basic_ldap.user_dn);
  add(a.htpasswd_path);
  for (const auto& [user, hash] : a.htpasswd) add(user + ":" + hash);
  const LdapGroupSettings& g = a.groups_ldap;
  for (const std::string* f : {&g.url, &g.bind_dn, &g.base, &g.filter}) add(*f);
  add(a.groups_file_path);
  for (const auto& [user, groups] : a.groups_file) {
    add(user);
    add(std::to_string(groups.size()));
    for (const std::string& group : groups) add(group);
  }
  add(std::to_string(a.cache_ttl.count()));
  add(a.on_backend_failure == OnBackendFailure::block ? "block" : "network");
  return std::hash<std::string>{}(s);
}

}  // namespace

void read_auth_block(LoadContext& ctx, const std::string& file, const YAML::Node& n,
                     AuthSettings& a) {
  MapView m(ctx, file, n,
            {"schemes", "realm", "exempt", "negotiate", "basic", "groups", "cache_ttl",
             "on_backend_failure"},
            "auth");
  if (!m.ok()) return;
  AuthReader rd{ctx, file, a};
  if (const Node* s = m.require("schemes")) rd.schemes(*s);
  if (const Node* r = m.get("realm"); r && read_string(ctx, file, *r, a.realm)) {
    // The realm goes into a quoted-string of Proxy-Authenticate (RFC 9110 §11.6.1).
    for (char c : a.realm)
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        ctx.error(where(file, *r),
                  "realm must not contain quotes, backslashes or control characters");
        break;
      }
  }
  if (const Node* e = m.get("exempt"); e && read_sequence(ctx, file, *e, "auth.exempt")) {
    for (const Node& item : *e) {
      Cidr c;
      if (read_cidr(ctx, file, item, c)) a.exempt.push_back(c);
    }
  }
  const Node* neg = m.get("negotiate");
  const Node* bas = m.get("basic");
  if (neg) rd.negotiate(*neg);
  if (bas) rd.basic(*bas);
  if (const Node* g = m.get("groups")) rd.groups(*g);
  if (const Node* t = m.get("cache_ttl")) read_duration(ctx, file, *t, a.cache_ttl);
  if (const Node* f = m.get("on_backend_failure")) {
    std::string text;
    if (read_string(ctx, file, *f, text)) {
      if (text == "block")
        a.on_backend_failure = OnBackendFailure::block;
      else if (text == "network")
        a.on_backend_failure = OnBackendFailure::network;
      else
        ctx.error(where(file, *f), "expected block or network, got '" + text + "'");
    }
  }
  if (a.offers(AuthScheme::negotiate) && !neg)
    ctx.error(m.at(), "auth: scheme negotiate needs negotiate.keytab");
  if (a.offers(AuthScheme::basic) && !bas)
    ctx.error(m.at(), "auth: scheme basic needs a basic block (ldap or htpasswd)");
  if (!a.groups_ldap.url.empty() && a.groups_ldap.filter.find("{dn}") != std::string::npos &&
      a.basic_ldap.url.empty())
    ctx.warning(m.at(),
                "auth.groups.ldap.filter uses {dn} but basic.ldap.user_dn is not set: "
                "{dn} is then empty and no group is found");
  a.fingerprint = fingerprint_of(a);
}

}  // namespace gh
