// libFuzzer target: DomainMatcher's builder and lookups against the obvious
// matcher (tests/unit/policy/matcher_reference.hpp); any difference aborts.
// Input: lines, the first byte of each says what the rest is:
//   E<name>  exact rule        S<name>  suffix rule
//   H<host>  lookup            P<host>  lookup_parent
//   M<n>     n * 16 suffix rules "<i>.<last rule's name>" (bigger tables)
// Rule values are their order of adding. After building, every host line and
// every rule name (alone, under "x.", and without its first byte) is looked up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/policy/matcher_reference.hpp"
#include "policy/domain_matcher.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

// The host in a buffer of exactly its size, so ASan sees any read past it.
void compare(const gh::DomainMatcher& m, const gh::testing::ReferenceMatcher& ref,
             const std::string& host, bool parent) {
  auto buf = std::make_unique<char[]>(host.size() + 1);
  std::copy(host.begin(), host.end(), buf.get());
  const std::string_view view(buf.get(), host.size());
  const auto got = parent ? m.lookup_parent(view) : m.lookup(view);
  const auto want = ref.lookup(host, parent);
  require(got.has_value() == want.has_value());
  if (got)
    require(got->value == want->value && got->suffix == want->suffix &&
            got->length == want->length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The hash's seed from the input: repeatable, and it varies with it.
  gh::DomainMatcher::Builder builder{std::hash<std::string_view>{}(input)};
  gh::testing::ReferenceMatcher ref;
  std::vector<std::pair<std::string, bool>> hosts;  // host, parent
  std::vector<std::string> names;
  std::uint32_t value = 0;
  auto add = [&](const std::string& name, bool suffix) {
    require(builder.add(name, suffix, value) == ref.add(name, suffix, value));
    ++value;
    names.push_back(name);
  };
  for (std::size_t at = 0; at < input.size();) {
    std::size_t end = input.find('\n', at);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(at, end - at);
    at = end + 1;
    if (line.empty()) continue;
    const std::string rest(line.substr(1));
    switch (line[0]) {
      case 'E':
        add(rest, false);
        break;
      case 'S':
        add(rest, true);
        break;
      case 'H':
        hosts.emplace_back(rest, false);
        break;
      case 'P':
        hosts.emplace_back(rest, true);
        break;
      case 'M': {
        const std::string base = names.empty() ? "example" : names.back();
        const std::size_t n = 16 * std::min<std::size_t>(rest.size(), 64);
        for (std::size_t i = 0; i < n; ++i) add(std::to_string(i) + "." + base, true);
        break;
      }
      default:
        break;
    }
  }
  const gh::DomainMatcher m = std::move(builder).build();
  require(m.memory_bytes() > 0);
  for (const auto& [host, parent] : hosts) compare(m, ref, host, parent);
  for (const std::string& n : names) {
    for (const std::string& h : {n, "x." + n, n.empty() ? n : n.substr(1)}) {
      compare(m, ref, h, false);
      compare(m, ref, h, true);
    }
  }
  return 0;
}
