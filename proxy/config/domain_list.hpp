// Large domain feeds (include.domain_lists): one domain per line in any of
// three formats, mixed freely; '#' starts a comment; blank lines are skipped.
//
// Examples (match: exact):
//   "example.com"                -> example.com, exact
//   ".example.com"               -> example.com, suffix (Squid dstdomain: always suffix)
//   "0.0.0.0 ads.example.com"    -> ads.example.com, exact (hosts file)
//   "127.0.0.1 a.com b.com # x"  -> a.com, b.com
//   "0.0.0.0 localhost"          -> skipped (hosts-file boilerplate)
//   "a.com b.com"                -> problem: one domain per line
// The scanner only splits text; the caller canonicalises and checks each
// domain. No allocation per line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace gh {

struct ListItem {
  std::uint32_t line = 0;  // 1-based
  std::uint32_t col = 0;   // 1-based column of the domain (its leading dot if any)
  std::string_view body;   // without the leading dot
  bool suffix = false;
};

using ListItemFn = std::function<void(const ListItem&)>;
using ListProblemFn = std::function<void(std::uint32_t line, std::uint32_t col, std::string msg)>;

// `default_suffix`: the list's `match:` (true = suffix).
void scan_domain_list(std::string_view text, bool default_suffix, const ListItemFn& on_item,
                      const ListProblemFn& on_problem);

// Number of lines (for reserving); a last line without '\n' counts.
std::size_t count_lines(std::string_view text) noexcept;

// Whole file into `out`; false (errno set) on failure.
bool read_file(const std::string& path, std::string& out);

}  // namespace gh
