#include "policy/url_patterns.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

namespace gh {
namespace {

RE2::Options pattern_options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(64 << 20);
  return o;
}

}  // namespace

struct UrlPatterns::Compiled {
  RE2::Set set{pattern_options(), RE2::UNANCHORED};
};

UrlPatterns::UrlPatterns() : set_(std::make_unique<Compiled>()) {}
UrlPatterns::~UrlPatterns() = default;
UrlPatterns::UrlPatterns(UrlPatterns&&) noexcept = default;
UrlPatterns& UrlPatterns::operator=(UrlPatterns&&) noexcept = default;

bool UrlPatterns::add(std::string_view pattern, std::uint32_t value, std::string* error) {
  // Checked on its own first so the message names this pattern alone.
  RE2 alone(re2::StringPiece(pattern.data(), pattern.size()), pattern_options());
  if (!alone.ok()) {
    if (error) *error = alone.error();
    return false;
  }
  std::string err;
  if (set_->set.Add(re2::StringPiece(pattern.data(), pattern.size()), &err) < 0) {
    if (error) *error = err;
    return false;
  }
  values_.push_back(value);
  return true;
}

bool UrlPatterns::compile() {
  compiled_ = values_.empty() || set_->set.Compile();
  return compiled_;
}

std::optional<std::uint32_t> UrlPatterns::match(std::string_view url) const {
  if (!compiled_ || values_.empty()) return std::nullopt;
  std::vector<int> hits;
  if (!set_->set.Match(re2::StringPiece(url.data(), url.size()), &hits) || hits.empty())
    return std::nullopt;
  return values_[static_cast<std::size_t>(*std::min_element(hits.begin(), hits.end()))];
}

}  // namespace gh
