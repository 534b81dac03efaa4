#include "audit/syslog_sink.hpp"

#include "policy/endpoint.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace gh {
namespace {

// facility local0 (16), severity informational (6): <134>
constexpr std::string_view kPri = "<134>1 ";
constexpr std::size_t kMaxDatagram = 65000;

}  // namespace

SyslogSink::SyslogSink(const std::string& target) {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  int family = 0;
  if (target.rfind("udp://", 0) == 0) {
    const auto ep = parse_endpoint(std::string_view(target).substr(6), EndpointHost::name_or_ip);
    if (!ep) throw std::invalid_argument("syslog target needs host:port: " + target);
    const std::string host = ep->host, port = std::to_string(ep->port);
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
      throw std::invalid_argument("syslog target does not resolve: " + target);
    }
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    addr_len = res->ai_addrlen;
    family = res->ai_family;
    ::freeaddrinfo(res);
  } else if (target.rfind("unix://", 0) == 0) {
    std::string path = target.substr(7);
    auto* un = reinterpret_cast<sockaddr_un*>(&addr);
    if (path.empty() || path.size() >= sizeof un->sun_path) {
      throw std::invalid_argument("bad unix socket path in syslog target: " + target);
    }
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, path.data(), path.size());
    addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    family = AF_UNIX;
  } else {
    throw std::invalid_argument("syslog target must be udp://host:port or unix:///path: " + target);
  }
  fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "syslog socket");
  std::memcpy(&peer_, &addr, sizeof addr);
  peer_len_ = addr_len;
  char host[256] = "-";
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "-");
  header_tail_ = std::string(" ") + host + " gatehouse " + std::to_string(::getpid()) + " audit - ";
}

SyslogSink::~SyslogSink() {
  if (fd_ >= 0) ::close(fd_);
}

void SyslogSink::send(std::string_view line) {
  constexpr std::string_view kTsPrefix = "{\"ts\":\"";
  buf_.assign(kPri);
  if (line.size() > kTsPrefix.size() + 24 && line.substr(0, kTsPrefix.size()) == kTsPrefix) {
    buf_ += line.substr(kTsPrefix.size(), 24);
  } else {
    buf_ += '-';
  }
  buf_ += header_tail_;
  buf_ += line;
  if (buf_.size() > kMaxDatagram) {
    ++failures_;  // would be truncated by the transport: the file keeps it whole
    return;
  }
  ssize_t n = ::sendto(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&peer_), peer_len_);
  if (n < 0) ++failures_;
}

}  // namespace gh
