// The one canonicalisation of host names (README "Rule files"), used for rule entries,
// Host headers, CONNECT authorities and SNI alike.
//
// Examples:
//   "WWW.Example.COM."   -> "www.example.com"
//   "bücher.example"     -> "xn--bcher-kva.example"   (IDNA 2008, libidn2)
//   "xn--bcher-kva.example" -> unchanged (validated)
//   "a..b", "-a.com", "a_b.com", 64-char label, 254-char name -> error
//   "10.0.0.1", "[2001:db8::1]" -> the address text ("2001:db8::1"), is_ip
#pragma once

#include <string>
#include <string_view>

namespace gh {

enum class HostError : unsigned char {
  none,
  empty,
  too_long,        // > 253 octets after conversion
  empty_label,     // "a..b", leading dot
  label_too_long,  // > 63 octets
  bad_character,   // anything but letters, digits, hyphen (after IDNA)
  bad_hyphen,      // label starting or ending with '-'
  idna,            // libidn2 rejected the name
};

std::string_view to_string(HostError e) noexcept;

struct HostName {
  bool is_ip = false;  // an IPv4/IPv6 literal; `name` holds its canonical text
};

// Writes the canonical form into `out` (reusing its capacity: no allocation
// for ASCII names once `out` has grown). Returns HostError::none on success.
// A leading '.' is NOT accepted here; rule syntax strips it first.
HostError canonicalize_host(std::string_view in, std::string& out, HostName* info = nullptr);

}  // namespace gh
