#include "http/send.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace gh {

asio::awaitable<bool> send_all(beast::tcp_stream& out, std::string_view head, std::string_view body,
                               Millis idle) {
  const int fd = out.socket().native_handle();
  while (!head.empty() || !body.empty()) {
    iovec iov[2];
    int n_iov = 0;
    if (!head.empty()) iov[n_iov++] = {const_cast<char*>(head.data()), head.size()};
    if (!body.empty()) iov[n_iov++] = {const_cast<char*>(body.data()), body.size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n_iov);
    ssize_t n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      auto sent = static_cast<std::size_t>(n);
      const std::size_t from_head = std::min(sent, head.size());
      head.remove_prefix(from_head);
      body.remove_prefix(sent - from_head);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    co_return false;
  }
  if (head.empty() && body.empty()) co_return true;
  boost::system::error_code ec;
  out.expires_after(idle);
  std::array<asio::const_buffer, 2> rest{asio::buffer(head.data(), head.size()),
                                         asio::buffer(body.data(), body.size())};
  co_await asio::async_write(out, rest, asio::redirect_error(asio::use_awaitable, ec));
  out.expires_never();
  co_return !ec;
}

}  // namespace gh
