#include "audit/line_reader.hpp"

#include <cstring>

#include "audit/compression.hpp"

namespace gh {

LineReader::LineReader(const std::string& path)
    : in_(std::make_unique<DecompressingReader>(path)), buf_(1 << 20) {}

LineReader::~LineReader() = default;

bool LineReader::fill() {
  begin_ = 0;
  end_ = in_->read(buf_.data(), buf_.size());
  if (end_ == 0) eof_ = true;
  return end_ > 0;
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
