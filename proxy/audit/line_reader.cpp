#include "audit/line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace gh {

LineReader::LineReader(const std::string& path) : buf_(1 << 20) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), path);
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

LineReader::~LineReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool LineReader::fill() {
  begin_ = end_ = 0;
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read");
    end_ = static_cast<std::size_t>(n);
    if (n == 0) eof_ = true;
    return n > 0;
  }
}

LineReader::Status LineReader::next(std::string_view& out, bool& terminated) {
  long_.clear();
  bool too_long = false;
  for (;;) {
    if (begin_ == end_ && (eof_ || !fill())) {
      if (long_.empty() && !too_long) return Status::end;
      ++line_no_;
      terminated = false;
      out = long_;
      return too_long ? Status::too_long : Status::line;
    }
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    std::size_t len =
        nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : end_ - begin_;
    if (nl && long_.empty() && !too_long) {
      // The common case: the whole line is in the buffer.
      begin_ += len + 1;
      ++line_no_;
      terminated = true;
      out = std::string_view(start, len);
      return Status::line;
    }
    if (!too_long && long_.size() + len <= kMaxLine) {
      long_.append(start, len);
    } else {
      too_long = true;
      long_.clear();
    }
    begin_ += len;
    if (nl) {
      ++begin_;
      ++line_no_;
      terminated = true;
      out = long_;
      return too_long ? Status::too_long : Status::line;
    }
  }
}

}  // namespace gh
