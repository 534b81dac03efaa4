#include "net/original_dst.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace gh {
namespace {
// From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>,
// which clash with <netinet/in.h>.
constexpr int kSoOriginalDst = 80;
constexpr int kIp6tSoOriginalDst = 80;
}  // namespace

std::optional<std::pair<IpAddress, std::uint16_t>> original_destination(int fd) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  if (ss.ss_family == AF_INET) {
    sockaddr_in dst{};
    socklen_t l = sizeof dst;
    if (::getsockopt(fd, SOL_IP, kSoOriginalDst, &dst, &l) != 0) return std::nullopt;
    return std::pair{IpAddress::v4(ntohl(dst.sin_addr.s_addr)), ntohs(dst.sin_port)};
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 dst{};
    socklen_t l = sizeof dst;
    if (::getsockopt(fd, SOL_IPV6, kIp6tSoOriginalDst, &dst, &l) != 0) {
      // An IPv4 client on a dual-stack socket: the v4 table has the answer.
      sockaddr_in d4{};
      socklen_t l4 = sizeof d4;
      if (::getsockopt(fd, SOL_IP, kSoOriginalDst, &d4, &l4) != 0) return std::nullopt;
      return std::pair{IpAddress::v4(ntohl(d4.sin_addr.s_addr)), ntohs(d4.sin_port)};
    }
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), &dst.sin6_addr, 16);
    return std::pair{IpAddress::v6(b), ntohs(dst.sin6_port)};
  }
  return std::nullopt;
}

}  // namespace gh
