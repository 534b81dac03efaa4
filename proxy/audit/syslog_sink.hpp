// Optional copy of each audit line to syslog, RFC 5424 over UDP
// (`udp://host:port`) or a unix datagram socket (`unix:///dev/log`).
// Best effort: sends never block and failures are only counted; the file is
// the record of truth.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gh {

class SyslogSink {
 public:
  // Throws std::invalid_argument on a malformed target, std::system_error if
  // the socket cannot be made.
  explicit SyslogSink(const std::string& target);
  ~SyslogSink();
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  // `line` is one audit line without its newline; its `ts` becomes the
  // syslog TIMESTAMP.
  void send(std::string_view line);
  std::uint64_t failures() const noexcept { return failures_; }

 private:
  int fd_ = -1;
  sockaddr_storage peer_{};
  socklen_t peer_len_ = 0;
  std::string header_tail_;  // " HOSTNAME gatehouse PID audit - "
  std::string buf_;
  std::uint64_t failures_ = 0;
};

}  // namespace gh
