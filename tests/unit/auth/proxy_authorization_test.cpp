// Proxy-Authorization reading and LDAP escaping (README "Identity", bad input).
#include <catch2/catch.hpp>

#include <algorithm>

#include "auth/ldap_escape.hpp"
#include "auth/proxy_authorization.hpp"

using namespace gh;

namespace {

std::string basic(std::string_view user_pass) { return "Basic " + encode_base64(user_pass); }

}  // namespace

TEST_CASE("base64: strict RFC 4648", "[auth][parser]") {
  std::string out;
  CHECK(decode_base64_strict("YWxpY2U6c2VjcmV0", out));
  CHECK(out == "alice:secret");
  CHECK(decode_base64_strict("YQ==", out));
  CHECK(out == "a");
  CHECK(decode_base64_strict("YWI=", out));
  CHECK(out == "ab");
  CHECK_FALSE(decode_base64_strict("YQ", out));        // no padding
  CHECK_FALSE(decode_base64_strict("YR==", out));      // unused bits set
  CHECK_FALSE(decode_base64_strict("Y===", out));      // too much padding
  CHECK_FALSE(decode_base64_strict("YQ==YQ==", out));  // padding in the middle
  CHECK_FALSE(decode_base64_strict("YW I=", out));     // whitespace
  CHECK_FALSE(decode_base64_strict("YW-_", out));      // URL alphabet
  CHECK_FALSE(decode_base64_strict("", out));
  for (const std::string& s :
       std::vector<std::string>{"a", "ab", "abc", "abcd", std::string("\0\xff\x80", 3)}) {
    CHECK(decode_base64_strict(encode_base64(s), out));
    CHECK(out == s);
  }
}

TEST_CASE("Basic credentials", "[auth][parser]") {
  auto c = parse_proxy_authorization("Basic YWxpY2U6c2VjcmV0");
  CHECK(c.kind == CredentialKind::basic);
  CHECK(c.user == "alice");
  CHECK(c.password == "secret");
  c = parse_proxy_authorization("  bAsIc \t" + encode_base64("bob:pa:ss") + " ");
  CHECK(c.kind == CredentialKind::basic);
  CHECK(c.user == "bob");
  CHECK(c.password == "pa:ss");
  CHECK(parse_proxy_authorization(basic("alice:")).kind == CredentialKind::basic);
  CHECK(parse_proxy_authorization(basic("*)(uid=*:x")).user == "*)(uid=*");

  struct Bad {
    std::string value;
    std::string_view why;
  };
  const Bad bad[] = {
      {"Basic", "no credentials after Basic"},
      {"Basic YWxpY2U6c2VjcmV0=", "bad base64 in Basic credentials"},
      {"Basic YWxp Y2U6", "bad base64 in Basic credentials"},
      {basic("alice"), "no colon in Basic credentials"},
      {basic(":secret"), "empty user name in Basic credentials"},
      {basic(std::string("al\0ice:x", 8)), "NUL in Basic credentials"},
      {basic(std::string("alice:x\0", 8)), "NUL in Basic credentials"},
      {basic("al\nice:x"), "control character in the user name"},
      {"Basic " + std::string(kMaxBasicBase64 + 4, 'A'), "Basic credentials too long"},
  };
  for (const Bad& b : bad) {
    INFO(b.value);
    const auto r = parse_proxy_authorization(b.value);
    CHECK(r.kind == CredentialKind::malformed);
    CHECK(r.why == b.why);
    CHECK(r.password.empty());
  }
  CHECK(parse_proxy_authorization("").kind == CredentialKind::none);
  CHECK(parse_proxy_authorization("Digest username=\"a\"").kind ==
        CredentialKind::unsupported_scheme);
}

TEST_CASE("Negotiate tokens must look like SPNEGO or Kerberos", "[auth][parser]") {
  const std::string spnego("\x60\x0a\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x00", 12);
  const std::string krb5("\x60\x0d\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01\x00", 15);
  const std::string resp("\xa1\x03\x30\x01\x00", 5);
  CHECK(looks_like_gss_token(spnego));
  CHECK(looks_like_gss_token(krb5));
  CHECK(looks_like_gss_token(resp));
  CHECK_FALSE(looks_like_gss_token(std::string("NTLMSSP\0\1\0\0\0", 12)));
  CHECK_FALSE(looks_like_gss_token(spnego.substr(0, 11)));                // length past the end
  CHECK_FALSE(looks_like_gss_token(spnego + "x"));                        // bytes after it
  CHECK_FALSE(looks_like_gss_token(std::string("\x60\x84\0\0\0\0", 6)));  // 4-byte length
  CHECK_FALSE(looks_like_gss_token(std::string("\x60\x02\x06\x00", 4)));  // another OID

  auto c = parse_proxy_authorization("Negotiate " + encode_base64(spnego));
  CHECK(c.kind == CredentialKind::negotiate);
  CHECK(c.token == spnego);
  c = parse_proxy_authorization("Negotiate " + encode_base64("NTLMSSP"));
  CHECK(c.kind == CredentialKind::malformed);
  CHECK(c.why == "Negotiate token is not SPNEGO or Kerberos");
  c = parse_proxy_authorization("Negotiate !!!!");
  CHECK(c.why == "bad base64 in Negotiate token");
  c = parse_proxy_authorization("Negotiate " + std::string(64 * 1024, 'A'));
  CHECK(c.why == "Negotiate token too long");
  CHECK(c.token.empty());
}

TEST_CASE("LDAP filter values are escaped per RFC 4515", "[auth][ldap]") {
  CHECK(escape_filter_value("alice") == "alice");
  CHECK(escape_filter_value("*)(uid=*") == "\\2a\\29\\28uid=\\2a");
  CHECK(escape_filter_value("a\\b") == "a\\5cb");
  CHECK(escape_filter_value(std::string("a\0b", 3)) == "a\\00b");
  CHECK(escape_filter_value("Jürgen") == "Jürgen");
  // The injection cannot widen a filter: the template keeps one assertion.
  const std::string f =
      fill_template("(&(objectClass=person)(uid={user}))", "user", "*)(uid=*", escape_filter_value);
  CHECK(f == "(&(objectClass=person)(uid=\\2a\\29\\28uid=\\2a))");
  CHECK(std::count(f.begin(), f.end(), '(') == 3);
}

TEST_CASE("LDAP DN values are escaped per RFC 4514", "[auth][ldap]") {
  CHECK(escape_dn_value("alice") == "alice");
  CHECK(escape_dn_value("Smith, John") == "Smith\\, John");
  CHECK(escape_dn_value(" #x ") == "\\ #x\\ ");
  CHECK(escape_dn_value("#x") == "\\#x");
  CHECK(escape_dn_value("a#b") == "a#b");
  CHECK(escape_dn_value("x+cn=admin") == "x\\+cn\\=admin");
  CHECK(escape_dn_value("a\"<>;\\") == "a\\\"\\<\\>\\;\\\\");
  CHECK(escape_dn_value(std::string("a\0", 2)) == "a\\00");
  CHECK(fill_template("uid={user},ou=people,dc=ex", "user", "x,ou=admins", escape_dn_value) ==
        "uid=x\\,ou\\=admins,ou=people,dc=ex");
  CHECK(fill_template("{user}-{user}", "user", "a", escape_dn_value) == "a-a");
}
