#include "policy/host.hpp"

#include <idn2.h>

#include <cstdlib>
#include <cstring>

#include "policy/ip_address.hpp"

namespace gh {
namespace {

constexpr std::size_t kMaxName = 253;
constexpr std::size_t kMaxLabel = 63;

bool is_ldh(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// Checks an all-ASCII, lower-case name label by label (LDH rule). Sets
// *has_alabel if any label is an IDNA A-label ("xn--").
HostError check_ldh(std::string_view name, bool* has_alabel) noexcept {
  if (name.empty()) return HostError::empty;
  if (name.size() > kMaxName) return HostError::too_long;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view label = name.substr(start, dot - start);
    if (label.empty()) return HostError::empty_label;
    if (label.size() > kMaxLabel) return HostError::label_too_long;
    for (char c : label)
      if (!is_ldh(c)) return HostError::bad_character;
    if (label.front() == '-' || label.back() == '-') return HostError::bad_hyphen;
    if (label.size() >= 4 && label.substr(0, 4) == "xn--") *has_alabel = true;
    start = dot + 1;
  }
  return HostError::none;
}

// IDNA 2008 (UTS #46 non-transitional mapping) via libidn2. `in` is
// NUL-terminated UTF-8.
HostError to_alabels(const char* in, std::string& out) {
  char* result = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(in),
                          reinterpret_cast<std::uint8_t**>(&result),
                          IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) {
    if (rc == IDN2_TOO_BIG_DOMAIN) return HostError::too_long;
    if (rc == IDN2_TOO_BIG_LABEL) return HostError::label_too_long;
    return HostError::idna;
  }
  out.assign(result);
  idn2_free(result);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return HostError::none;
}

}  // namespace

std::string_view to_string(HostError e) noexcept {
  switch (e) {
    case HostError::none:
      return "ok";
    case HostError::empty:
      return "empty host name";
    case HostError::too_long:
      return "host name longer than 253 octets";
    case HostError::empty_label:
      return "empty label in host name";
    case HostError::label_too_long:
      return "label longer than 63 octets";
    case HostError::bad_character:
      return "invalid character in host name";
    case HostError::bad_hyphen:
      return "label starts or ends with a hyphen";
    case HostError::idna:
      return "not a valid internationalised domain name (IDNA 2008)";
  }
  return "invalid host name";
}

HostError canonicalize_host(std::string_view in, std::string& out, HostName* info) {
  if (info) info->is_ip = false;
  out.clear();
  if (in.empty()) return HostError::empty;

  // IP literals: "[v6]", "v6", dotted-quad v4.
  const bool bracketed = in.front() == '[';
  if (bracketed || in.find(':') != std::string_view::npos) {
    auto ip = IpAddress::parse(in);
    if (!ip) return HostError::bad_character;
    out = ip->to_string();
    if (info) info->is_ip = true;
    return HostError::none;
  }
  if (in.back() == '.') in.remove_suffix(1);  // one trailing dot: the root
  if (in.empty()) return HostError::empty;
  if (in.size() > 4 * kMaxName) return HostError::too_long;  // before any conversion work

  bool ascii = true;
  for (char c : in) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    out.resize(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      char c = in[i];
      out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    // A dotted quad ends in a digit; a name's last label never is all digits.
    const bool maybe_v4 = out.back() >= '0' && out.back() <= '9';
    if (auto ip = maybe_v4 ? IpAddress::parse(out) : std::nullopt) {
      out = ip->to_string();
      if (info) info->is_ip = true;
      return HostError::none;
    }
    bool alabel = false;
    HostError e = check_ldh(out, &alabel);
    if (e != HostError::none || !alabel) return e;
    // An A-label must itself be valid IDNA: decode and re-encode.
    std::string copy = out;
    char* unicode = nullptr;
    if (idn2_to_unicode_8z8z(copy.c_str(), &unicode, 0) != IDN2_OK) return HostError::idna;
    std::string round;
    e = to_alabels(unicode, round);
    idn2_free(unicode);
    if (e != HostError::none) return e;
    if (round != copy) return HostError::idna;
    return HostError::none;
  }

  std::string nul(in);
  HostError e = to_alabels(nul.c_str(), out);
  if (e != HostError::none) {
    out.clear();
    return e;
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  bool alabel = false;
  e = check_ldh(out, &alabel);
  if (e != HostError::none) out.clear();
  return e;
}

}  // namespace gh
