// FileWatch sees the ways config files really change: in-place writes,
// rename-over by editors, and the Kubernetes ConfigMap "..data" swap.
#include <catch2/catch.hpp>

#include <poll.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "runtime/file_watch.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/gh-watch-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// Waits (bounded) for events and consumes them.
bool changed(gh::FileWatch& w, std::string* why = nullptr, int timeout_ms = 2000) {
  pollfd pfd{w.fd(), POLLIN, 0};
  if (::poll(&pfd, 1, timeout_ms) <= 0) return false;
  return w.consume(why);
}

}  // namespace

TEST_CASE("a write to a watched file is seen; unrelated files are not") {
  TempDir d;
  write(d.path / "gatehouse.yaml", "a: 1\n");
  write(d.path / "list.txt", "example.com\n");
  gh::FileWatch w;
  w.set({(d.path / "gatehouse.yaml").string(), (d.path / "list.txt").string()});
  CHECK(w.directories() == 1);

  write(d.path / "audit.log", "x\n");
  CHECK_FALSE(changed(w, nullptr, 200));

  std::string why;
  write(d.path / "list.txt", "example.org\n");
  CHECK(changed(w, &why));
  CHECK(why == (d.path / "list.txt").string());
}

TEST_CASE("rename over a watched file (editor save) is seen") {
  TempDir d;
  write(d.path / "departments.yaml", "departments: []\n");
  gh::FileWatch w;
  w.set({(d.path / "departments.yaml").string()});
  write(d.path / ".departments.yaml.swx", "departments: [x]\n");
  CHECK_FALSE(changed(w, nullptr, 200));
  fs::rename(d.path / ".departments.yaml.swx", d.path / "departments.yaml");
  CHECK(changed(w));
}

TEST_CASE("a new category file in a watched directory is seen") {
  TempDir d;
  fs::create_directory(d.path / "categories");
  write(d.path / "categories" / "a.yaml", "category: a\n");
  gh::FileWatch w;
  w.set({(d.path / "categories" / "a.yaml").string()});
  write(d.path / "categories" / "b.yaml", "category: b\n");
  CHECK(changed(w));
}

TEST_CASE("Kubernetes ConfigMap update: ..data symlink replaced atomically") {
  TempDir d;
  // The layout kubelet makes: files are symlinks through ..data.
  fs::create_directory(d.path / "..2026_01_01_00_00_00.1");
  write(d.path / "..2026_01_01_00_00_00.1" / "gatehouse.yaml", "v: 1\n");
  fs::create_directory_symlink("..2026_01_01_00_00_00.1", d.path / "..data");
  fs::create_symlink("..data/gatehouse.yaml", d.path / "gatehouse.yaml");

  gh::FileWatch w;
  w.set({(d.path / "gatehouse.yaml").string()});
  CHECK(w.directories() == 2);  // the mount directory and the current timestamped one

  // kubelet: new timestamped dir, new ..data_tmp symlink, rename over ..data, old dir removed.
  fs::create_directory(d.path / "..2026_01_02_00_00_00.2");
  write(d.path / "..2026_01_02_00_00_00.2" / "gatehouse.yaml", "v: 2\n");
  fs::create_directory_symlink("..2026_01_02_00_00_00.2", d.path / "..data_tmp");
  std::string why;
  fs::rename(d.path / "..data_tmp", d.path / "..data");
  fs::remove_all(d.path / "..2026_01_01_00_00_00.1");
  CHECK(changed(w, &why));
  CHECK(why.find("..data") != std::string::npos);

  // Re-armed on the new layout, the next swap is seen too.
  w.set({(d.path / "gatehouse.yaml").string()});
  fs::create_directory(d.path / "..2026_01_03_00_00_00.3");
  write(d.path / "..2026_01_03_00_00_00.3" / "gatehouse.yaml", "v: 3\n");
  fs::create_directory_symlink("..2026_01_03_00_00_00.3", d.path / "..data_tmp");
  fs::rename(d.path / "..data_tmp", d.path / "..data");
  CHECK(changed(w));
}

TEST_CASE("missing directories are skipped, not fatal") {
  gh::FileWatch w;
  w.set({"/nonexistent-gatehouse-dir/x.yaml"});
  CHECK(w.directories() == 0);
  CHECK_FALSE(w.consume());
}
