// Reads a Proxy-Authorization header value (RFC 9110 §11.7.1): Basic
// (RFC 7617) or Negotiate (RFC 4559). Pure: no I/O, no allocation beyond the
// decoded result. Every input a client can send has a defined answer.
//
// Examples:
//   "Basic YWxpY2U6c2VjcmV0"   -> basic, user "alice", password "secret"
//   "basic  YWxpY2U6c2VjcmV0"  -> basic (scheme case-insensitive, spaces before the token)
//   "Basic YWxpY2U6"           -> basic, user "alice", password ""
//   "Basic YWxpY2U="           -> malformed (no colon)
//   "Basic OnNlY3JldA=="       -> malformed (empty user)
//   "Basic YWxpY2U6c2VjcmV0="  -> malformed (base64 length not a multiple of 4)
//   "Negotiate YIIC..."        -> negotiate, token = the decoded GSS token
//   "Negotiate TlRMTVNTUAAB"   -> malformed (NTLM, not SPNEGO or Kerberos)
//   "NTLM TlRMTVNTUAAB"        -> unsupported_scheme
//   ""                         -> none
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gh {

enum class CredentialKind : unsigned char {
  none,                // no header, or an empty one
  basic,               // user and password are set
  negotiate,           // token is set
  malformed,           // a known scheme with bad bytes
  unsupported_scheme,  // NTLM, Digest, Bearer, ...
};

// Caps on what is decoded: a Basic credential is a name and a password; a
// Kerberos ticket with a PAC fits in 12 KiB (Windows' MaxTokenSize default).
inline constexpr std::size_t kMaxBasicBase64 = 1024;
inline constexpr std::size_t kMaxNegotiateBase64 = 16 * 1024;

struct ProxyCredentials {
  CredentialKind kind = CredentialKind::none;
  std::string user;      // Basic
  std::string password;  // Basic: secret, never logged or recorded
  std::string token;     // Negotiate: the decoded GSS-API token
  std::string_view why;  // for malformed: a fixed text that holds no input byte
};

ProxyCredentials parse_proxy_authorization(std::string_view value);

// Strict RFC 4648 §4 base64: padding required, no whitespace, no other
// alphabet, unused bits zero. False (out unspecified) on anything else.
bool decode_base64_strict(std::string_view in, std::string& out);
std::string encode_base64(std::string_view in);

// True if `token` is a GSS-API initial context token (RFC 2743 §3.1: 0x60,
// a DER length covering the rest, then the SPNEGO or Kerberos 5 OID) or a
// SPNEGO negTokenResp (0xa1 with a DER length covering the rest).
bool looks_like_gss_token(std::string_view token) noexcept;

}  // namespace gh
