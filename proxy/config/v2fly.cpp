#include "config/v2fly.hpp"

#include <cstring>

namespace gh {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

bool attr_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '!';
}

struct Kind {
  std::string_view prefix;
  V2flyKind kind;
};
constexpr Kind kKinds[] = {{"domain", V2flyKind::domain},
                           {"full", V2flyKind::full},
                           {"keyword", V2flyKind::keyword},
                           {"regexp", V2flyKind::regexp},
                           {"include", V2flyKind::include}};

}  // namespace

bool has_attr(std::string_view attrs, std::string_view name) noexcept {
  std::size_t i = 0;
  while (i < attrs.size()) {
    while (i < attrs.size() && is_space(attrs[i])) ++i;
    const std::size_t start = i;
    while (i < attrs.size() && !is_space(attrs[i])) ++i;
    std::string_view tok = attrs.substr(start, i - start);
    if (tok.size() > 1 && tok.front() == '@' && tok.substr(1) == name) return true;
  }
  return false;
}

bool parse_attr_filter(std::string_view text, AttrFilter& out) {
  out.negated = !text.empty() && (text.front() == '!' || text.front() == '-');
  if (out.negated) text.remove_prefix(1);
  if (!text.empty() && text.front() == '@') text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text)
    if (!attr_char(c) || c == '!') return false;
  out.name = std::string(text);
  return true;
}

bool passes(std::string_view attrs, const AttrFilter& f) noexcept {
  return has_attr(attrs, f.name) != f.negated;
}

void scan_v2fly(std::string_view text, const V2flyLineFn& on_line,
                const V2flyProblemFn& on_problem) {
  const char* p = text.data();
  const char* end = p + text.size();
  std::uint32_t line = 0;
  while (p < end) {
    ++line;
    const char* nl =
        static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* eol = nl ? nl : end;
    const char* line_start = p;
    p = nl ? nl + 1 : end;
    // As upstream does: everything from '#' on is a comment, in any position.
    const char* stop = static_cast<const char*>(
        std::memchr(line_start, '#', static_cast<std::size_t>(eol - line_start)));
    if (!stop) stop = eol;
    const char* q = line_start;
    while (q < stop && is_space(*q)) ++q;
    if (q >= stop) continue;  // blank or comment
    const char* tok = q;
    while (q < stop && !is_space(*q)) ++q;
    std::string_view first(tok, static_cast<std::size_t>(q - tok));
    const auto col = static_cast<std::uint32_t>(tok - line_start) + 1;

    V2flyLine out;
    out.line = line;
    out.col = col;
    out.value = first;
    if (const std::size_t colon = first.find(':'); colon != std::string_view::npos) {
      const std::string_view type = first.substr(0, colon);
      bool known = false;
      for (const Kind& k : kKinds) {
        if (k.prefix == type) {
          out.kind = k.kind;
          known = true;
          break;
        }
      }
      if (!known) {
        on_problem(line, col,
                   "unknown rule type '" + std::string(type) +
                       "' (use domain:, full:, keyword:, regexp: or include:)");
        continue;
      }
      out.value = first.substr(colon + 1);
    }
    if (out.value.empty()) {
      on_problem(line, col, "empty value after '" + std::string(first) + "'");
      continue;
    }
    // The rest: @tags, and &affiliations (newer upstream files), which name
    // other lists and change nothing here.
    while (q < stop && is_space(*q)) ++q;
    const char* attrs_start = q;
    const char* attrs_end = q;
    bool bad = false;
    while (q < stop) {
      const char* t = q;
      while (q < stop && !is_space(*q)) ++q;
      std::string_view a(t, static_cast<std::size_t>(q - t));
      const bool tag = a.size() > 1 && (a.front() == '@' || a.front() == '&');
      bool chars_ok = tag;
      for (std::size_t i = 1; chars_ok && i < a.size(); ++i) chars_ok = attr_char(a[i]);
      if (!chars_ok) {
        on_problem(line, static_cast<std::uint32_t>(t - line_start) + 1,
                   "expected '@tag' after the rule, got '" + std::string(a) + "'");
        bad = true;
        break;
      }
      if (a.front() == '@') attrs_end = q;
      while (q < stop && is_space(*q)) ++q;
    }
    if (bad) continue;
    out.attrs = std::string_view(attrs_start, static_cast<std::size_t>(attrs_end - attrs_start));
    on_line(out);
  }
}

}  // namespace gh
