// Shared helpers of the audit unit tests: a scratch directory, records,
// whole-file reads and writes.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/record.hpp"
#include "config/settings.hpp"

namespace gh::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gh-audit-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline AuditSettings settings_for(const std::string& path, FsyncPolicy fsync = FsyncPolicy::never) {
  AuditSettings s;
  s.path = path;
  s.fsync = fsync;
  s.rotate_max_bytes = 0;  // no size rotation unless a test asks
  return s;
}

inline AuditRecord sample_record(int i = 0) {
  AuditRecord r;
  r.client = "10.20.5.7:" + std::to_string(40000 + i);
  r.department = "immigration";
  r.listener = "forward";
  r.method = "CONNECT";
  r.host = "web.whatsapp.com";
  r.port = 443;
  r.category = "instant-messaging-web";
  r.app = "whatsapp-web";
  r.action = Action::allow;
  r.reason = Reason::approved;
  r.rule = "rules/categories/instant-messaging-web.yaml:6";
  r.approval = "IMM-2026-014";
  r.status = 200;
  return r;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::string data = read_file(path);
  std::size_t start = 0;
  while (start < data.size()) {
    auto nl = data.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(data.substr(start));
      break;
    }
    lines.push_back(data.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  write_file(path, data);
}

}  // namespace gh::test
