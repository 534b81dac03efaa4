// A rule tree in a fresh temporary directory, removed at the end of the test.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.hpp"

namespace gh::test {

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gh-config-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  void write(const std::string& rel, const std::string& text) const {
    const std::filesystem::path p = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
  void remove(const std::string& rel) const {
    std::filesystem::remove(std::filesystem::path(root_) / rel);
  }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// Every diagnostic of a load, formatted, one per line (for readable failures).
inline std::string formatted(const LoadResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics) out += d.format() + "\n";
  return out;
}

}  // namespace gh::test
