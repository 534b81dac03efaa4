#include "audit/log_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>

#include "audit/compression.hpp"
#include "audit/json_line.hpp"
#include "audit/line_reader.hpp"
#include "audit/log_files.hpp"
#include "base/log.hpp"

namespace gh {
namespace {

constexpr std::uint64_t kNone = ~std::uint64_t{0};
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::uint64_t kMaxLine = 16 * 1024 * 1024;

bool pread_all(int fd, char* buf, std::size_t n, std::uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return true;
}

// Offset of the last '\n' in [0, end), or kNone.
std::uint64_t find_newline_before(int fd, std::uint64_t end) {
  char buf[kChunk];
  while (end > 0) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, end));
    std::uint64_t start = end - n;
    if (!pread_all(fd, buf, n, start)) {
      throw std::system_error(errno ? errno : EIO, std::generic_category(), "audit: reading tail");
    }
    for (std::size_t i = n; i-- > 0;) {
      if (buf[i] == '\n') return start + i;
    }
    end = start;
  }
  return kNone;
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The seq and hash of the file's last whole line, or why it is not a record.
void read_last_record(std::string_view line, TailScan& out) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    out.error = "last line is not valid JSON";
    return;
  }
  auto seq = j.find("seq");
  auto hash = j.find("hash");
  if (seq == j.end() || !seq->is_number_unsigned() || hash == j.end() || !hash->is_string() ||
      !is_hex64(hash->get<std::string>())) {
    out.error = "last line is not an audit record (no seq or hash)";
    return;
  }
  out.has_record = true;
  out.seq = seq->get<std::uint64_t>();
  out.hash = hash->get<std::string>();
}

// A compressed rotated file has no tail to seek to: it is read through
// (only at start, and only when the live file holds no record yet).
bool compressed_has_record(const std::string& path, TailScan& scan) {
  LineReader reader(path);
  std::string last;
  std::string_view line;
  bool terminated = false;
  for (;;) {
    auto s = reader.next(line, terminated);
    if (s == LineReader::Status::end) break;
    if (s == LineReader::Status::line && terminated) last.assign(line);
    if (!terminated) scan.torn_bytes = line.size();
  }
  if (!last.empty()) read_last_record(last, scan);
  return scan.has_record;
}

bool newest_has_record(const std::string& path, TailScan& scan) {
  if (compression_of(path) != AuditCompression::off) return compressed_has_record(path, scan);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "audit: open " + path);
  try {
    scan = scan_tail(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return scan.has_record;
}

}  // namespace

TailScan scan_tail(int fd) {
  TailScan out;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw std::system_error(errno, std::generic_category(), "audit: stat");
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t last_nl = find_newline_before(fd, size);
  if (last_nl == kNone) {
    out.torn_bytes = size;
    return out;
  }
  out.whole_size = last_nl + 1;
  out.torn_bytes = size - out.whole_size;
  std::uint64_t prev_nl = find_newline_before(fd, last_nl);
  std::uint64_t start = prev_nl == kNone ? 0 : prev_nl + 1;
  std::uint64_t len = last_nl - start;
  if (len > kMaxLine) {
    out.error = "last line is longer than 16 MiB";
    return out;
  }
  std::string line(static_cast<std::size_t>(len), '\0');
  if (!pread_all(fd, line.data(), line.size(), start)) {
    throw std::system_error(errno ? errno : EIO, std::generic_category(), "audit: reading tail");
  }
  read_last_record(line, out);
  return out;
}

ChainPosition resume_chain(const std::string& live_path) {
  ChainPosition pos;
  pos.hash = std::string(kZeroHash);
  LogPaths paths = log_paths(live_path);

  int fd = ::open(live_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT) {
    throw std::system_error(errno, std::generic_category(), "audit: open " + live_path);
  }
  if (fd >= 0) {
    TailScan scan;
    try {
      scan = scan_tail(fd);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (!scan.error.empty()) {
      ::close(fd);
      throw std::runtime_error("audit: " + live_path + ": " + scan.error +
                               "; run `gatehouse audit verify` and move the file aside to go on");
    }
    if (scan.torn_bytes > 0) {
      // A crash cut the last write short: those bytes were never acknowledged
      // to anyone. Cut them off so the file stays whole JSON Lines.
      gh::log(LogLevel::error,
              "audit: %s ends with a torn line (%llu bytes after offset %llu, no newline); "
              "truncating it, the chain continues from the last whole record",
              live_path.c_str(), static_cast<unsigned long long>(scan.torn_bytes),
              static_cast<unsigned long long>(scan.whole_size));
      if (::ftruncate(fd, static_cast<off_t>(scan.whole_size)) != 0 || ::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "audit: truncate " + live_path);
      }
    }
    ::close(fd);
    if (scan.has_record) {
      pos.seq = scan.seq;
      pos.hash = scan.hash;
      pos.from_file = live_path;
      return pos;
    }
  }
  // The live file is new or empty (just rotated): the chain ends in the
  // newest rotated file. Rotated files are never modified here.
  auto rotated = rotated_files(paths);
  for (auto it = rotated.rbegin(); it != rotated.rend(); ++it) {
    TailScan scan;
    std::string name = it->string();
    if (newest_has_record(name, scan)) {
      if (scan.torn_bytes > 0) {
        gh::log(LogLevel::error,
                "audit: rotated file %s ends with a torn line (%llu bytes); continuing the chain "
                "from its last whole record",
                name.c_str(), static_cast<unsigned long long>(scan.torn_bytes));
      }
      pos.seq = scan.seq;
      pos.hash = scan.hash;
      pos.from_file = name;
      return pos;
    }
    if (!scan.error.empty()) {
      throw std::runtime_error("audit: " + name + ": " + scan.error);
    }
    // An empty rotated file: look at the one before it.
  }
  return pos;
}

}  // namespace gh
