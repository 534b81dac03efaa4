#include "audit/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "audit/fault_injection.hpp"
#include "base/log.hpp"

namespace gh {
namespace {

std::atomic<int> g_injected_error{0};

int sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

void inject_audit_write_error(int err) noexcept { g_injected_error.store(err); }
int injected_audit_write_error() noexcept { return g_injected_error.load(); }

AuditFile::~AuditFile() { close(); }

int AuditFile::open() {
  int fd = ::open(paths_.live.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return errno;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return e;
  }
  auto actual = static_cast<std::uint64_t>(st.st_size);
  if (!opened_once_) {
    size_ = actual;
  } else if (actual > size_) {
    if (::ftruncate(fd, static_cast<off_t>(size_)) != 0) {
      int e = errno;
      ::close(fd);
      return e;
    }
  } else if (actual < size_) {
    // Someone removed or replaced the file while we could not write: go on
    // at its end; `audit verify` will show the break.
    gh::log(LogLevel::error, "audit: %s shrank from %llu to %llu bytes while writing was failing",
            paths_.live.c_str(), static_cast<unsigned long long>(size_),
            static_cast<unsigned long long>(actual));
    size_ = actual;
  }
  fd_ = fd;
  opened_once_ = true;
  return 0;
}

void AuditFile::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int AuditFile::append(std::string_view data) {
  if (fd_ < 0) return EBADF;
  if (int e = injected_audit_write_error()) return e;
  std::uint64_t off = size_;
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        // Could not cut the partial write off: the reopen after recovery will.
        close();
      }
      return e;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    off += static_cast<std::uint64_t>(n);
  }
  size_ = off;
  return 0;
}

int AuditFile::sync() {
  if (fd_ < 0) return EBADF;
  if (int e = injected_audit_write_error()) return e;
  return ::fdatasync(fd_) == 0 ? 0 : errno;
}

int AuditFile::truncate_to(std::uint64_t size) {
  size_ = size;
  if (fd_ < 0) return EBADF;
  return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? 0 : errno;
}

int AuditFile::rotate(TimePoint now, std::string& rotated_to) {
  if (fd_ < 0) return EBADF;
  if (int e = sync()) return e;
  std::filesystem::path target = rotated_name(paths_, now);
  if (::rename(paths_.live.c_str(), target.c_str()) != 0) return errno;
  rotated_to = target.string();
  close();
  size_ = 0;
  int fd = ::open(paths_.live.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return errno;
  fd_ = fd;
  // Make both names durable: the rename and the new file.
  return sync_directory(paths_.dir);
}

int AuditFile::probe() {
  if (fd_ < 0) return EBADF;
  if (int e = injected_audit_write_error()) return e;
  static const std::string block(4096, '\n');
  ssize_t n = ::pwrite(fd_, block.data(), block.size(), static_cast<off_t>(size_));
  int err = n == static_cast<ssize_t>(block.size()) ? 0 : (n < 0 ? errno : ENOSPC);
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 && err == 0) err = errno;
  if (err == 0 && ::fdatasync(fd_) != 0) err = errno;
  return err;
}

}  // namespace gh
