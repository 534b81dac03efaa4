// The v2fly domain-list-community format (README "Rule files", README "v2fly feeds"):
// one rule per line, `type:value` then `@attr` tags; '#' starts a comment.
//
// Examples:
//   "example.com"                 -> domain (suffix): example.com and subdomains
//   "domain:example.com @cn"      -> domain, tag cn
//   "full:www.example.com"        -> full (exact)
//   "keyword:drive"               -> keyword: any host containing "drive"
//   "regexp:^dl[0-9]+\.box\.com$" -> regexp (re2) over the host
//   "include:google @-cn"         -> the file `google` beside this one, without @cn entries
//   "full:"                       -> problem: empty value
//   "host:a.com"                  -> problem: unknown type
//   "a.com cn"                    -> problem: a tag must start with '@'
// The scanner only splits text (no allocation per line); the caller
// canonicalises domains, compiles regexes and follows includes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace gh {

enum class V2flyKind : std::uint8_t { domain, full, keyword, regexp, include };

struct V2flyLine {
  V2flyKind kind = V2flyKind::domain;
  std::string_view value;
  std::string_view attrs;  // the "@a @b" tokens as written (may be empty)
  std::uint32_t line = 0;  // 1-based
  std::uint32_t col = 0;   // 1-based column of the first token
};

// True if `attrs` (as in V2flyLine) carries the tag `name` ("cn" for "@cn").
bool has_attr(std::string_view attrs, std::string_view name) noexcept;

// A tag filter: "cn" keeps only entries tagged @cn; "!cn" or "-cn" drops
// them. Empty names are invalid (false from parse_attr_filter).
struct AttrFilter {
  std::string name;
  bool negated = false;
};
bool parse_attr_filter(std::string_view text, AttrFilter& out);
bool passes(std::string_view attrs, const AttrFilter& f) noexcept;

using V2flyLineFn = std::function<void(const V2flyLine&)>;
using V2flyProblemFn =
    std::function<void(std::uint32_t line, std::uint32_t col, std::string message)>;

void scan_v2fly(std::string_view text, const V2flyLineFn& on_line,
                const V2flyProblemFn& on_problem);

}  // namespace gh
