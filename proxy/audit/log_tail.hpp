// Reading the end of an audit file without reading all of it: where the
// chain stands (last seq and hash) and whether a crash left a torn line.
#pragma once

#include <cstdint>
#include <string>

namespace gh {

struct TailScan {
  bool has_record = false;       // a whole last record was found
  std::uint64_t seq = 0;         // its seq
  std::string hash;              // its hash
  std::uint64_t whole_size = 0;  // bytes up to and including the last '\n'
  std::uint64_t torn_bytes = 0;  // bytes after it: a line without its '\n'
  std::string error;             // non-empty: the last whole line is not a record
};

// Seeks back from the end of `fd` in fixed chunks: constant memory whatever
// the file size (a line is read whole only if it is at most 16 MiB).
TailScan scan_tail(int fd);

// Where the chain of the log at `live_path` stands, read at start.
struct ChainPosition {
  std::uint64_t seq = 0;  // last seq written; 0 = new log
  std::string hash;       // last hash; 64 zeros for a new log
  std::string from_file;  // the file it was read from ("" = new log)
};

// Finds the newest file (the live file, else the newest rotated one) and
// reads its tail. A torn last line in the live file (a crash in the middle of
// a write) is cut off, with an error on the operational log naming the byte
// count; the chain continues from the last whole record. Throws
// std::runtime_error if a last whole line is not a record (that is damage or
// tampering, not a crash: the operator must look before the chain goes on).
ChainPosition resume_chain(const std::string& live_path);

}  // namespace gh
