// libFuzzer target: the rule loader (config/loader.hpp) on arbitrary YAML.
// The input is up to four files separated by lines "#---": the main config,
// a category file, departments.yaml and approvals.yaml; a part not given gets
// a small valid default, so mutations of one file meet sane neighbours.
// Files are written to a private temp directory made once per process.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 4> kNames{"gatehouse.yaml", "categories/im.yaml",
                                                 "departments.yaml", "approvals.yaml"};
constexpr std::array<std::string_view, 4> kDefaults{
    "clients: { allow: [\"127.0.0.0/8\"] }\n"
    "include: { categories: \"categories/*.yaml\", departments: departments.yaml,\n"
    "           approvals: approvals.yaml }\n"
    "policy: { uncategorized: allow, categories: { instant-messaging-web: block } }\n",
    "category: instant-messaging-web\ntitle: IM\napps:\n"
    "  - { id: whatsapp-web, title: WhatsApp Web, domains: [.web.whatsapp.com],\n"
    "      urls: ['^https?://[^/]+/x/'] }\n",
    "departments:\n  - { id: immigration, name: Imm, head: Dir, networks: [\"10.20.0.0/16\"] }\n",
    "approvals:\n  - { id: A-1, department: immigration, app: whatsapp-web, approved_by: Dir,\n"
    "      reason: r, granted: 2026-04-01, expires: 2027-03-31 }\n",
};

const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "gh-rule-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    fs::create_directories(fs::path(tmpl) / "categories");
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(work_dir(), ec);
    });
    return fs::path(tmpl);
  }();
  return dir;
}

void write(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // the loader's speed on huge files is the bench's business
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    std::string_view part = kDefaults[i];
    if (!rest.empty() || i == 0) {
      const std::size_t sep = rest.find("\n#---\n");
      part = rest.substr(0, sep);
      rest = sep == std::string_view::npos ? std::string_view{} : rest.substr(sep + 6);
    }
    write(work_dir() / kNames[i], part);
  }
  // A fixed instant, so that approval-expiry warnings are reproducible.
  const gh::TimePoint now{std::chrono::seconds(1795341600)};  // 2026-11-22T10:00:00Z
  const gh::LoadResult r = gh::load_config((work_dir() / kNames[0]).string(), now);
  std::size_t total = 0;
  for (const auto& d : r.diagnostics) total += d.format().size();
  if (r.ok() && r.settings == nullptr) std::abort();  // both or neither
  return total == static_cast<std::size_t>(-1);
}
