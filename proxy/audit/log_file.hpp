// The live audit file as the writer thread sees it: appends at a known good
// size (so a failed write can be cut back off), syncs, rotates, and probes
// whether writing works again. Errors are returned as errno values, never
// thrown: the writer decides what a failure means.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/log_files.hpp"
#include "policy/types.hpp"

namespace gh {

class AuditFile {
 public:
  explicit AuditFile(LogPaths paths) : paths_(std::move(paths)) {}
  ~AuditFile();
  AuditFile(const AuditFile&) = delete;
  AuditFile& operator=(const AuditFile&) = delete;

  // Opens (creating) the live file. On the first open the good size is the
  // file's size; on a reopen after a failure, bytes past the good size (a
  // torn write) are cut off.
  int open();
  void close() noexcept;
  bool is_open() const noexcept { return fd_ >= 0; }
  std::uint64_t size() const noexcept { return size_; }

  // Writes all of `data` at the good size; on error cuts the file back.
  int append(std::string_view data);
  int sync();
  // Cuts the file back to `size` (a write that was not made durable).
  int truncate_to(std::uint64_t size);

  // Syncs and renames the live file to a rotated name, then opens a new live
  // file. On a rename error the old file stays open and in use; on an open
  // error the writer has no file (is_open() false).
  int rotate(TimePoint now, std::string& rotated_to);

  // Writes a block past the end and cuts it off again: does writing work?
  int probe();

  const LogPaths& paths() const noexcept { return paths_; }

 private:
  LogPaths paths_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  bool opened_once_ = false;
};

}  // namespace gh
