// The obvious domain matcher (README "Rule files"), for differential tests of
// DomainMatcher: a std::map from name to its exact and suffix rules, and a
// lookup that walks the host's suffixes from the longest. Shared by
// matcher_differential_test.cpp and tests/fuzz/domain_matcher_fuzz.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gh::testing {

struct ReferenceHit {
  std::uint32_t value;
  bool suffix;
  std::size_t length;
  bool operator==(const ReferenceHit&) const = default;
};

class ReferenceMatcher {
 public:
  // Same contract as DomainMatcher::Builder::add.
  std::optional<std::uint32_t> add(std::string_view domain, bool suffix, std::uint32_t value) {
    if (domain.empty() || domain.size() > 253) return std::nullopt;
    auto& rule = rules_[std::string(domain)];
    std::optional<std::uint32_t>& slot = suffix ? rule.suffix : rule.exact;
    if (slot) return slot;
    slot = value;
    return std::nullopt;
  }

  // lookup(host) when `parent_only` is false, lookup_parent(host) when true.
  std::optional<ReferenceHit> lookup(std::string_view host, bool parent_only = false) const {
    if (host.empty() || host.size() > 253) return std::nullopt;
    for (std::size_t start = 0; start <= host.size();) {  // longest suffix first
      const bool full = start == 0;
      if (!(full && parent_only)) {
        auto it = rules_.find(std::string(host.substr(start)));
        if (it != rules_.end()) {
          const std::size_t length = host.size() - start;
          if (full && it->second.exact) return ReferenceHit{*it->second.exact, false, length};
          if (it->second.suffix) return ReferenceHit{*it->second.suffix, true, length};
        }
      }
      const std::size_t dot = host.find('.', start);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return std::nullopt;
  }

 private:
  struct Rule {
    std::optional<std::uint32_t> exact, suffix;
  };
  std::map<std::string, Rule> rules_;
};

}  // namespace gh::testing
