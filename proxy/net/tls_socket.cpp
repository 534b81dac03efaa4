#include "net/tls_socket.hpp"

#include <openssl/err.h>

#include <cerrno>
#include <climits>

namespace gh {
namespace {

using error_code = boost::system::error_code;

// SSL_get_error() of a failed call as a wait or an error code. `sys`: errno
// right after the call.
TlsWant classify(SSL* ssl, int ret, int sys, error_code& ec) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return TlsWant::read;
    case SSL_ERROR_WANT_WRITE:
      return TlsWant::write;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;
      break;
    case SSL_ERROR_SYSCALL:
      ec = sys != 0 ? error_code(sys, boost::system::system_category())
                    : error_code(asio::ssl::error::stream_truncated);
      break;
    default: {
      const unsigned long e = ERR_peek_last_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        ec = asio::ssl::error::stream_truncated;
      else
        ec = error_code(static_cast<int>(e), asio::error::get_ssl_category());
      break;
    }
  }
  ERR_clear_error();  // the queue is per thread: leave nothing for the next flow
  return TlsWant::failed;
}

// Every attempt starts with a clean error queue and errno, so that what
// SSL_get_error() reads is this call's.
void clear() {
  ERR_clear_error();
  errno = 0;
}

std::size_t capped(std::size_t size) { return std::min<std::size_t>(size, INT_MAX); }

}  // namespace

TlsSocket::TlsSocket(tcp::socket& socket, SSL* ssl, std::string prefix)
    : socket_(socket),
      ssl_(ssl),
      deadline_(socket),
      idle_(&asio::use_service<TlsIdleService>(
          asio::query(socket.get_executor(), asio::execution::context))) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  // Without a BIO every call fails: no I/O at all.
  attach_socket(ssl_, socket_.native_handle(), std::move(prefix));
}

void release_buffers(SSL* ssl) {
  // OpenSSL refuses when a record is partly read or written.
  if (SSL_is_init_finished(ssl)) SSL_free_buffers(ssl);
}

bool attach_socket(SSL* ssl, int fd, std::string prefix) {
  // Buffers kept while busy: freeing them after every record
  // (SSL_MODE_RELEASE_BUFFERS) churns malloc on every request; TlsSocket
  // frees them when it rests. Whatever the socket has in one recv(2), not a
  // header and a body apiece.
  SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_read_ahead(ssl, 1);
  BIO* bio = make_socket_bio(fd, std::move(prefix));
  if (!bio) return false;
  SSL_set_bio(ssl, bio, bio);
  return true;
}

TlsSocket::~TlsSocket() {
  idle_->woke(*this);
  SSL_free(ssl_);
}

TlsWant TlsSocket::try_read(void* data, std::size_t size, std::size_t& n, error_code& ec) {
  n = 0;
  if (size == 0) return TlsWant::done;
  clear();
  const int r = SSL_read_ex(ssl_, data, capped(size), &n);
  if (r == 1) return TlsWant::done;
  return classify(ssl_, r, errno, ec);
}

TlsWant TlsSocket::try_write(const void* data, std::size_t size, std::size_t& n, error_code& ec) {
  n = 0;
  if (size == 0) return TlsWant::done;
  clear();
  const int r = SSL_write_ex(ssl_, data, capped(size), &n);
  return r == 1 ? TlsWant::done : classify(ssl_, r, errno, ec);
}

TlsWant TlsSocket::try_handshake(error_code& ec) {
  clear();
  const int r = SSL_do_handshake(ssl_);
  return r == 1 ? TlsWant::done : classify(ssl_, r, errno, ec);
}

TlsWant TlsSocket::try_shutdown(error_code& ec) {
  clear();
  const int r = SSL_shutdown(ssl_);  // 0: ours is sent, the peer's not read
  return r >= 0 ? TlsWant::done : classify(ssl_, r, errno, ec);
}

}  // namespace gh
