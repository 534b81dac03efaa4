// libFuzzer target: the v2fly domain-list-community scanner (config/v2fly.hpp)
// on arbitrary bytes, with every line's tags checked against a filter taken
// from the input's first line. Lines handed out must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/v2fly.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gh::AttrFilter filter;
  const std::string_view first = text.substr(0, text.find('\n'));
  const bool have_filter = gh::parse_attr_filter(first.substr(0, 32), filter);
  auto inside = [&](std::string_view s) {
    return s.empty() || (s.data() >= text.data() && s.data() + s.size() <= text.data() + size);
  };
  gh::scan_v2fly(
      text,
      [&](const gh::V2flyLine& l) {
        if (l.value.empty() || !inside(l.value) || !inside(l.attrs) || l.line == 0 || l.col == 0)
          std::abort();
        if (have_filter) (void)gh::passes(l.attrs, filter);
        (void)gh::has_attr(l.attrs, "cn");
      },
      [&](std::uint32_t line, std::uint32_t col, const std::string&) {
        if (line == 0 || col == 0) std::abort();
      });
  return 0;
}
