#include "net/resolver_hosts.hpp"

#include <algorithm>

namespace gh {
namespace {

bool blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Next whitespace-separated word of `line` from `pos`.
std::string_view next_word(std::string_view line, std::size_t& pos) {
  while (pos < line.size() && blank(line[pos])) ++pos;
  const std::size_t start = pos;
  while (pos < line.size() && !blank(line[pos])) ++pos;
  return line.substr(start, pos - start);
}

}  // namespace

HostsTable HostsTable::parse(std::string_view text) {
  HostsTable t;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::size_t pos = 0;
    const auto addr = IpAddress::parse(next_word(line, pos));
    if (!addr) continue;
    for (std::string_view w = next_word(line, pos); !w.empty(); w = next_word(line, pos)) {
      if (w.size() > 253) continue;
      std::string name(w);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      });
      if (name.back() == '.') name.pop_back();
      if (name.empty()) continue;
      auto& list = t.names_[name];
      if (std::find(list.begin(), list.end(), *addr) == list.end()) list.push_back(*addr);
    }
  }
  return t;
}

const std::vector<IpAddress>* HostsTable::find(std::string_view name) const {
  auto it = names_.find(std::string(name));
  return it == names_.end() ? nullptr : &it->second;
}

}  // namespace gh
