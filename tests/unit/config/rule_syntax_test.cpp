#include <catch2/catch.hpp>

#include "config/rule_syntax.hpp"

using namespace gh;

TEST_CASE("public suffixes: ICANN, private, wildcard and exception rules", "[config][psl]") {
  for (const char* ps :
       {"com", "co.uk", "blogspot.com", "github.io", "foo.ck", "xn--55qx5d.cn", "intranet"})
    CHECK(is_public_suffix(ps));
  for (const char* not_ps : {"example.com", "example.co.uk", "www.ck", "wx.qq.com",
                             "dropboxusercontent.com", "a.b.example.org", "mega.co.nz"})
    CHECK_FALSE(is_public_suffix(not_ps));
}

TEST_CASE("rule domains: canonical form and problems", "[config][psl]") {
  std::string out;
  CHECK(check_rule_domain("Web.WhatsApp.COM.", out, PublicSuffixPolicy::reject).ok());
  CHECK(out == "web.whatsapp.com");
  CHECK(check_rule_domain("bücher.example", out, PublicSuffixPolicy::reject).ok());
  CHECK(out == "xn--bcher-kva.example");
  CHECK(check_rule_domain("co.uk", out, PublicSuffixPolicy::reject).problem ==
        RuleProblem::public_suffix);
  CHECK(check_rule_domain("intranet", out, PublicSuffixPolicy::accept).ok());
  CHECK(check_rule_domain("10.1.2.3", out, PublicSuffixPolicy::reject).problem ==
        RuleProblem::ip_literal);
  RuleCheck bad = check_rule_domain("a_b.example", out, PublicSuffixPolicy::reject);
  CHECK(bad.problem == RuleProblem::bad_host);
  CHECK(describe(bad, "a_b.example") == "bad domain 'a_b.example': invalid character in host name");
  CHECK(check_rule_domain(".a.example", out, PublicSuffixPolicy::reject).problem ==
        RuleProblem::bad_host);
}
