// A strict reader of the Prometheus text exposition format 0.0.4 for tests:
// checks every line's grammar, TYPE before samples, one TYPE per family, no
// duplicate series, and histogram bucket order.
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace prom {

struct Parsed {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::map<std::string, double> samples;     // "name{a=\"b\",...}" exactly as written
  std::vector<std::string> order;            // sample keys in order
  std::vector<std::string> errors;

  double value(const std::string& key) const {
    auto it = samples.find(key);
    return it == samples.end() ? -1 : it->second;
  }
  std::size_t series_count(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& [k, v] : samples)
      if (k.compare(0, name.size() + 1, name + "{") == 0 || k == name) ++n;
    return n;
  }
  double sum(const std::string& name) const {
    double s = 0;
    for (const auto& [k, v] : samples)
      if (k.compare(0, name.size() + 1, name + "{") == 0 || k == name) s += v;
    return s;
  }
  bool histogram_monotonic(const std::string& family) const {
    double last = -1;
    for (const auto& k : order) {
      if (k.rfind(family + "_bucket{", 0) != 0) continue;
      double v = samples.at(k);
      if (v < last) return false;
      last = v;
    }
    return last >= 0 && last == value(family + "_count");
  }
};

inline bool name_char(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

inline std::string family_of(const std::string& name,
                             const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

inline Parsed parse(const std::string& text) {
  Parsed p;
  if (!text.empty() && text.back() != '\n') p.errors.push_back("no final newline");
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto err = [&](const std::string& m) {
      p.errors.push_back(std::to_string(lineno) + ": " + m + ": " + line);
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream ls(line);
      std::string hash, kw, name, rest;
      ls >> hash >> kw >> name;
      if (kw == "TYPE") {
        ls >> rest;
        static const std::set<std::string> kinds{"counter", "gauge", "histogram", "summary",
                                                 "untyped"};
        if (!kinds.count(rest)) err("bad type");
        if (p.types.count(name)) err("second TYPE");
        p.types[name] = rest;
      } else if (kw != "HELP") {
        // other comments are allowed
      }
      continue;
    }
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0)) ++i;
    if (i == 0) {
      err("bad metric name");
      continue;
    }
    std::string name = line.substr(0, i);
    std::string key = name;
    if (i < line.size() && line[i] == '{') {
      std::size_t j = i + 1;
      std::set<std::string> seen;
      bool ok = true;
      while (j < line.size() && line[j] != '}') {
        std::size_t s = j;
        while (j < line.size() && name_char(line[j], j == s)) ++j;
        if (j == s || j >= line.size() || line[j] != '=' || j + 1 >= line.size() ||
            line[j + 1] != '"') {
          ok = false;
          break;
        }
        if (!seen.insert(line.substr(s, j - s)).second) {
          ok = false;
          break;
        }
        j += 2;
        while (j < line.size() && line[j] != '"') {
          if (line[j] == '\\') {
            if (j + 1 >= line.size() ||
                (line[j + 1] != '\\' && line[j + 1] != '"' && line[j + 1] != 'n')) {
              ok = false;
              break;
            }
            ++j;
          }
          ++j;
        }
        if (!ok || j >= line.size()) {
          ok = false;
          break;
        }
        ++j;  // closing quote
        if (j < line.size() && line[j] == ',') ++j;
      }
      if (!ok || j >= line.size()) {
        err("bad labels");
        continue;
      }
      key = line.substr(0, j + 1);
      i = j + 1;
    }
    if (i >= line.size() || line[i] != ' ') {
      err("no space before value");
      continue;
    }
    std::string value = line.substr(i + 1);
    auto sp = value.find(' ');
    if (sp != std::string::npos) value = value.substr(0, sp);  // optional timestamp
    double v = 0;
    if (value == "+Inf")
      v = 1e308;
    else if (value == "-Inf")
      v = -1e308;
    else if (value == "NaN")
      v = 0;
    else {
      char* end = nullptr;
      v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') {
        err("bad value");
        continue;
      }
    }
    std::string family = family_of(name, p.types);
    if (!p.types.count(family)) err("sample before its TYPE");
    if (p.samples.count(key)) err("duplicate series");
    p.samples[key] = v;
    p.order.push_back(key);
  }
  return p;
}

}  // namespace prom
