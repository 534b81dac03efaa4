// The `auth:` block and departments'/approvals' users:/groups: (README "Identity").
#include <catch2/catch.hpp>

#include "base_tree.hpp"
#include "config/pac.hpp"
#include "policy/decide.hpp"

using namespace gh;
using namespace gh::test;

namespace {

std::string diags(const TempTree& t) {
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  std::string out = formatted(r);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = out.find(root)) != std::string::npos;) out.erase(p, root.size());
  CHECK(r.ok() == !has_errors(r.diagnostics));
  return out;
}

// A bcrypt entry ("secret") and a SHA-512-crypt entry ("secret"), made with crypt(3).
const char* kHtpasswd =
    "# comment\n"
    "alice:$2b$05$abcdefghijklmnopqrstuu5M1ZxY0H0zZr1Z2o9B6xKQ9m0J4yGfW\n"
    "bob:$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
    "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/\n";

// The base tree with Basic against kHtpasswd and a groups file of `groups`.
void write_basic_auth(const TempTree& t, const std::string& groups) {
  write_base(t);
  t.write("users.htpasswd", kHtpasswd);
  t.write("groups.yaml", groups);
  t.write("gatehouse.yaml", std::string(kMain) +
                                "auth:\n"
                                "  schemes: [basic]\n"
                                "  basic: { htpasswd: users.htpasswd }\n"
                                "  groups: { file: groups.yaml }\n");
}

}  // namespace

TEST_CASE("auth block: a full LDAP configuration loads", "[config][auth]") {
  TempTree t;
  write_base(t);
  t.write("ldap.secret", "s3rvice-pw\n");
  t.write("http.keytab", "not read at load\n");
  t.write("gatehouse.yaml", std::string(kMain) +
                                "auth:\n"
                                "  schemes: [negotiate, basic]\n"
                                "  realm: \"Example gateway\"\n"
                                "  exempt: [\"10.99.0.0/16\"]\n"
                                "  negotiate: { keytab: http.keytab }\n"
                                "  basic:\n"
                                "    ldap: { url: \"ldap://127.0.0.1:3890\", user_dn: "
                                "\"uid={user},ou=people,dc=ex,dc=gov\" }\n"
                                "  groups:\n"
                                "    ldap: { url: \"ldap://127.0.0.1:3890\", bind_dn: "
                                "\"cn=gh,dc=ex,dc=gov\", bind_password_file: ldap.secret, base: "
                                "\"ou=groups,dc=ex,dc=gov\", filter: \"(member={dn})\" }\n"
                                "  cache_ttl: 2m\n"
                                "  on_backend_failure: network\n");
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(r));
  REQUIRE(r.ok());
  const AuthSettings& a = *r.settings->auth;
  CHECK(a.schemes == std::vector<AuthScheme>{AuthScheme::negotiate, AuthScheme::basic});
  CHECK(a.realm == "Example gateway");
  CHECK(a.exempt.size() == 1);
  CHECK(a.keytab == t.path("http.keytab"));
  CHECK(a.basic_ldap.user_dn == "uid={user},ou=people,dc=ex,dc=gov");
  CHECK(a.groups_ldap.bind_password == "s3rvice-pw");
  CHECK(a.cache_ttl == std::chrono::minutes(2));
  CHECK(a.on_backend_failure == OnBackendFailure::network);
  const std::string pac = pac_text(*r.settings);
  CHECK(pac.find("Kerberos single sign-on") != std::string::npos);
  CHECK(pac.find("--auth-server-allowlist") != std::string::npos);
  CHECK(pac.find("only on a trusted network") != std::string::npos);
}

TEST_CASE("auth block: errors at file:line:col", "[config][auth]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) +
                                "auth:\n"                         // 11, its mapping starts at 12:3
                                "  schemes: [negotiate, ntlm]\n"  // 12
                                "  basic: { htpasswd: users.htpasswd }\n"  // 13
                                "  on_backend_failure: maybe\n");          // 14
  t.write("users.htpasswd", std::string(kHtpasswd) + "carol:$1$md5salt$xxxxxxxx\nnocolon\n");
  CHECK(diags(t) ==
        "gatehouse.yaml:12:3: error: auth: scheme negotiate needs negotiate.keytab\n"
        "gatehouse.yaml:12:24: error: expected negotiate or basic, got 'ntlm'\n"
        "gatehouse.yaml:14:23: error: expected block or network, got 'maybe'\n"
        "users.htpasswd:4:7: error: user 'carol': only bcrypt ($2y$, $2b$) and SHA-512-crypt "
        "($6$) entries are accepted\n"
        "users.htpasswd:5:1: error: expected 'user:hash'\n");
  t.write("gatehouse.yaml",
          std::string(kMain) +
              "auth:\n"
              "  schemes: [basic]\n"
              "  basic: { ldap: { url: \"http://x\", user_dn: \"uid=x\" } }\n"
              "  groups: { ldap: { url: \"ldap://x\", base: b, filter: member } }\n");
  CHECK(diags(t) ==
        "gatehouse.yaml:13:25: error: bad LDAP URL 'http://x' (use ldap://host[:port] or "
        "ldaps://)\n"
        "gatehouse.yaml:13:46: error: user_dn must contain {user}\n"
        "gatehouse.yaml:14:55: error: filter must be an LDAP filter in parentheses, e.g. "
        "(member={dn})\n"
        "gatehouse.yaml:14:55: error: filter must contain {dn} or {user}\n");
}

TEST_CASE("auth block: htpasswd and groups file load", "[config][auth]") {
  TempTree t;
  write_basic_auth(t, "alice: [imm-staff, readers]\nbob: []\n");
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(r));
  REQUIRE(r.ok());
  const AuthSettings& a = *r.settings->auth;
  CHECK(a.htpasswd.size() == 2);
  CHECK(a.htpasswd.at("bob").starts_with("$6$"));
  CHECK(a.groups_file.at("alice") == std::vector<std::string>{"imm-staff", "readers"});
  CHECK(a.groups_file.at("bob").empty());
  CHECK(a.realm == "gatehouse");
  CHECK(a.on_backend_failure == OnBackendFailure::block);
}

TEST_CASE("auth fingerprint: changes with who is who, not with a reload alone", "[config][auth]") {
  TempTree t;
  write_basic_auth(t, "alice: [imm-staff]\n");
  auto fingerprint = [&] {
    LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
    INFO(formatted(r));
    REQUIRE(r.ok());
    return r.settings->auth->fingerprint;
  };
  const std::uint64_t first = fingerprint();
  CHECK(first != 0);
  CHECK(fingerprint() == first);  // the same files: the same value
  // bob's password changed (another hash).
  t.write("users.htpasswd",
          std::string(kHtpasswd).replace(std::string(kHtpasswd).find("qFmFH"), 5, "qFmFX"));
  const std::uint64_t changed = fingerprint();
  CHECK(changed != first);
  // alice left a group.
  t.write("groups.yaml", "alice: []\n");
  CHECK(fingerprint() != changed);
}

TEST_CASE("departments and approvals gain users and groups", "[config][auth]") {
  TempTree t;
  write_base(t);
  t.write("departments.yaml",
          "departments:\n"                                      // 1
          "  - id: immigration\n"                               // 2
          "    networks: [\"10.20.0.0/16\"]\n"                  // 3
          "    groups: [imm-staff, shared]\n"                   // 4
          "  - id: finance\n"                                   // 5
          "    users: [alice]\n"                                // 6
          "    groups: [\"cn=fin,ou=groups\", \"SHARED\"]\n");  // 7
  t.write("approvals.yaml",
          std::string(kApprovals) + "    users: [alice]\n    groups: [traders]\n");
  CHECK(diags(t) ==
        "departments.yaml:7:34: warning: group 'SHARED' is also listed by department "
        "'immigration', which comes first and wins\n");
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  REQUIRE(r.ok());
  CHECK(r.rules->departments[1].members.users == std::vector<std::string>{"alice"});
  CHECK(r.rules->approvals[0].who.groups == std::vector<std::string>{"traders"});
  t.write("departments.yaml", "departments:\n  - id: x\n    users: [\"\"]\n");
  t.write("approvals.yaml", "approvals: []\n");
  CHECK(diags(t) ==
        "departments.yaml:2:5: error: missing key 'networks' in department\n"
        "departments.yaml:3:13: error: users: a name must not be empty or hold a NUL\n");
}
