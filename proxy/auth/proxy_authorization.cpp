// README "Identity": what the proxy accepts in Proxy-Authorization, and why
// everything else is refused before any backend sees it.
#include "auth/proxy_authorization.hpp"

#include <array>

namespace gh {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_table() {
  std::array<signed char, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return t;
}
constexpr auto kTable = make_table();

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

ProxyCredentials malformed(std::string_view why) {
  ProxyCredentials c;
  c.kind = CredentialKind::malformed;
  c.why = why;
  return c;
}

// A DER length at token[i..]; false if it is not minimal-enough to read or
// runs past the end. Long forms up to 3 bytes (16 MiB) are plenty.
bool der_length(std::string_view t, std::size_t& i, std::size_t& len) {
  if (i >= t.size()) return false;
  const auto first = static_cast<unsigned char>(t[i++]);
  if (first < 0x80) {
    len = first;
    return true;
  }
  const std::size_t n = first & 0x7f;
  if (n == 0 || n > 3 || t.size() - i < n) return false;
  len = 0;
  for (std::size_t k = 0; k < n; ++k) len = (len << 8) | static_cast<unsigned char>(t[i++]);
  return true;
}

}  // namespace

bool decode_base64_strict(std::string_view in, std::string& out) {
  out.clear();
  if (in.empty() || in.size() % 4 != 0) return false;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + static_cast<std::size_t>(k)];
      if (c == '=') {
        // Padding only in the last quantum, only in its last two places, and
        // nothing but padding after it.
        if (!last || k < 2) return false;
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad) return false;
      v[k] = kTable[static_cast<unsigned char>(c)];
      if (v[k] < 0) return false;
    }
    const unsigned triple = (static_cast<unsigned>(v[0]) << 18) |
                            (static_cast<unsigned>(v[1]) << 12) |
                            (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out += static_cast<char>((triple >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((triple >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(triple & 0xff);
    // Unused bits must be zero: one spelling per byte string.
    if (pad == 1 && (v[2] & 0x3) != 0) return false;
    if (pad == 2 && (v[1] & 0xf) != 0) return false;
  }
  return true;
}

std::string encode_base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned t = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(t >> 18) & 63];
    out += kAlphabet[(t >> 12) & 63];
    out += kAlphabet[(t >> 6) & 63];
    out += kAlphabet[t & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    unsigned t = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) t |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(t >> 18) & 63];
    out += kAlphabet[(t >> 12) & 63];
    out += rest == 2 ? kAlphabet[(t >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool looks_like_gss_token(std::string_view t) noexcept {
  static constexpr std::string_view kSpnego("\x06\x06\x2b\x06\x01\x05\x05\x02", 8);
  static constexpr std::string_view kKrb5("\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 11);
  if (t.size() < 2) return false;
  const auto tag = static_cast<unsigned char>(t[0]);
  if (tag != 0x60 && tag != 0xa1) return false;
  std::size_t i = 1, len = 0;
  if (!der_length(t, i, len) || len != t.size() - i) return false;
  if (tag == 0xa1) return len > 0;
  const std::string_view rest = t.substr(i);
  return rest.starts_with(kSpnego) || rest.starts_with(kKrb5);
}

ProxyCredentials parse_proxy_authorization(std::string_view value) {
  // Optional whitespace around the field value (RFC 9110 §5.5).
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return {};
  const auto sp = value.find_first_of(" \t");
  const std::string_view scheme = value.substr(0, sp);
  std::string_view token = sp == std::string_view::npos ? std::string_view{} : value.substr(sp);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);

  if (iequal(scheme, "basic")) {
    if (token.empty()) return malformed("no credentials after Basic");
    if (token.size() > kMaxBasicBase64) return malformed("Basic credentials too long");
    ProxyCredentials c;
    std::string decoded;
    if (!decode_base64_strict(token, decoded)) return malformed("bad base64 in Basic credentials");
    const auto colon = decoded.find(':');
    if (colon == std::string::npos) return malformed("no colon in Basic credentials");
    if (colon == 0) return malformed("empty user name in Basic credentials");
    if (decoded.find('\0') != std::string::npos) return malformed("NUL in Basic credentials");
    for (std::size_t k = 0; k < colon; ++k) {
      const auto ch = static_cast<unsigned char>(decoded[k]);
      if (ch < 0x20 || ch == 0x7f) return malformed("control character in the user name");
    }
    c.kind = CredentialKind::basic;
    c.user = decoded.substr(0, colon);
    c.password = decoded.substr(colon + 1);
    return c;
  }
  if (iequal(scheme, "negotiate")) {
    if (token.empty()) return malformed("no token after Negotiate");
    if (token.size() > kMaxNegotiateBase64) return malformed("Negotiate token too long");
    ProxyCredentials c;
    if (!decode_base64_strict(token, c.token)) return malformed("bad base64 in Negotiate token");
    if (!looks_like_gss_token(c.token))
      return malformed("Negotiate token is not SPNEGO or Kerberos");
    c.kind = CredentialKind::negotiate;
    return c;
  }
  ProxyCredentials c;
  c.kind = CredentialKind::unsupported_scheme;
  c.why = "unsupported authentication scheme";
  return c;
}

}  // namespace gh
