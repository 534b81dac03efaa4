// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "http/send.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace gh {

asio::awaitable<bool> send_all(beast::tcp_stream& out, std::string_view data, Millis idle) {
  const int fd = out.socket().native_handle();
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    co_return false;
  }
  if (data.empty()) co_return true;
  boost::system::error_code ec;
  out.expires_after(idle);
  co_await asio::async_write(out, asio::buffer(data.data(), data.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  out.expires_never();
  co_return !ec;
}

}  // namespace gh
