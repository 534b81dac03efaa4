// TLS over a connected socket without Asio's SSL engine, for decrypted flows
// (README "HTTPS interception"; docs/architecture.md "Inspected flows").
//
// asio::ssl::stream allocates about 77 KiB per connection before the first
// byte (two engine buffers and a BIO pair of 17 KiB each) and copies every
// record through them. Here OpenSSL reads and writes the socket itself
// through a small BIO (net/tls_bio.cpp): its record buffers are released
// once a connection rests (net/tls_idle.hpp), and a connection waits for
// readiness with the socket's async_wait. The stream meets Asio's
// AsyncReadStream and AsyncWriteStream, so Beast's readers and the relay
// templates (http/body_relay.hpp, http/send.hpp) work on it unchanged.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>

#include "net/asio.hpp"
#include "net/socket_deadline.hpp"
#include "net/tls_idle.hpp"

namespace gh {

// The BIO that reads `prefix` first, then the socket `fd` (net/tls_bio.cpp).
BIO* make_socket_bio(int fd, std::string prefix);

// Puts `ssl` on the non-blocking socket `fd` as TlsSocket does: the BIO
// above, read-ahead, record buffers kept while busy (TlsSocket frees them
// when it rests, net/tls_idle.hpp). False: no BIO.
bool attach_socket(SSL* ssl, int fd, std::string prefix);

// Frees both record buffers of an idle connection (nothing partly read or
// written): 16 KiB or more each; bench/tls_memory_bench.cpp measures what an
// idle flow keeps with and without it. TlsSocket's idle list does this for
// connections that rest.
void release_buffers(SSL* ssl);

// Where one non-blocking attempt at an OpenSSL call left the connection.
enum class TlsWant : unsigned char { done, read, write, failed };

class TlsSocket {
 public:
  using executor_type = tcp::socket::executor_type;
  using error_code = boost::system::error_code;
  using handshake_type = asio::ssl::stream_base::handshake_type;

  // Owns `ssl` (freed with the stream), not `socket`, which it puts in
  // non-blocking mode. `prefix`: bytes already read from the socket (the
  // ClientHello gatehouse peeked at), which OpenSSL reads first.
  TlsSocket(tcp::socket& socket, SSL* ssl, std::string prefix = {});
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;
  ~TlsSocket();

  SSL* native_handle() noexcept { return ssl_; }
  executor_type get_executor() noexcept { return socket_.get_executor(); }
  tcp::socket& socket() noexcept { return socket_; }
  // What beast::get_lowest_layer() finds: expires_after()/expires_never().
  SocketDeadline& next_layer() noexcept { return deadline_; }

  // One attempt each, never blocking. `failed` sets `ec`: asio::error::eof
  // for a close_notify, asio::ssl::error::stream_truncated for a peer that
  // went away without one, else the OpenSSL or system error.
  TlsWant try_read(void* data, std::size_t size, std::size_t& n, error_code& ec);
  TlsWant try_write(const void* data, std::size_t size, std::size_t& n, error_code& ec);
  TlsWant try_handshake(error_code& ec);
  // Sends our close_notify (does not wait for the peer's).
  TlsWant try_shutdown(error_code& ec);
  // Frees the record buffers now (release_buffers() below).
  void release_buffers() { gh::release_buffers(ssl_); }
  // Idle from now until the next call: the buffers go if it lasts
  // (net/tls_idle.hpp). Read waits do this themselves.
  void rest() { idle_->waiting(*this); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    const asio::mutable_buffer b = first_buffer(buffers);
    return run<true>(
        [this, b](std::size_t& n, error_code& ec) { return try_read(b.data(), b.size(), n, ec); },
        std::forward<Token>(token));
  }

  // Several small buffers (a head and its body) go out as one record.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    std::string joined = join_small(buffers);
    const asio::const_buffer b =
        joined.empty() ? asio::const_buffer(first_buffer(buffers)) : asio::buffer(joined);
    return run<true>(
        [this, b, keep = std::move(joined)](std::size_t& n, error_code& ec) {
          return try_write(b.data(), b.size(), n, ec);
        },
        std::forward<Token>(token));
  }

  template <class Token>
  auto async_handshake(handshake_type type, Token&& token) {
    if (type == asio::ssl::stream_base::server)
      SSL_set_accept_state(ssl_);
    else
      SSL_set_connect_state(ssl_);
    return run<false>([this](std::size_t&, error_code& ec) { return try_handshake(ec); },
                      std::forward<Token>(token));
  }

  template <class Token>
  auto async_shutdown(Token&& token) {
    return run<false>([this](std::size_t&, error_code& ec) { return try_shutdown(ec); },
                      std::forward<Token>(token));
  }

 private:
  // Retries `attempt` after each readiness wait until it is done or failed.
  // A result ready at once is posted, never delivered inside the initiating
  // call (Asio's rule for asynchronous operations).
  template <bool WithSize, class Attempt>
  struct Op {
    TlsSocket* s;
    Attempt attempt;
    enum class Stage : unsigned char { first, again, finish } stage = Stage::first;
    error_code ec{};
    std::size_t n = 0;

    template <class Self>
    void operator()(Self& self, error_code waited = {}) {
      if (stage == Stage::finish) return complete(self);
      if (waited) {  // the wait was cancelled (a deadline, a close)
        ec = waited;
        return complete(self);
      }
      s->idle_->woke(*s);  // busy again: it keeps its buffers
      const TlsWant w = attempt(n, ec);
      if (w == TlsWant::read || w == TlsWant::write) {
        stage = Stage::again;
        if (w == TlsWant::read) s->rest();  // waiting for the peer
        s->socket_.async_wait(w == TlsWant::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                              std::move(self));
        return;
      }
      if (stage == Stage::first) {
        stage = Stage::finish;
        asio::post(std::move(self));
        return;
      }
      complete(self);
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (WithSize) {
        self.complete(ec, n);
      } else {
        self.complete(ec);
      }
    }
  };

  template <bool WithSize, class Attempt, class Token>
  auto run(Attempt attempt, Token&& token) {
    using Sig = std::conditional_t<WithSize, void(error_code, std::size_t), void(error_code)>;
    return asio::async_compose<Token, Sig>(Op<WithSize, Attempt>{this, std::move(attempt)}, token,
                                           socket_);
  }

  template <class Buffers>
  static auto first_buffer(const Buffers& buffers) {
    using Buffer = std::decay_t<decltype(*asio::buffer_sequence_begin(buffers))>;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      const Buffer b = *it;
      if (b.size() != 0) return b;
    }
    return Buffer{};
  }

  // The sequence joined when it has more than one non-empty buffer and fits
  // in one record; else empty (the first buffer is written on its own).
  template <class Buffers>
  static std::string join_small(const Buffers& buffers) {
    std::size_t parts = 0, total = 0;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      const asio::const_buffer b = *it;
      parts += b.size() != 0;
      total += b.size();
    }
    std::string out;
    if (parts < 2 || total > kRecord) return out;
    out.reserve(total);
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      const asio::const_buffer b = *it;
      out.append(static_cast<const char*>(b.data()), b.size());
    }
    return out;
  }

  static constexpr std::size_t kRecord = 16 * 1024;  // TLS's largest record payload

  friend class TlsIdleService;

  tcp::socket& socket_;
  SSL* ssl_;
  SocketDeadline deadline_;
  TlsIdleService* idle_;
  // Membership of idle_'s list (net/tls_idle.hpp).
  TlsSocket* idle_prev_ = nullptr;
  TlsSocket* idle_next_ = nullptr;
  bool idle_listed_ = false;
  std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace gh
