// A tiny DNS server on 127.0.0.1 (UDP, a port the kernel picks) for resolver
// tests and the resolver bench. How it answers depends on the first label:
//   hang*   never answers
//   nx*     NXDOMAIN
//   slow*   answers A after 300 ms
//   other   answers A 127.0.0.<n> (n = 1 + length of the first label), TTL 60;
//           AAAA and other types get an empty NOERROR answer (NODATA)
// It counts the questions it saw. Test code only: it trusts its own input
// enough not to crash (every read is bounds-checked) and nothing more.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace gh::test {

class FakeDns {
 public:
  FakeDns() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("fake dns: bind");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeDns() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  std::uint64_t questions() const { return questions_.load(); }
  std::uint64_t questions_for(const std::string& name) const {
    std::lock_guard lock(mu_);
    std::uint64_t n = 0;
    for (const auto& s : seen_) n += s == name;
    return n;
  }

 private:
  struct Delayed {
    std::chrono::steady_clock::time_point when;
    std::vector<std::uint8_t> reply;
    sockaddr_in to;
  };

  void run() {
    std::deque<Delayed> later;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) == 1) {
        std::uint8_t buf[512];
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n > 0) handle(buf, static_cast<std::size_t>(n), from, later);
      }
      const auto now = std::chrono::steady_clock::now();
      while (!later.empty() && later.front().when <= now) {
        send(later.front().reply, later.front().to);
        later.pop_front();
      }
    }
  }

  void send(const std::vector<std::uint8_t>& r, const sockaddr_in& to) {
    ::sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

  void handle(const std::uint8_t* q, std::size_t n, const sockaddr_in& from,
              std::deque<Delayed>& later) {
    if (n < 12) return;
    std::size_t pos = 12;
    std::string name, first;
    while (pos < n && q[pos] != 0) {
      const std::size_t len = q[pos];
      if (len > 63 || pos + 1 + len > n) return;
      std::string label(reinterpret_cast<const char*>(q + pos + 1), len);
      if (first.empty()) first = label;
      name += (name.empty() ? "" : ".") + label;
      pos += 1 + len;
    }
    if (pos + 5 > n) return;
    const std::size_t qend = pos + 5;  // zero byte, type, class
    const std::uint16_t type = static_cast<std::uint16_t>(q[pos + 1] << 8 | q[pos + 2]);
    ++questions_;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(name);
    }
    if (first.rfind("hang", 0) == 0) return;
    std::vector<std::uint8_t> r(q, q + qend);
    r[2] = 0x81;  // QR, RD
    r[3] = 0x80;  // RA, rcode 0
    r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
    if (first.rfind("nx", 0) == 0) {
      r[3] |= 3;  // NXDOMAIN
    } else if (type == 1) {
      r[7] = 1;
      const std::uint8_t host = static_cast<std::uint8_t>(1 + first.size());
      const std::uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, host};
      r.insert(r.end(), rr, rr + sizeof rr);
    }
    if (first.rfind("slow", 0) == 0) {
      later.push_back({std::chrono::steady_clock::now() + std::chrono::milliseconds(300), r, from});
      return;
    }
    send(r, from);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> questions_{0};
  mutable std::mutex mu_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

}  // namespace gh::test
