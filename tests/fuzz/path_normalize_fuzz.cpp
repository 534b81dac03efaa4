// libFuzzer target: the path normaliser (proxy/http/path_normalize.cpp).
// Input: the raw path (and query) of a request-target.
//
// Checks, besides "no crash": the output is idempotent, starts with '/', has
// no empty, "." or ".." segment, is at most one byte longer than the input,
// keeps only upper-case escapes of reserved bytes; and it equals a second,
// independent reading: decode, merge slashes, then RFC 3986 §5.2.4's
// input-buffer/output-buffer loop spelt out literally.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/path_normalize.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// The reference: false where an escape is bad.
bool reference(std::string_view in, std::string& out) {
  std::string decoded = "/";
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      if (!(in[i] == '/' && decoded.back() == '/')) decoded += in[i];  // slashes merged
      continue;
    }
    if (in.size() - i < 3) return false;
    const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const auto c = static_cast<unsigned char>(hi * 16 + lo);
    if (unreserved(c)) {
      decoded += static_cast<char>(c);
    } else {
      const char* digits = "0123456789ABCDEF";
      decoded += '%';
      decoded += digits[hi];
      decoded += digits[lo];
    }
    i += 2;
  }
  // RFC 3986 §5.2.4, steps A to E (the path here always starts with '/').
  std::string input = decoded;
  out.clear();
  auto starts = [&](std::string_view p) {
    return std::string_view(input).substr(0, p.size()) == p;
  };
  while (!input.empty()) {
    if (starts("../")) {
      input.erase(0, 3);
    } else if (starts("./")) {
      input.erase(0, 2);
    } else if (starts("/./")) {
      input.replace(0, 3, "/");
    } else if (input == "/.") {
      input = "/";
    } else if (starts("/../")) {
      input.replace(0, 4, "/");
      const auto slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (input == "/..") {
      input = "/";
      const auto slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (input == "." || input == "..") {
      input.clear();
    } else {
      const std::size_t end = input.find('/', input[0] == '/' ? 1 : 0);
      out.append(input, 0, end);
      input.erase(0, end);
    }
  }
  if (out.empty()) out = "/";
  return true;
}

void check_shape(std::string_view in, const std::string& out) {
  require(!out.empty() && out[0] == '/');
  require(out.size() <= in.size() + 1);
  require(out.find("//") == std::string::npos);
  require(out.find("/./") == std::string::npos && out.find("/../") == std::string::npos);
  require(!out.ends_with("/.") && !out.ends_with("/.."));
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '%') continue;
    require(i + 2 < out.size() && upper_hex(out[i + 1]) && upper_hex(out[i + 2]));
    require(!unreserved(static_cast<unsigned char>(hex(out[i + 1]) * 16 + hex(out[i + 2]))));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view path = in.substr(0, in.find('?'));

  std::string out;
  const gh::PathStatus st = gh::normalize_path(path, out);
  std::string ref;
  const bool ref_ok = reference(path, ref);
  require((st == gh::PathStatus::ok) == ref_ok);
  if (st == gh::PathStatus::ok) {
    check_shape(path, out);
    require(out == ref);
    std::string again;
    require(gh::normalize_path(out, again) == gh::PathStatus::ok && again == out);
  }

  std::string target;
  const gh::PathStatus ts = gh::normalize_target(in, target);
  require(ts == st);
  if (ts == gh::PathStatus::ok) require(target == out + std::string(in.substr(path.size())));
  return 0;
}
