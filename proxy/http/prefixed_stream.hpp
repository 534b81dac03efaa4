// A socket whose first reads return bytes already read from it (the ClientHello
// gatehouse peeked at to decide), so that OpenSSL sees the handshake from its
// first byte. Meets Asio's AsyncReadStream/AsyncWriteStream and the
// lowest_layer() that asio::ssl::stream asks of its next layer.
//
// Like beast::tcp_stream it has expires_after()/expires_never(): when the
// time passes, the socket's pending operations are cancelled, so a decrypted
// flow (README "HTTPS interception") has the same idle and header timeouts
// as a plain one. beast::get_lowest_layer() of a TLS stream over it is it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "net/asio.hpp"

namespace gh {

class PrefixedSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket::lowest_layer_type;

  PrefixedSocket(tcp::socket& socket, std::string prefix)
      : socket_(&socket), prefix_(std::move(prefix)) {}
  PrefixedSocket(PrefixedSocket&&) = default;
  PrefixedSocket& operator=(PrefixedSocket&&) = delete;
  ~PrefixedSocket() {
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

  executor_type get_executor() noexcept { return socket_->get_executor(); }
  lowest_layer_type& lowest_layer() noexcept { return socket_->lowest_layer(); }
  const lowest_layer_type& lowest_layer() const noexcept { return socket_->lowest_layer(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (used_ == prefix_.size()) {
            socket_->async_read_some(b, std::move(handler));
            return;
          }
          std::size_t n = 0;
          for (auto it = asio::buffer_sequence_begin(b); it != asio::buffer_sequence_end(b); ++it) {
            asio::mutable_buffer m = *it;
            const std::size_t take = std::min(m.size(), prefix_.size() - used_);
            std::memcpy(m.data(), prefix_.data() + used_, take);
            used_ += take;
            n += take;
            if (used_ == prefix_.size()) break;
          }
          if (used_ == prefix_.size()) {  // replayed: free it, read the socket from now on
            std::string().swap(prefix_);
            used_ = 0;
          }
          // Completed through the handler's executor, never inline (Asio's rule).
          auto ex = asio::get_associated_executor(handler, socket_->get_executor());
          asio::post(ex, [h = std::move(handler), n]() mutable {
            std::move(h)(boost::system::error_code{}, n);
          });
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return socket_->async_write_some(buffers, std::forward<Token>(token));
  }

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
  std::string prefix_;
  std::size_t used_ = 0;
  std::shared_ptr<Watch> watch_;  // made by the first expires_after()
};

}  // namespace gh
