#include "policy/host_patterns.hpp"

#include <re2/re2.h>

namespace gh {

bool HostPatterns::add_keyword(std::string_view keyword, std::uint32_t value, std::string* error) {
  std::string lower(keyword);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return set_.add(RE2::QuoteMeta(lower), value, error);
}

}  // namespace gh
