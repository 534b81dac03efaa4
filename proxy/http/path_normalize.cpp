#include "http/path_normalize.hpp"

namespace gh {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char upper_hex(char c) { return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c; }

// RFC 3986 §2.3.
bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

PathStatus normalize_path(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() + 1);
  out.push_back('/');
  // `out` ends with '/' between segments; `dir` says whether the result keeps
  // that last '/' (the input ended with '/', ".", or "..").
  bool dir = true;
  std::size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '/') {  // merged: an empty segment adds nothing
      ++i;
      dir = true;
      continue;
    }
    const std::size_t start = out.size();
    for (; i < in.size() && in[i] != '/'; ++i) {
      const char c = in[i];
      if (c != '%') {
        out.push_back(c);
        continue;
      }
      if (in.size() - i < 3) return PathStatus::bad_escape;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return PathStatus::bad_escape;
      const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
      if (is_unreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        out.push_back('%');
        out.push_back(upper_hex(in[i + 1]));
        out.push_back(upper_hex(in[i + 2]));
      }
      i += 2;
    }
    const std::string_view seg(out.data() + start, out.size() - start);
    if (seg == ".") {
      out.resize(start);
      dir = true;
    } else if (seg == "..") {
      out.resize(start);
      if (start > 1) out.resize(out.rfind('/', start - 2) + 1);  // drop the previous segment
      dir = true;
    } else {
      out.push_back('/');
      dir = false;
    }
  }
  if (!dir) out.pop_back();
  return PathStatus::ok;
}

PathStatus normalize_target(std::string_view target, std::string& out) {
  const std::size_t q = target.find('?');
  const std::string_view query =
      q == std::string_view::npos ? std::string_view{} : target.substr(q);
  PathStatus st = normalize_path(target.substr(0, q), out);
  if (st == PathStatus::ok) out.append(query);
  return st;
}

}  // namespace gh
