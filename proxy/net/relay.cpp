// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "net/relay.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>

namespace gh {
namespace {

using steady = std::chrono::steady_clock;
constexpr std::size_t kChunk = 64 * 1024;

struct Pipe {
  int r = -1, w = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    r = fds[0];
    w = fds[1];
    return true;
  }
  ~Pipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
};

struct Shared {
  steady::time_point last_activity = steady::now();
  bool failed = false;  // an error in one direction ends both
};

void end_both(tcp::socket& a, tcp::socket& b) {
  boost::system::error_code ec;
  a.cancel(ec);
  b.cancel(ec);
  a.shutdown(tcp::socket::shutdown_both, ec);
  b.shutdown(tcp::socket::shutdown_both, ec);
}

// One direction through a pipe: socket -> pipe -> socket, without copying
// through user space.
asio::awaitable<void> pump_splice(tcp::socket& src, tcp::socket& dst, Pipe& pipe,
                                  std::uint64_t& count, Shared& sh) {
  boost::system::error_code ec;
  const int in = src.native_handle();
  const int out = dst.native_handle();
  for (;;) {
    ssize_t n = ::splice(in, nullptr, pipe.w, nullptr, kChunk, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n == 0) break;  // EOF
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        sh.failed = true;
        break;
      }
      co_await src.async_wait(tcp::socket::wait_read,
                              asio::redirect_error(asio::use_awaitable, ec));
      if (ec || sh.failed) break;
      continue;
    }
    sh.last_activity = steady::now();
    std::size_t pending = static_cast<std::size_t>(n);
    while (pending > 0) {
      ssize_t m =
          ::splice(pipe.r, nullptr, out, nullptr, pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (m > 0) {
        pending -= static_cast<std::size_t>(m);
        count += static_cast<std::uint64_t>(m);
        continue;
      }
      if (m < 0 && errno == EINTR) continue;
      if (m < 0 && errno == EAGAIN) {
        co_await dst.async_wait(tcp::socket::wait_write,
                                asio::redirect_error(asio::use_awaitable, ec));
        if (ec || sh.failed) co_return;
        continue;
      }
      sh.failed = true;
      co_return;
    }
  }
  if (!sh.failed) dst.shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> pump_copy(tcp::socket& src, tcp::socket& dst, std::uint64_t& count,
                                Shared& sh) {
  std::array<char, 16 * 1024> buf;
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = co_await src.async_read_some(asio::buffer(buf),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) break;
    if (ec || sh.failed) {
      sh.failed = true;
      co_return;
    }
    sh.last_activity = steady::now();
    co_await asio::async_write(dst, asio::buffer(buf.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      sh.failed = true;
      co_return;
    }
    count += n;
  }
  if (!sh.failed) dst.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

asio::awaitable<RelayResult> relay(tcp::socket& a, tcp::socket& b, Millis idle_timeout,
                                   RelayMethod method) {
  auto ex = co_await asio::this_coro::executor;
  RelayResult result;
  Shared sh;
  Pipe up_pipe, down_pipe;
  bool use_splice = method != RelayMethod::copy && up_pipe.open() && down_pipe.open();
  if (use_splice) {
    boost::system::error_code ec;
    a.native_non_blocking(true, ec);
    if (!ec) b.native_non_blocking(true, ec);
    if (ec) use_splice = false;
  }

  auto make_pump = [&](tcp::socket& src, tcp::socket& dst, Pipe& pipe,
                       std::uint64_t& count) -> asio::awaitable<void> {
    if (use_splice) {
      co_await pump_splice(src, dst, pipe, count, sh);
    } else {
      co_await pump_copy(src, dst, count, sh);
    }
    if (sh.failed) end_both(a, b);
  };

  // The second direction and the idle watchdog run beside this coroutine on
  // the same executor; the frame outlives them because we wait for both.
  asio::steady_timer down_done(ex, asio::steady_timer::time_point::max());
  bool down_finished = false;
  asio::co_spawn(ex, make_pump(b, a, down_pipe, result.bytes_down), [&](std::exception_ptr) {
    down_finished = true;
    down_done.cancel();
  });

  asio::steady_timer idle(ex);
  bool idle_finished = false, relay_over = false;
  asio::steady_timer idle_done(ex, asio::steady_timer::time_point::max());
  // A named lambda: its captures must live in this frame, not in a temporary.
  auto watchdog = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    while (!relay_over) {
      idle.expires_at(sh.last_activity + idle_timeout);
      co_await idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (relay_over) break;
      if (!ec && steady::now() - sh.last_activity >= idle_timeout) {
        result.idle_timeout = true;
        sh.failed = true;
        end_both(a, b);
        break;
      }
    }
  };
  asio::co_spawn(ex, watchdog(), [&](std::exception_ptr) {
    idle_finished = true;
    idle_done.cancel();
  });

  co_await make_pump(a, b, up_pipe, result.bytes_up);
  boost::system::error_code ec;
  if (!down_finished) co_await down_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  relay_over = true;
  idle.cancel();
  if (!idle_finished) co_await idle_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return result;
}

}  // namespace gh
