// Which config files changed: inotify on the directories that hold them.
// Directories, not files, because editors and Kubernetes replace files
// rather than write them in place:
//   - an editor writes "x.yaml.tmp" and renames it over "x.yaml" (IN_MOVED_TO x.yaml);
//   - a ConfigMap volume holds "x.yaml -> ..data/x.yaml" and "..data -> ..2024_05_01...";
//     an update creates a new "..<timestamp>" directory and renames a fresh
//     "..data_tmp" symlink over "..data" (IN_MOVED_TO ..data).
// A symlinked file is also watched where it really lives (its real path).
// Not thread-safe: owned by one thread (the Reloader's), which poll()s fd().
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace gh {

class FileWatch {
 public:
  FileWatch();  // throws std::system_error if inotify is unavailable
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Replaces the watch set. Directories that do not exist are skipped.
  void set(const std::vector<std::string>& files);

  // Readable when events are pending; poll() it.
  int fd() const noexcept { return fd_; }

  // Reads every pending event (non-blocking); true if any concerns a watched
  // file, "..data", or a *.yaml / *.yml file (a new category file matching a
  // glob) in a watched directory. `why` (if not null) gets the first such name.
  bool consume(std::string* why = nullptr);

  std::size_t directories() const noexcept { return dirs_.size(); }

 private:
  struct Dir {
    std::string path;
    std::set<std::string> names;  // basenames watched in it
  };
  int fd_ = -1;
  std::map<int, Dir> dirs_;  // by watch descriptor
};

}  // namespace gh
