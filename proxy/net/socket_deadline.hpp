// A deadline on a socket for operations that do not go through
// beast::tcp_stream (the TLS streams of decrypted flows, net/tls_socket.hpp):
// when the time passes, the socket's pending operations are cancelled, so a
// decrypted flow (README "HTTPS interception") has the same idle and header
// timeouts as a plain one. beast::get_lowest_layer() of a TlsSocket is this,
// so code written for tcp_stream's expires_after()/expires_never() works on
// both.
#pragma once

#include <chrono>
#include <memory>

#include "net/asio.hpp"

namespace gh {

class SocketDeadline {
 public:
  explicit SocketDeadline(tcp::socket& socket) : socket_(&socket) {}
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;
  ~SocketDeadline() {
    if (watch_) watch_->stop();
  }

  // Cancels the socket's pending operations once `after` has passed.
  void expires_after(std::chrono::steady_clock::duration after) {
    if (!watch_) watch_ = std::make_shared<Watch>(*socket_);
    watch_->arm(watch_, after);
  }
  void expires_never() {
    if (watch_) watch_->disarm();
  }
  // True once an armed deadline has passed (until the next expires_after).
  bool expired() const { return watch_ && watch_->expired; }

 private:
  // The timer's state, shared with its handler, which may run after the
  // socket is gone: `socket` is null then, and a stale arming is ignored.
  struct Watch {
    explicit Watch(tcp::socket& s) : timer(s.get_executor()), socket(&s) {}
    asio::steady_timer timer;
    tcp::socket* socket;
    unsigned generation = 0;
    bool expired = false;

    void arm(const std::shared_ptr<Watch>& self, std::chrono::steady_clock::duration after) {
      expired = false;
      timer.expires_after(after);
      timer.async_wait([self, g = ++generation](boost::system::error_code ec) {
        if (ec || g != self->generation || !self->socket) return;
        self->expired = true;
        boost::system::error_code ignored;
        self->socket->cancel(ignored);
      });
    }
    void disarm() {
      ++generation;
      timer.cancel();
    }
    void stop() {
      socket = nullptr;
      disarm();
    }
  };

  tcp::socket* socket_;
  std::shared_ptr<Watch> watch_;  // made by the first expires_after()
};

}  // namespace gh
