// `tls_intercept:` and `policy.headers:` (README "HTTPS interception"): what is read,
// and every refusal with its file:line:col.
#include <catch2/catch.hpp>

#include "base_tree.hpp"

using namespace gh;
using namespace gh::test;

namespace {

std::string main_with(const std::string& tail) { return std::string(kMain) + tail; }

LoadResult load(const TempTree& t) { return load_config(t.path("gatehouse.yaml"), base_now()); }

bool has(const LoadResult& r, const std::string& needle) {
  return formatted(r).find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("tls_intercept: off is the default and keeps interception off", "[config][intercept]") {
  TempTree t;
  write_base(t);
  LoadResult r = load(t);
  INFO(formatted(r));
  REQUIRE(r.ok());
  CHECK_FALSE(r.settings->tls_intercept.enabled);
  CHECK_FALSE(r.rules->intercept.enabled);

  t.write("gatehouse.yaml", main_with("tls_intercept: off\n"));
  r = load(t);
  REQUIRE(r.ok());
  CHECK_FALSE(r.rules->intercept.enabled);

  t.write("gatehouse.yaml", main_with("tls_intercept: on\n"));
  r = load(t);
  CHECK_FALSE(r.ok());
  CHECK(has(r, "gatehouse.yaml:11:16: error: tls_intercept: give { ca_cert"));
}

TEST_CASE("tls_intercept: every key read, defaults kept", "[config][intercept]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", main_with("tls_intercept:\n"            // 11
                                      "  ca_cert: \"ca/ca.pem\"\n"  // 12
                                      "  ca_key: \"ca/ca.key\"\n"   // 13
                                      "  never: [\"app:webmail\", \"category:im\", "
                                      "\".bank.example\", \"health.example\"]\n"  // 14
                                      "  upstream_ca: \"anchors.pem\"\n"          // 15
                                      "  leaf_validity: \"2d\"\n"                 // 16
                                      "  leaf_cache: 50\n"));                     // 17
  LoadResult r = load(t);
  INFO(formatted(r));
  REQUIRE(r.ok());
  const TlsInterceptSettings& s = r.settings->tls_intercept;
  CHECK(s.enabled);
  CHECK(s.ca_cert == t.path("ca/ca.pem"));
  CHECK(s.ca_key == t.path("ca/ca.key"));
  CHECK(s.ca_cert_at.line == 12);
  CHECK(s.ca_cert_at.col == 12);
  CHECK(s.ca_key_at.line == 13);
  CHECK(s.block_pages);
  CHECK(s.upstream_ca == t.path("anchors.pem"));
  CHECK(s.leaf_validity == std::chrono::hours(48));
  CHECK(s.leaf_cache == 50);
  const InterceptRules& p = r.rules->intercept;
  CHECK(p.enabled);
  REQUIRE(p.never.size() == 4);
  CHECK(p.never[0].kind == InterceptSelector::Kind::app);
  CHECK(r.rules->apps[p.never[0].target].id == "webmail");
  CHECK(p.never[1].kind == InterceptSelector::Kind::category);
  CHECK(r.rules->categories[p.never[1].target].id == "im");
  CHECK(p.never[2].kind == InterceptSelector::Kind::domain);
  CHECK(p.never[2].domain == "bank.example");
  CHECK(p.never[2].suffix);
  CHECK_FALSE(p.never[3].suffix);
  CHECK(p.never[3].location == t.path("gatehouse.yaml") + ":14:58");

  // Defaults: system store, 7 days, 10000 leaves.
  t.write("gatehouse.yaml", main_with("tls_intercept: { ca_cert: a.pem, ca_key: a.key, "
                                      "block_pages: false, upstream_ca: system }\n"));
  r = load(t);
  REQUIRE(r.ok());
  CHECK(r.settings->tls_intercept.upstream_ca.empty());
  CHECK(r.settings->tls_intercept.leaf_validity == std::chrono::hours(24 * 7));
  CHECK(r.settings->tls_intercept.leaf_cache == 10000);
  CHECK_FALSE(r.rules->intercept.block_pages);
}

TEST_CASE("inspect selectors compile to what they name", "[config][intercept]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", main_with("tls_intercept:\n"                                     // 11
                                      "  ca_cert: a.pem\n"                                   // 12
                                      "  ca_key: a.key\n"                                    // 13
                                      "  inspect: [\"app:webmail\", \".example.org\"]\n"));  // 14
  LoadResult r = load(t);
  INFO(formatted(r));
  REQUIRE(r.ok());
  const auto& inspect = r.rules->intercept.inspect;
  REQUIRE(inspect.size() == 2);
  CHECK(inspect[0].kind == InterceptSelector::Kind::app);
  CHECK(inspect[0].location == t.path("gatehouse.yaml") + ":14:13");
  CHECK(inspect[1].kind == InterceptSelector::Kind::domain);
  CHECK(inspect[1].suffix);
  CHECK(inspect[1].domain == "example.org");
  // With interception off they are never used.
  t.write("gatehouse.yaml", main_with("tls_intercept: off\n"));
  CHECK(load(t).ok());
}

TEST_CASE("tls_intercept: refusals name file:line:col", "[config][intercept]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml",
          main_with("tls_intercept:\n"                                                       // 11
                    "  ca_cert: a.pem\n"                                                     // 12
                    "  inspect: [\"app:nope\", \"category:nada\", \".com\", \"a_b.org\"]\n"  // 13
                    "  leaf_validity: \"10m\"\n"                                             // 14
                    "  leaf_cahce: 5\n"));                                                   // 15
  LoadResult r = load(t);
  INFO(formatted(r));
  CHECK_FALSE(r.ok());
  CHECK(has(r, "unknown key 'leaf_cahce'"));
  CHECK(has(r, "gatehouse.yaml:13:13: error: unknown app 'nope'"));
  CHECK(has(r, "gatehouse.yaml:13:25: error: unknown category 'nada'"));
  CHECK(has(r, "gatehouse.yaml:13:42: error: '.com' is a public suffix"));  // .com: a public suffix
  CHECK(has(r, "gatehouse.yaml:13:50: error: bad domain 'a_b.org'"));
  CHECK(has(r, "gatehouse.yaml:14:18: error: leaf_validity must be between 1h and 397d"));
}

TEST_CASE("policy.headers: rules read; names, values and departments checked",
          "[config][intercept]") {
  TempTree t;
  write_base(t);
  // Off: read and checked, warned about (never applied), the tree is used.
  t.write("gatehouse.yaml",
          std::string(kMain) +
              "  headers:\n"                                                                // 11
              "    - domains: [login.example.com, .login.example.net]\n"                    // 12
              "      set: { Restrict-Access-To-Tenants: \"example.gov\", X-Two: \"b\" }\n"  // 13
              "    - domains: [.google.example]\n"                                          // 14
              "      set: { X-GoogApps-Allowed-Domains: \"example.gov\" }\n"                // 15
              "      departments: [immigration]\n");                                        // 16
  LoadResult r = load(t);
  INFO(formatted(r));
  REQUIRE(r.ok());
  CHECK(has(r,
            "gatehouse.yaml:12:5: warning: policy.headers apply only to decrypted flows, and "
            "tls_intercept is off"));
  const auto& h = r.rules->intercept.headers;
  REQUIRE(h.size() == 2);
  REQUIRE(h[0].domains.size() == 2);
  CHECK(h[0].domains[1].suffix);
  CHECK(h[0].domains[1].domain == "login.example.net");
  CHECK(h[0].set == std::vector<std::pair<std::string, std::string>>{
                        {"Restrict-Access-To-Tenants", "example.gov"}, {"X-Two", "b"}});
  CHECK(h[0].departments.empty());
  CHECK(h[1].departments == std::vector<std::uint32_t>{0});
  CHECK(h[1].location == t.path("gatehouse.yaml") + ":14:7");

  // On: taken as written, no warning (inspected flows set them).
  t.write("gatehouse.yaml", std::string(kMain) +
                                "  headers:\n"                                               // 11
                                "    - { domains: [a.example.org], set: { X-A: \"1\" } }\n"  // 12
                                "tls_intercept: { ca_cert: a.pem, ca_key: a.key }\n");       // 13
  r = load(t);
  INFO(formatted(r));
  CHECK_FALSE(has(r, "header rule"));
  CHECK_FALSE(has(r, "policy.headers apply only"));
  REQUIRE(r.rules->intercept.headers.size() == 1);
  CHECK(r.rules->intercept.enabled);

  t.write("gatehouse.yaml",
          std::string(kMain) +
              "  headers:\n"                                                               // 11
              "    - domains: [\"app:webmail\"]\n"                                         // 12
              "      set: { Host: \"x\", \"bad name\": \"v\", X-A: \"a\\r\\nX-B: b\" }\n"  // 13
              "      departments: [nowhere]\n"                                             // 14
              "    - { domains: [a.example.org], set: { X-A: 1, x-a: 2 } }\n");            // 15
  r = load(t);
  INFO(formatted(r));
  CHECK_FALSE(r.ok());
  CHECK(has(r, "gatehouse.yaml:12:17: error: header rules name domains, not 'app:webmail'"));
  CHECK(has(r, "gatehouse.yaml:13:14: error: header rules may not set 'Host'"));
  CHECK(has(r, "error: bad header name 'bad name'"));
  CHECK(has(r, "error: header value for 'X-A' has a control character"));
  CHECK(has(r, "gatehouse.yaml:14:21: error: unknown department 'nowhere'"));
  CHECK(has(r, "error: header 'x-a' is set twice in one rule"));
}

TEST_CASE("selectors covered by never are warned about", "[config][intercept]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml",
          std::string(kMain) +
              "  headers:\n"                                                // 11
              "    - { domains: [a.bank.example], set: { X-A: \"1\" } }\n"  // 12
              "tls_intercept:\n"                                            // 13
              "  ca_cert: a.pem\n"                                          // 14
              "  ca_key: a.key\n"                                           // 15
              "  inspect: [\"app:chat-web\", \"app:webmail\", \"www.mail.example.net\", "
              "x.example]\n"                                                        // 16
              "  never: [\"category:im\", \".bank.example\", \"app:webmail\"]\n");  // 17
  LoadResult r = load(t);
  INFO(formatted(r));
  CHECK(has(r,
            "gatehouse.yaml:16:13: warning: inspect selector 'app:chat-web' is covered by "
            "never 'category:im'"));
  CHECK(has(r,
            "gatehouse.yaml:16:29: warning: inspect selector 'app:webmail' is covered by never "
            "'app:webmail'"));
  // A domain the rules classify as the never'd app.
  CHECK(has(r, "gatehouse.yaml:16:44: warning: inspect selector 'www.mail.example.net'"));
  CHECK(has(r,
            "gatehouse.yaml:12:19: warning: header rule domain 'a.bank.example' is covered by "
            "never '.bank.example'"));
  CHECK_FALSE(has(r, "'x.example' is covered"));
}
