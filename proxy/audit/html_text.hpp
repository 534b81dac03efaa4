// Text that goes into an HTML or SVG document built by string concatenation.
// Every string that comes from an audit log or a rule file passes through
// here: log lines are written by whoever can reach the proxy (hosts, app ids
// from feeds, user names), so nothing of theirs may become markup.
//
// Examples:
//   html_escape("<script>")   -> "&lt;script&gt;"
//   html_escape("a\"b'c&d")   -> "a&quot;b&#39;c&amp;d"
//   html_escape("x\x01y")     -> "x\uFFFDy" (control characters are not text)
//   html_escape("\xff")       -> "\uFFFD"   (invalid UTF-8)
//   shorten("abcdef", 4)      -> "abc…"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// In gh::html; http/pages.hpp uses it for the block and error pages too.
namespace gh::html {

// Safe in element content and in double- or single-quoted attribute values.
void append_html_escaped(std::string& out, std::string_view s);
std::string html_escape(std::string_view s);

// At most `max_chars` code points (not bytes), the last one "…" when cut;
// never splits a UTF-8 sequence. Escape the result before use.
std::string shorten(std::string_view s, std::size_t max_chars);

// 1234567 -> "1,234,567" (thin grouping that reads in print and on screen).
std::string group_digits(std::int64_t n);

}  // namespace gh::html
