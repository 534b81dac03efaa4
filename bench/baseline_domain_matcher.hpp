// The domain matcher gatehouse used before issue 17, kept here only as the
// baseline that matcher_bench measures the new layout against. A flat
// open-addressing table of 16-byte slots keyed by the hash of every rule
// domain, probed once per candidate suffix, longest first; rule domains kept
// in one arena and verified byte for byte. Not used by the proxy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/huge_page_allocator.hpp"

namespace gh {

class BaselineDomainMatcher {
 public:
  struct Hit {
    std::uint32_t value;   // caller's payload (index of a RuleEntry)
    bool suffix;           // matched a ".example.com" rule
    std::uint16_t length;  // length of the matched domain
  };

  class Builder {
   public:
    void reserve(std::size_t n);
    // `domain` is canonical, without the leading dot. Returns the value of an
    // identical rule (same domain, same kind) already added, which is kept.
    std::optional<std::uint32_t> add(std::string_view domain, bool suffix, std::uint32_t value);
    BaselineDomainMatcher build() &&;

   private:
    void grow(std::size_t slots);
    std::unique_ptr<BaselineDomainMatcher> m_;
  };

  BaselineDomainMatcher() = default;
  // `host` must be canonical. No allocation.
  std::optional<Hit> lookup(std::string_view host) const noexcept;
  // Like lookup() but only suffix rules strictly above `domain` (for shadowing checks).
  std::optional<Hit> lookup_parent(std::string_view domain) const noexcept;
  std::size_t size() const noexcept { return rules_; }  // rules (exact + suffix)
  std::size_t memory_bytes() const noexcept;

  static constexpr std::uint32_t kNone = 0xffffffffu;

 private:
  friend class Builder;
  struct Slot {
    std::uint32_t tag;     // bits 32..63 of the mixed hash, never 0; 0 = empty slot
    std::uint32_t offset;  // into arena_: one length byte, then the domain
    std::uint32_t exact;   // kNone if no exact rule
    std::uint32_t suffix;  // kNone if no suffix rule
  };
  std::vector<char, HugePageAllocator<char>> arena_;
  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  std::size_t mask_ = 0;
  // Bit n set: some rule domain has n labels (bit 63: 63 or more). A lookup
  // probes only the suffixes of the host with a label count that occurs, so
  // a deep host name costs no more probes than the rules need.
  std::uint64_t label_counts_ = 0;
  std::size_t count_ = 0;
  std::size_t rules_ = 0;
  Slot* find_slot(std::string_view key, std::uint64_t mixed) noexcept;
  const Slot* find(std::string_view key, std::uint64_t mixed) const noexcept;
  template <bool kSkipFull>
  std::optional<Hit> lookup_impl(std::string_view host) const noexcept;
};

}  // namespace gh
