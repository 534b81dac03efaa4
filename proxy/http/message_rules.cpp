#include "http/message_rules.hpp"

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

void add_via(http::fields& f, unsigned version) {
  std::string_view mine = version == 10 ? "1.0 gatehouse" : "1.1 gatehouse";
  auto it = f.find(http::field::via);
  if (it == f.end()) {
    f.set(http::field::via, bsv(mine));
    return;
  }
  std::string v(it->value());
  v += ", ";
  v += mine;
  f.set(http::field::via, v);
}

}  // namespace gh
