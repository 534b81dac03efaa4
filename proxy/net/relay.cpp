#include "net/relay.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <vector>

namespace gh {
namespace {

using steady = std::chrono::steady_clock;
// Pipes are enlarged to this (fewer splice calls and wake-ups per MiB); the
// pages are taken only while bytes sit in the pipe, and pooled pipes are
// empty. Where the kernel refuses (pipe-max-size), the default 64 KiB stays.
constexpr std::size_t kPipeBytes = 1024 * 1024;

// A pipe for splice(2). Idle tunnels hold none: a direction takes one from
// its thread's pool when bytes arrive and gives it back, empty, before it
// waits again, so a tunnel costs two descriptors while idle, not six.
struct Pipe {
  int r = -1, w = -1;
  std::size_t capacity = 0;
  void close() noexcept {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
    r = w = -1;
  }
};

class PipePool {
 public:
  static constexpr std::size_t kKeep = 64;  // empty pipes kept per thread
  ~PipePool() {
    for (auto& p : free_) p.close();
  }
  bool acquire(Pipe& out) {
    if (!free_.empty()) {
      out = free_.back();
      free_.pop_back();
      return true;
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    out = Pipe{fds[0], fds[1]};
    int size = ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(kPipeBytes));
    out.capacity = size > 0 ? static_cast<std::size_t>(size) : 64 * 1024;
    return true;
  }
  // `p` must be empty.
  void release(Pipe& p) {
    if (p.r < 0) return;
    if (free_.size() < kKeep) {
      free_.push_back(p);
      p = Pipe{};
    } else {
      p.close();
    }
  }

 private:
  std::vector<Pipe> free_;
};

PipePool& pipe_pool() {
  thread_local PipePool pool;
  return pool;
}

// Holds a pool pipe for one burst; a pipe that still holds bytes is closed
// rather than handed back.
struct PipeLease {
  Pipe pipe;
  bool dirty = false;
  PipeLease() = default;
  PipeLease(const PipeLease&) = delete;
  PipeLease& operator=(const PipeLease&) = delete;
  bool held() const { return pipe.r >= 0; }
  bool take() { return pipe_pool().acquire(pipe); }
  void give_back() {
    if (!held()) return;
    if (dirty) {
      pipe.close();
    } else {
      pipe_pool().release(pipe);
    }
    dirty = false;
  }
  ~PipeLease() { give_back(); }
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

// Moves what `src` has now to `dst` through a small heap buffer: the
// fallback when no pipe can be had (descriptors exhausted). False on error.
asio::awaitable<bool> copy_burst(tcp::socket& src, tcp::socket& dst, std::uint64_t& count,
                                 bool& eof) {
  constexpr std::size_t kBuf = 16 * 1024;
  auto buf = std::make_unique<char[]>(kBuf);
  boost::system::error_code ec;
  ssize_t got = ::recv(src.native_handle(), buf.get(), kBuf, MSG_DONTWAIT);
  if (got < 0) co_return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (got == 0) {
    eof = true;
    co_return true;
  }
  const auto n = static_cast<std::size_t>(got);
  co_await asio::async_write(dst, asio::buffer(buf.get(), n),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  count += n;
  co_return true;
}

// One direction through a pipe: socket -> pipe -> socket, without copying
// through user space. The pipe is held only while bytes are moving.
asio::awaitable<void> pump_splice(tcp::socket& src, tcp::socket& dst, std::uint64_t& count,
                                  Shared& sh) {
  boost::system::error_code ec;
  const int in = src.native_handle();
  const int out = dst.native_handle();
  PipeLease lease;
  bool eof = false;
  while (!eof) {
    if (!lease.held() && !lease.take()) {
      // No pipe: copy a burst instead, then try for a pipe again; wait for
      // readiness only once the socket is drained (edge-triggered reactor).
      const std::uint64_t before = count;
      bool had_eof = false;
      if (!co_await copy_burst(src, dst, count, had_eof)) {
        sh.failed = true;
        co_return;
      }
      if (had_eof) break;
      if (count != before) {
        sh.last_activity = steady::now();
        continue;
      }
      co_await src.async_wait(tcp::socket::wait_read,
                              asio::redirect_error(asio::use_awaitable, ec));
      if (ec || sh.failed) co_return;
      continue;
    }
    ssize_t n = ::splice(in, nullptr, lease.pipe.w, nullptr, lease.pipe.capacity,
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n == 0) break;  // EOF
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        sh.failed = true;
        break;
      }
      lease.give_back();  // empty: idle tunnels hold no pipe
      co_await src.async_wait(tcp::socket::wait_read,
                              asio::redirect_error(asio::use_awaitable, ec));
      if (ec || sh.failed) break;
      continue;
    }
    sh.last_activity = steady::now();
    lease.dirty = true;
    std::size_t pending = static_cast<std::size_t>(n);
    while (pending > 0) {
      ssize_t m =
          ::splice(lease.pipe.r, nullptr, out, nullptr, pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
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
    lease.dirty = false;
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
  bool use_splice = method != RelayMethod::copy;
  if (use_splice) {
    boost::system::error_code ec;
    a.native_non_blocking(true, ec);
    if (!ec) b.native_non_blocking(true, ec);
    if (ec) use_splice = false;
  }

  auto make_pump = [&](tcp::socket& src, tcp::socket& dst,
                       std::uint64_t& count) -> asio::awaitable<void> {
    if (use_splice) {
      co_await pump_splice(src, dst, count, sh);
    } else {
      co_await pump_copy(src, dst, count, sh);
    }
    if (sh.failed) end_both(a, b);
  };

  // The second direction and the idle watchdog run beside this coroutine on
  // the same executor; the frame outlives them because we wait for both.
  asio::steady_timer down_done(ex, asio::steady_timer::time_point::max());
  bool down_finished = false;
  asio::co_spawn(ex, make_pump(b, a, result.bytes_down), [&](std::exception_ptr) {
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

  co_await make_pump(a, b, result.bytes_up);
  boost::system::error_code ec;
  if (!down_finished) co_await down_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  relay_over = true;
  idle.cancel();
  if (!idle_finished) co_await idle_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return result;
}

}  // namespace gh
