#include "http/pages.hpp"

namespace gh {

namespace {

void row(std::string& out, std::string_view label, std::string_view value) {
  out += "<tr><th>";
  out += label;
  out += "</th><td>";
  if (value.empty()) {
    out += "&mdash;";
  } else {
    append_html_escaped(out, value);
  }
  out += "</td></tr>\n";
}

constexpr std::string_view kHead =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}"
    "th{text-align:left;padding-right:1em}code{font-size:1.1em}</style>\n";

}  // namespace

std::string block_page(const BlockPageInfo& i) {
  std::string out;
  // About 760 bytes of fixed text (kept under 1 KiB in all, the size malloc
  // serves from its per-thread cache).
  out.reserve(768 + i.host.size() + i.app.size() + i.category.size() + i.department.size() +
              i.reason.size() + i.record_id.size() + i.contact.size());
  out += kHead;
  out += "<title>Access blocked</title></head><body>\n<h1>Access to this site is blocked</h1>\n";
  out += "<p>The web filter of your organisation blocked access to <strong>";
  append_html_escaped(out, i.host);
  out += "</strong>.</p>\n<table>\n";
  row(out, "Application", i.app);
  row(out, "Category", i.category);
  row(out, "Your department", i.department);
  row(out, "Reason", i.reason);
  row(out, "Reference", i.record_id);
  out += "</table>\n<h2>How to request approval</h2>\n<p>";
  if (i.contact.empty()) {
    out +=
        "Ask the head of your department to approve this application for your work, quoting "
        "the reference above.";
  } else {
    append_html_escaped(out, i.contact);
  }
  out += "</p>\n</body></html>\n";
  return out;
}

std::string error_page(int status, std::string_view title, std::string_view detail,
                       std::string_view record_id) {
  std::string out;
  out.reserve(1024);
  out += kHead;
  out += "<title>";
  out += std::to_string(status);
  out += ' ';
  append_html_escaped(out, title);
  out += "</title></head><body>\n<h1>";
  out += std::to_string(status);
  out += ' ';
  append_html_escaped(out, title);
  out += "</h1>\n<p>";
  append_html_escaped(out, detail);
  out += "</p>\n";
  if (!record_id.empty()) {
    out += "<p>Reference: <code>";
    append_html_escaped(out, record_id);
    out += "</code></p>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace gh
