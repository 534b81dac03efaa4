#include "runtime/file_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace gh {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool relevant(const std::set<std::string>& names, const std::string& name) {
  if (name.empty()) return true;  // the directory itself went away or moved
  if (names.count(name) || name == "..data") return true;
  return ends_with(name, ".yaml") || ends_with(name, ".yml");
}

}  // namespace

FileWatch::FileWatch() : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
}

FileWatch::~FileWatch() { ::close(fd_); }

void FileWatch::set(const std::vector<std::string>& files) {
  // Group basenames by directory, for the path as named and for its target.
  std::map<std::string, std::set<std::string>> wanted;
  for (const auto& f : files) {
    fs::path p = fs::absolute(fs::path(f)).lexically_normal();
    wanted[p.parent_path().string()].insert(p.filename().string());
    std::error_code ec;
    fs::path real = fs::canonical(p, ec);
    if (!ec && real != p) wanted[real.parent_path().string()].insert(real.filename().string());
  }
  for (const auto& [wd, dir] : dirs_) inotify_rm_watch(fd_, wd);
  dirs_.clear();
  for (const auto& [dir, names] : wanted) {
    int wd = inotify_add_watch(fd_, dir.c_str(), kMask);
    if (wd < 0) continue;  // a missing directory: nothing to watch there
    auto& d = dirs_[wd];   // two paths naming one directory share a wd
    d.path = dir;
    d.names.insert(names.begin(), names.end());
  }
}

bool FileWatch::consume(std::string* why) {
  alignas(inotify_event) char buf[16 * 1024];
  bool changed = false;
  // Bounded: a flood of events is drained in at most 64 reads per call.
  for (int reads = 0; reads < 64; ++reads) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {  // events were lost: assume the worst
        changed = true;
        if (why && why->empty()) *why = "(event queue overflow)";
        continue;
      }
      auto it = dirs_.find(ev->wd);
      if (it == dirs_.end()) continue;
      std::string name = ev->len ? std::string(ev->name) : std::string();
      if (ev->mask & IN_IGNORED) {
        dirs_.erase(it);
        continue;
      }
      if (relevant(it->second.names, name)) {
        if (why && why->empty()) *why = it->second.path + "/" + name;
        changed = true;
      }
    }
  }
  return changed;
}

}  // namespace gh
