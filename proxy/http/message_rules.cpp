#include "http/message_rules.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gh {

HeadScan scan_head(std::string_view d, std::size_t from, std::size_t& end) noexcept {
  // Step back so a CRLFCRLF or CR LF pair split across reads is seen whole.
  std::size_t i = from >= 3 ? from - 3 : 0;
  for (; i < d.size(); ++i) {
    char c = d[i];
    if (c == '\r') {
      if (i + 1 >= d.size()) return HeadScan::incomplete;
      if (d[i + 1] != '\n') return HeadScan::bad;  // bare CR
      continue;
    }
    if (c != '\n') continue;
    if (i == 0 || d[i - 1] != '\r') return HeadScan::bad;  // bare LF
    if (i + 1 >= d.size()) return HeadScan::incomplete;
    char next = d[i + 1];
    if (next == ' ' || next == '\t') return HeadScan::bad;  // obs-fold (or space-led line)
    if (next == '\r') {
      if (i + 2 >= d.size()) return HeadScan::incomplete;
      if (d[i + 2] != '\n') return HeadScan::bad;
      end = i + 3;
      return HeadScan::complete;
    }
  }
  return HeadScan::incomplete;
}

bool ambiguous_framing(const http::fields& f) noexcept {
  auto te = f.find(http::field::transfer_encoding);
  if (te == f.end()) return false;
  if (f.count(http::field::transfer_encoding) > 1) return true;
  if (f.find(http::field::content_length) != f.end()) return true;
  // The last coding must be chunked, else the length is unknowable.
  http::token_list list{te->value()};
  std::string_view last;
  for (auto tok : list) last = std::string_view(tok.data(), tok.size());
  return !beast::iequals(bsv(last), "chunked");
}

void strip_hop_by_hop(http::fields& f) {
  std::vector<std::string> named;
  auto range = f.equal_range(http::field::connection);
  for (auto it = range.first; it != range.second; ++it) {
    for (auto tok : http::token_list{it->value()}) {
      // "close"/"keep-alive" are options, not header names; erasing them is harmless.
      named.emplace_back(tok.data(), tok.size());
    }
  }
  for (auto& n : named) {
    if (!beast::iequals(n, "transfer-encoding") && !beast::iequals(n, "content-length")) f.erase(n);
  }
  f.erase(http::field::connection);
  f.erase(http::field::keep_alive);
  f.erase(http::field::proxy_connection);
  f.erase(http::field::proxy_authorization);
  f.erase(http::field::proxy_authenticate);
  f.erase(http::field::te);
  f.erase(http::field::trailer);
  f.erase(http::field::upgrade);
}

namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// 1*DIGIT without overflow.
bool parse_length(std::string_view v, std::uint64_t& out) {
  if (v.empty()) return false;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  out = n;
  return true;
}

// One Via element: "protocol RWS received-by [RWS comment]"; true when its
// received-by is `name`.
bool via_element_names(std::string_view e, std::string_view name) {
  e = trim_ows(e);
  std::size_t sp = 0;
  while (sp < e.size() && !is_ows(e[sp])) ++sp;  // protocol
  e = trim_ows(e.substr(sp));
  std::size_t end = 0;
  while (end < e.size() && !is_ows(e[end]) && e[end] != '(') ++end;
  return end > 0 && ascii_iequals(e.substr(0, end), name);
}

}  // namespace

bool collapse_content_length(http::fields& f) {
  auto range = f.equal_range(http::field::content_length);
  if (range.first == range.second) return true;
  std::uint64_t value = 0;
  bool seen = false;
  std::size_t headers = 0;
  bool canonical = true;
  for (auto it = range.first; it != range.second; ++it, ++headers) {
    std::string_view list = sv(it->value());
    for (;;) {
      const std::size_t comma = list.find(',');
      const std::string_view item = trim_ows(list.substr(0, comma));
      std::uint64_t n = 0;
      if (!parse_length(item, n)) return false;  // empty element or not a number
      if (seen && n != value) return false;
      if (item.size() > 1 && item[0] == '0') canonical = false;
      value = n;
      seen = true;
      if (comma == std::string_view::npos) break;
      canonical = false;
      list.remove_prefix(comma + 1);
    }
  }
  if (headers > 1 || !canonical) {
    f.erase(http::field::content_length);
    f.set(http::field::content_length, std::to_string(value));
  }
  return true;
}

bool via_value_names(std::string_view value, std::string_view name) noexcept {
  if (name.empty()) return false;
  // Split on commas outside comments; comments nest and take quoted pairs.
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    const char c = i < value.size() ? value[i] : ',';
    if (depth > 0 && c == '\\' && i + 1 < value.size()) {
      ++i;
      continue;
    }
    if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (c == ',' && (depth == 0 || i == value.size())) {
      if (via_element_names(value.substr(start, i - start), name)) return true;
      start = i + 1;
    }
  }
  return false;
}

bool via_names(const http::fields& f, std::string_view name) noexcept {
  auto range = f.equal_range(http::field::via);
  for (auto it = range.first; it != range.second; ++it)
    if (via_value_names(sv(it->value()), name)) return true;
  return false;
}

void add_via(http::fields& f, unsigned version, std::string_view received_by) {
  // Every Via header so far, in order, then ours: one header.
  std::string v;
  auto range = f.equal_range(http::field::via);
  for (auto it = range.first; it != range.second; ++it) {
    v.append(sv(it->value()));
    v += ", ";
  }
  v += version == 10 ? "1.0 " : "1.1 ";
  v.append(received_by).append(" (gatehouse)");
  f.set(http::field::via, v);
}

}  // namespace gh
