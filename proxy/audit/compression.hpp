// Compressed retention of rotated audit files (README "Retention", README "Retention").
//
// A rotated file `<stem>-YYYYMMDDTHHMMSSZ.jsonl` becomes `….jsonl.gz` (or
// `.zst`) in three steps, so that a crash at any point leaves the plain file
// or a complete compressed one, never neither:
//   1. compress into `….jsonl.gz.tmp`, fsync it;
//   2. rename it to `….jsonl.gz`, fsync the directory;
//   3. unlink the plain file, fsync the directory.
// recover_compression() finishes what a crash interrupted: a `.tmp` is
// removed (the plain file is still there), a plain file whose compressed twin
// exists is removed (the twin was complete before it got its name).
// gzip members carry a CRC-32 and zstd frames are written with their
// checksum, so a changed byte is found when the file is read back.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "audit/log_files.hpp"
#include "config/settings.hpp"

namespace gh {

// By file name: ".gz" -> gzip, ".zst" -> zstd, anything else -> off.
AuditCompression compression_of(std::string_view path) noexcept;
std::string_view suffix_of(AuditCompression c) noexcept;  // ".gz", ".zst", ""

// Damaged compressed data (bad checksum, truncated stream). A system_error
// (EBADMSG) so that callers that report unreadable files report it too.
class CorruptData : public std::system_error {
 public:
  explicit CorruptData(const std::string& what)
      : std::system_error(EBADMSG, std::generic_category(), what) {}
};

// Reads the decompressed bytes of a file, whatever its compression (a plain
// file is read as it is). Throws std::system_error when the file cannot be
// opened or read, CorruptData when its compressed data is damaged.
class DecompressingReader {
 public:
  explicit DecompressingReader(const std::string& path);
  ~DecompressingReader();
  DecompressingReader(const DecompressingReader&) = delete;
  DecompressingReader& operator=(const DecompressingReader&) = delete;
  // Fills up to `n` bytes; 0 only at the end of the data.
  std::size_t read(char* buf, std::size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Steps 1-3 above for one rotated file. Returns 0 or an errno value, with a
// message in `error`; `cancel` set stops early (the plain file stays).
int compress_rotated(const std::filesystem::path& plain, AuditCompression c,
                     const std::atomic<bool>& cancel, std::string& error);

// After a crash: removes leftover `.tmp` files and plain files whose
// compressed twin exists; returns the rotated plain files still to compress
// (none when `c` is off), oldest first.
std::vector<std::filesystem::path> recover_compression(const LogPaths& p, AuditCompression c);

// One background thread that compresses rotated files in order, off the
// event loops and off the audit writer's thread.
class AuditCompressor {
 public:
  AuditCompressor(LogPaths paths, AuditCompression c);
  ~AuditCompressor();  // stop(): abandons a file in progress (its plain file stays)
  AuditCompressor(const AuditCompressor&) = delete;
  AuditCompressor& operator=(const AuditCompressor&) = delete;

  void enqueue(std::filesystem::path plain);
  void wait_idle();  // tests and tools: until the queue is empty
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh
