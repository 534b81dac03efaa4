// Where the audit log lives on disk: the live file `audit.path` and the
// rotated files beside it, `<stem>-YYYYMMDDTHHMMSSZ.jsonl` (UTC), or with
// `.gz` / `.zst` appended once compressed (audit/compression.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "policy/types.hpp"

namespace gh {

struct LogPaths {
  std::filesystem::path live;  // e.g. var/audit.jsonl
  std::filesystem::path dir;   // var (or "." for a bare file name)
  std::string stem;            // audit
};

LogPaths log_paths(const std::string& live);

// True if `name` (a file name, no directory) is a rotated file of `stem`.
bool is_rotated_name(const std::string& stem, const std::string& name);

// The rotated files of the log, oldest first (their names sort by time);
// a file present both plain and compressed is listed once, plain.
std::vector<std::filesystem::path> rotated_files(const LogPaths& p);

// A free name for rotating now. If a file of that second already exists
// (several rotations within one second), the time stamp is moved forward one
// second at a time, so names stay in the documented form and still sort in rotation
// order under a shell glob (a `-N` suffix would sort before the plain name).
std::filesystem::path rotated_name(const LogPaths& p, TimePoint now);

}  // namespace gh
