// The HTML answers gatehouse writes itself: the block page (README "Running the proxy") and the
// error pages of README "Running the proxy". Everything interpolated is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "audit/html_text.hpp"

namespace gh {

// One escaper for every page gatehouse writes (audit/html_text.hpp): quotes
// and markup escaped, control characters and invalid UTF-8 replaced.
using html::append_html_escaped;
using html::html_escape;

struct BlockPageInfo {
  std::string_view host;
  std::string_view app;         // title, or empty
  std::string_view category;    // title, or empty
  std::string_view department;  // name, or empty
  std::string_view reason;      // audit reason, e.g. "category-blocked"
  std::string_view record_id;   // audit record id (the reference to quote)
  std::string_view contact;     // Settings::block_page_contact
};

std::string block_page(const BlockPageInfo& info);

// A short page for 400/408/431/502/503/504 (and 403 for non-policy denies).
std::string error_page(int status, std::string_view title, std::string_view detail,
                       std::string_view record_id);

}  // namespace gh
