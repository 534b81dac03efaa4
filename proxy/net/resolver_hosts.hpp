// The hosts file (hosts(5)), answered before the cache and DNS so that names
// it lists never wait behind a slow DNS server. Lines: an address, then
// names; '#' starts a comment. Names are matched case-insensitively; the
// addresses of all lines naming a host are kept, in file order. Malformed
// lines are skipped (as the C library does), never fatal.
//
// Examples:
//   "127.0.0.1 localhost"            localhost -> {127.0.0.1}
//   "::1 localhost ip6-localhost"    localhost -> {127.0.0.1, ::1} with the line above
//   "10.0.0.5 Intranet # office"     intranet  -> {10.0.0.5}
//   "not-an-ip name"                 (skipped)
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/ip_address.hpp"

namespace gh {

class HostsTable {
 public:
  static HostsTable parse(std::string_view text);
  // The addresses of `name` (lower case), empty if not listed.
  const std::vector<IpAddress>* find(std::string_view name) const;
  std::size_t size() const noexcept { return names_.size(); }

 private:
  std::unordered_map<std::string, std::vector<IpAddress>> names_;
};

}  // namespace gh
