// Host regexes and keywords from v2fly feeds (`regexp:` and `keyword:`
// lines, README "Rule files"), all in one RE2::Set. decide() asks it only when the
// domain table has no match, so a feed without such lines costs nothing and
// a host that a domain rule names never reaches a regex.
//
// Examples (after add_regex("^dl[0-9]+\\.box\\.com$", 7), add_keyword("terabox", 9)):
//   match("dl12.box.com")     -> 7
//   match("www.terabox.app")  -> 9 (a keyword is a plain substring)
//   match("box.com")          -> none
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/url_patterns.hpp"

namespace gh {

class HostPatterns {
 public:
  // False and *error set if re2 rejects the pattern.
  bool add_regex(std::string_view pattern, std::uint32_t value, std::string* error) {
    return set_.add(pattern, value, error);
  }
  // A substring of the (lower-case, canonical) host: quoted, never a regex.
  bool add_keyword(std::string_view keyword, std::uint32_t value, std::string* error);
  bool compile() { return set_.compile(); }
  // The value of the first pattern added that matches, if any.
  std::optional<std::uint32_t> match(std::string_view host) const {
    return set_.size() == 0 ? std::nullopt : set_.match(host);
  }
  std::size_t size() const noexcept { return set_.size(); }

 private:
  UrlPatterns set_;  // the same unanchored RE2::Set, lowest index wins
};

}  // namespace gh
