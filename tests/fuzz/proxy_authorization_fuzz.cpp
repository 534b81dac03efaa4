// libFuzzer target: the Proxy-Authorization reader and the LDAP escapes
// (proxy/auth/proxy_authorization.cpp, proxy/auth/ldap_escape.cpp).
// Input: a header value.
//
// Checks, besides "no crash": Basic results have a non-empty user without
// ':' , NUL or control bytes, and re-encode to the token given (one spelling
// per credential); Negotiate tokens are within the cap and pass
// looks_like_gss_token; an escaped filter value has no bare '*', '(' or ')'
// and an escaped DN value no bare ',' or '+'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/ldap_escape.hpp"
#include "auth/proxy_authorization.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

void check_escapes(std::string_view v) {
  const std::string f = gh::escape_filter_value(v);
  for (std::size_t i = 0; i < f.size(); ++i) {
    require(f[i] != '*' && f[i] != '(' && f[i] != ')' && f[i] != '\0');
    if (f[i] == '\\') {
      require(i + 2 < f.size());
      i += 2;
    }
  }
  const std::string d = gh::escape_dn_value(v);
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '\\') {
      ++i;
      continue;
    }
    require(d[i] != ',' && d[i] != '+' && d[i] != '\0' && d[i] != '=');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const gh::ProxyCredentials c = gh::parse_proxy_authorization(in);
  switch (c.kind) {
    case gh::CredentialKind::basic: {
      require(!c.user.empty());
      require(c.user.find(':') == std::string::npos);
      require(c.user.find('\0') == std::string::npos && c.password.find('\0') == std::string::npos);
      for (char ch : c.user) require(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
      const std::string again = gh::encode_base64(c.user + ":" + c.password);
      require(in.find(again) != std::string_view::npos);
      check_escapes(c.user);
      break;
    }
    case gh::CredentialKind::negotiate:
      require(!c.token.empty() && c.token.size() <= gh::kMaxNegotiateBase64);
      require(gh::looks_like_gss_token(c.token));
      break;
    case gh::CredentialKind::malformed:
    case gh::CredentialKind::unsupported_scheme:
      require(!c.why.empty());
      break;
    case gh::CredentialKind::none:
      break;
  }
  std::string decoded;
  if (gh::decode_base64_strict(in, decoded)) require(gh::encode_base64(decoded) == in);
  check_escapes(in);
  return 0;
}
