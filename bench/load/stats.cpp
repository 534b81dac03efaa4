#include "stats.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace gh::load {
namespace {

// Percentile by nth_element on the samples (sorted in place, the run is over).
double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string to_json_line(const Options& o, RunStats& s) {
  double elapsed = std::chrono::duration<double>(s.end - s.start).count();
  if (elapsed <= 0) elapsed = 1e-9;
  std::ostringstream j;
  j.setf(std::ios::fixed);
  j.precision(3);
  j << "{\"mode\":" << quoted(mode_name(o.mode)) << ",\"label\":" << quoted(o.label)
    << ",\"new_connection\":" << (o.new_connection ? "true" : "false")
    << ",\"proxy\":" << (o.proxy ? quoted(o.proxy->host + ":" + o.proxy->port) : "null")
    << ",\"connections\":" << o.connections << ",\"elapsed_s\":" << elapsed
    << ",\"requests\":" << s.requests << ",\"rps\":" << static_cast<double>(s.requests) / elapsed
    << ",\"p50_us\":" << percentile(s.latency_us, 0.50)
    << ",\"p99_us\":" << percentile(s.latency_us, 0.99)
    << ",\"p999_us\":" << percentile(s.latency_us, 0.999) << ",\"errors\":" << s.errors
    << ",\"connects\":" << s.connects << ",\"bytes\":" << s.bytes
    << ",\"bytes_per_s\":" << static_cast<double>(s.bytes) / elapsed << ",\"dropped\":" << s.dropped
    << ",\"negotiate_tokens\":" << s.negotiate_tokens << ",\"status\":{";
  bool first = true;
  for (auto& [code, n] : s.status) {
    j << (first ? "" : ",") << "\"" << code << "\":" << n;
    first = false;
  }
  j << "},\"error_kinds\":{";
  first = true;
  for (auto& [kind, n] : s.error_kinds) {
    j << (first ? "" : ",") << quoted(kind) << ":" << n;
    first = false;
  }
  j << "}}";
  return j.str();
}

}  // namespace gh::load
