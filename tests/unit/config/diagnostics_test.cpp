// Every diagnostic of README "Rule files" with its exact file:line:col.
#include <catch2/catch.hpp>

#include "base_tree.hpp"
#include "config/calendar.hpp"

using namespace gh;
using namespace gh::test;

namespace {

// Loads the tree and returns the diagnostics with the temp root stripped.
std::string diags_of(const TempTree& t, TimePoint now = base_now()) {
  LoadResult r = load_config(t.path("gatehouse.yaml"), now);
  std::string out = formatted(r);
  const std::string root = t.root() + "/";
  for (std::size_t p; (p = out.find(root)) != std::string::npos;) out.erase(p, root.size());
  CHECK(r.ok() == !has_errors(r.diagnostics));
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const std::size_t p = s.find(from);
  REQUIRE(p != std::string::npos);
  return s.replace(p, from.size(), to);
}

}  // namespace

TEST_CASE("the base tree is clean", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  LoadResult r = load_config(t.path("gatehouse.yaml"), base_now());
  INFO(formatted(r));
  REQUIRE(r.ok());
  CHECK(r.diagnostics.empty());
  CHECK(r.rules->files.size() == 5);
}

TEST_CASE("unknown keys are errors everywhere", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) + "  uncategorised: allow\n");
  CHECK(diags_of(t) ==
        "gatehouse.yaml:11:3: error: unknown key 'uncategorised' in policy (did you mean "
        "'uncategorized'?)\n");
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, "    title: Chat Web\n", "    titel: Chat Web\n"));
  CHECK(diags_of(t) ==
        "categories/im.yaml:5:5: error: unknown key 'titel' in app (did you mean 'title'?)\n");
  write_base(t);
  t.write("approvals.yaml", std::string(kApprovals) + "    expiry: 2027-01-01\n");
  CHECK(diags_of(t) ==
        "approvals.yaml:9:5: error: unknown key 'expiry' in approval (did you mean "
        "'expires'?)\n");
  write_base(t);
  t.write("departments.yaml", std::string(kDepartments) + "    owner: x\n");
  CHECK(diags_of(t) == "departments.yaml:6:5: error: unknown key 'owner' in department\n");
}

TEST_CASE("bad CIDR", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("departments.yaml", replace(kDepartments, "10.30.0.0/16", "10.30.0.0/33"));
  CHECK(diags_of(t) ==
        "departments.yaml:5:16: error: bad network '10.30.0.0/33' (use e.g. "
        "10.0.0.0/8 or 2001:db8::/32)\n");
}

TEST_CASE("bad domain, after IDNA", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, "chat.example.org", "chat_x.example.org"));
  CHECK(diags_of(t) ==
        "categories/im.yaml:6:38: error: bad domain 'chat_x.example.org': invalid "
        "character in host name\n");
  write_base(t);
  t.write("categories/mail.yaml", replace(kMail, ".mail.example.net", "..mail.example.net"));
  CHECK(diags_of(t) ==
        "categories/mail.yaml:5:9: error: bad domain '..mail.example.net': empty label in host "
        "name\n");
}

TEST_CASE("a rule that is a public suffix", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, "chat.example.org", ".co.uk"));
  CHECK(diags_of(t) ==
        "categories/im.yaml:6:38: error: '.co.uk' is a public suffix; a rule must "
        "name a registrable domain or a host below one\n");
  write_base(t);
  t.write("categories/mail.yaml", replace(kMail, ".mail.example.net", ".com"));
  CHECK(diags_of(t) ==
        "categories/mail.yaml:5:9: error: '.com' is a public suffix; a rule must "
        "name a registrable domain or a host below one\n");
}

TEST_CASE("a regex re2 rejects", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, "'^https?://[^/]+/chat-api/'", "'(unclosed'"));
  const std::string d = diags_of(t);
  CHECK(d.rfind("categories/im.yaml:7:12: error: bad regex '(unclosed': ", 0) == 0);
}

TEST_CASE("approvals naming unknown things", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("approvals.yaml",
          replace(kApprovals, "department: immigration", "department: imigration"));
  CHECK(diags_of(t) == "approvals.yaml:3:17: error: unknown department 'imigration'\n");
  t.write("approvals.yaml", replace(kApprovals, "app: chat-web", "app: chatweb"));
  CHECK(diags_of(t) == "approvals.yaml:4:10: error: unknown app 'chatweb'\n");
  t.write("approvals.yaml", replace(kApprovals, "app: chat-web", "category: chat"));
  CHECK(diags_of(t) == "approvals.yaml:4:15: error: unknown category 'chat'\n");
  t.write("approvals.yaml", replace(kApprovals, "    app: chat-web\n", ""));
  CHECK(diags_of(t) ==
        "approvals.yaml:2:5: error: an approval needs one of app, category or domain\n");
  t.write("approvals.yaml", replace(kApprovals, "app: chat-web", "domain: .com"));
  CHECK(diags_of(t) ==
        "approvals.yaml:4:13: error: '.com' is a public suffix; a rule must name a "
        "registrable domain or a host below one\n");
}

TEST_CASE("two departments claiming the identical network", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("departments.yaml", replace(kDepartments, "10.30.0.0/16", "10.20.0.0/16"));
  CHECK(diags_of(t) ==
        "departments.yaml:5:16: error: network '10.20.0.0/16' is already claimed "
        "by department 'immigration'\n");
  // Nested is fine: the longest prefix wins.
  t.write("departments.yaml", replace(kDepartments, "10.30.0.0/16", "10.20.7.0/24"));
  CHECK(diags_of(t).empty());
}

TEST_CASE("expires before granted, bad dates", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("approvals.yaml", replace(kApprovals, "expires: 2027-03-31", "expires: 2026-03-31"));
  CHECK(diags_of(t) ==
        "approvals.yaml:7:14: error: expires (2026-03-31) is before granted (2026-04-01)\n");
  t.write("approvals.yaml", replace(kApprovals, "expires: 2027-03-31", "expires: 2027-02-29"));
  CHECK(diags_of(t) == "approvals.yaml:7:14: error: bad date '2027-02-29' (use YYYY-MM-DD)\n");
}

TEST_CASE("bad durations, sizes and enum values", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) +
                                "limits: { header_timeout: \"10 s\", max_header_bytes: 32KB }\n"
                                "audit: { fsync: sometimes, on_failure: ignore }\n");
  CHECK(diags_of(t) ==
        "gatehouse.yaml:11:27: error: bad duration '10 s' (use e.g. 500ms, 10s, 5m, 1h)\n"
        "gatehouse.yaml:11:53: error: bad size '32KB' (use bytes or e.g. 64KiB, 1MiB, 1GiB)\n"
        "gatehouse.yaml:12:17: error: bad duration 'sometimes' (use e.g. 500ms, 10s, 5m, 1h)\n"
        "gatehouse.yaml:12:40: error: expected block or allow, got 'ignore'\n");
  t.write("gatehouse.yaml", replace(kMain, "im: block", "im: blok"));
  // One message: the category has an action, a wrong one (no "has no action" warning too).
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:21: error: expected block, monitor or allow, got 'blok'\n");
  t.write("gatehouse.yaml", replace(kMain, "mode: forward", "mode: reverse"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:2:40: error: expected forward, transparent-tls or "
        "transparent-http, got 'reverse'\n");
  t.write("gatehouse.yaml", replace(kMain, "Asia/Hong_Kong", "Asia/Hongkong_x"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:10:13: error: unknown time zone 'Asia/Hongkong_x' (use an "
        "IANA name such as UTC or Asia/Hong_Kong)\n");
}

TEST_CASE("policy naming a category nobody defines", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", replace(kMain, "mail: monitor", "mail: monitor, storage: block"));
  CHECK(diags_of(t) ==
        "gatehouse.yaml:9:43: error: unknown category 'storage' in "
        "policy.categories (no category file or domain list defines it)\n");
}

TEST_CASE("a missing file is reported where it is named", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.remove("departments.yaml");
  // The approval's department is unknown too once the departments are gone.
  CHECK(diags_of(t) ==
        "gatehouse.yaml:6:16: error: cannot read 'departments.yaml': No such file or directory\n"
        "approvals.yaml:3:17: error: unknown department 'immigration'\n");
  TempTree empty;
  LoadResult r = load_config(empty.path("gatehouse.yaml"), base_now());
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].format() == empty.path("gatehouse.yaml") + ":1:1: error: cannot read '" +
                                         empty.path("gatehouse.yaml") +
                                         "': No such file or directory");
  CHECK_FALSE(r.ok());
}

TEST_CASE("YAML syntax errors carry the parser's position", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/mail.yaml", "category: mail\napps:\n  - id: [webmail\n");
  const std::string d = diags_of(t);
  CHECK_THAT(d,
             Catch::Contains("categories/mail.yaml:4:1: error: end of sequence flow not found\n"));
}

TEST_CASE("warnings: duplicate and shadowed rules", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/mail.yaml", std::string(kMail) +
                                      "      - .mail.example.net\n"      // 6: duplicate
                                      "      - imap.mail.example.net\n"  // 7: shadowed
                                      "      - .web.mail.example.net\n"  // 8: shadowed
                                      "      - mail.example.net\n");  // 9: shadowed (same domain)
  const std::string d = diags_of(t);
  CHECK(d ==
        "categories/mail.yaml:6:9: warning: duplicate rule '.mail.example.net' (first at "
        "categories/mail.yaml:5)\n"
        "categories/mail.yaml:7:9: warning: rule 'imap.mail.example.net' is shadowed by "
        "'.mail.example.net' (categories/mail.yaml:5) of the same category\n"
        "categories/mail.yaml:8:9: warning: rule '.web.mail.example.net' is shadowed by "
        "'.mail.example.net' (categories/mail.yaml:5) of the same category\n"
        "categories/mail.yaml:9:9: warning: rule 'mail.example.net' is shadowed by "
        "'.mail.example.net' (categories/mail.yaml:5) of the same category\n");
  // A narrower rule of another category is an override, not a shadow.
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, "chat.example.org", "chat.mail.example.net"));
  CHECK(diags_of(t).empty());
}

TEST_CASE("warnings: approvals expired or expiring within 14 days", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  // 2027-03-31 is inclusive in Hong Kong: the approval ends at 2027-03-31T16:00Z.
  CHECK(diags_of(t, *parse_rfc3339("2027-03-17T15:59:59Z")).empty());
  CHECK(diags_of(t, *parse_rfc3339("2027-03-17T16:00:00Z")) ==
        "approvals.yaml:7:14: warning: approval 'IMM-1' expires on 2027-03-31 (within 14 days)\n");
  CHECK(diags_of(t, *parse_rfc3339("2027-03-31T15:59:59Z")) ==
        "approvals.yaml:7:14: warning: approval 'IMM-1' expires on 2027-03-31 (within 14 days)\n");
  CHECK(diags_of(t, *parse_rfc3339("2027-03-31T16:00:00Z")) ==
        "approvals.yaml:7:14: warning: approval 'IMM-1' expired on 2027-03-31\n");
  // Warnings alone do not reject the rules.
  CHECK(load_config(t.path("gatehouse.yaml"), *parse_rfc3339("2028-01-01T00:00:00Z")).ok());
}

TEST_CASE("approval networks outside the department are flagged", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("approvals.yaml", replace(kApprovals, "10.20.5.0/24", "10.30.5.0/24"));
  CHECK(diags_of(t) ==
        "approvals.yaml:8:16: warning: network '10.30.5.0/24' is outside department "
        "'immigration': the approval never applies there\n");
}

TEST_CASE("a category glob that matches nothing", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", replace(replace(kMain, "categories/*.yaml", "cats/*.yaml"),
                                    "{ im: block, mail: monitor }", "{}"));
  t.write("approvals.yaml", "approvals: []\n");
  CHECK(diags_of(t) == "gatehouse.yaml:5:15: warning: no category file matches 'cats/*.yaml'\n");
}

TEST_CASE("duplicate keys are errors (YAML would silently keep one)", "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("gatehouse.yaml", std::string(kMain) + "  timezone: \"UTC\"\n");
  CHECK(diags_of(t) == "gatehouse.yaml:11:3: error: duplicate key 'timezone' in policy\n");
}

TEST_CASE("a rule that blocks a vendor's whole domain is flagged unless meant",
          "[config][diagnostics]") {
  TempTree t;
  write_base(t);
  t.write("categories/im.yaml", replace(kIm, ".web.chat.example.com", ".qq.com"));
  CHECK(diags_of(t) ==
        "categories/im.yaml:6:15: warning: rule '.qq.com' blocks the vendor's whole domain, not "
        "its web client; list the web client's hosts, or mark the app whole_domain: true\n");
  t.write("categories/im.yaml",
          replace(replace(kIm, ".web.chat.example.com", ".qq.com"), "    title: Chat Web\n",
                  "    title: Chat Web\n    whole_domain: true\n"));
  CHECK(diags_of(t).empty());
  // An exact rule names one host, not the domain.
  t.write("categories/im.yaml", replace(kIm, ".web.chat.example.com", "qq.com"));
  CHECK(diags_of(t).empty());
}
