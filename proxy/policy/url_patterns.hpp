// The `urls:` regexes of every app compiled into one RE2::Set (README "Rule files").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

class UrlPatterns {
 public:
  UrlPatterns();
  ~UrlPatterns();
  UrlPatterns(UrlPatterns&&) noexcept;
  UrlPatterns& operator=(UrlPatterns&&) noexcept;

  // Returns false and sets *error (re2's message) if the pattern is rejected.
  bool add(std::string_view pattern, std::uint32_t value, std::string* error);
  bool compile();  // after the last add(); false only on re2 memory limits
  // The value of the lowest-numbered pattern that matches, if any.
  std::optional<std::uint32_t> match(std::string_view url) const;
  std::size_t size() const noexcept { return values_.size(); }

 private:
  struct Compiled;  // holds the RE2::Set (a nested class: cannot be forward-declared)
  std::unique_ptr<Compiled> set_;
  std::vector<std::uint32_t> values_;
  bool compiled_ = false;
};

}  // namespace gh
