// The BIO under a TlsSocket (net/tls_socket.hpp): OpenSSL reads the bytes
// gatehouse already took from the socket (the peeked ClientHello) first,
// then recv(2)s the socket itself; writes go straight to send(2). The socket
// is non-blocking: EAGAIN becomes a retry, which SSL_get_error() reports as
// WANT_READ/WANT_WRITE and the stream turns into a readiness wait.
#include <openssl/bio.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "net/tls_socket.hpp"

namespace gh {
namespace {

struct BioState {
  int fd;
  std::string prefix;
  std::size_t used = 0;
};

BioState& state(BIO* b) { return *static_cast<BioState*>(BIO_get_data(b)); }

int bio_read(BIO* b, char* out, int len) {
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  BioState& s = state(b);
  if (s.used < s.prefix.size()) {
    const std::size_t take = std::min(static_cast<std::size_t>(len), s.prefix.size() - s.used);
    std::memcpy(out, s.prefix.data() + s.used, take);
    s.used += take;
    if (s.used == s.prefix.size()) {  // replayed: free it, read the socket from now on
      std::string().swap(s.prefix);
      s.used = 0;
    }
    return static_cast<int>(take);
  }
  ssize_t n;
  do {
    n = ::recv(s.fd, out, static_cast<std::size_t>(len), 0);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<int>(n);  // 0: the peer closed
  if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
  return -1;
}

int bio_write(BIO* b, const char* in, int len) {
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  ssize_t n;
  do {
    n = ::send(state(b).fd, in, static_cast<std::size_t>(len), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
  return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) {
  // Writes are never buffered here, so a flush has nothing to do; every
  // other control (kTLS, pending counts, duplication) is not offered.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_destroy(BIO* b) {
  delete static_cast<BioState*>(BIO_get_data(b));
  BIO_set_data(b, nullptr);
  return 1;
}

BIO_METHOD* make_method() {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gatehouse socket");
  if (!m) return nullptr;
  BIO_meth_set_read(m, bio_read);
  BIO_meth_set_write(m, bio_write);
  BIO_meth_set_ctrl(m, bio_ctrl);
  BIO_meth_set_destroy(m, bio_destroy);
  return m;
}

}  // namespace

BIO* make_socket_bio(int fd, std::string prefix) {
  static BIO_METHOD* const method = make_method();  // once per process, never freed
  if (!method) return nullptr;
  BIO* b = BIO_new(method);
  if (!b) return nullptr;
  BIO_set_data(b, new BioState{fd, std::move(prefix)});
  BIO_set_init(b, 1);
  return b;
}

}  // namespace gh
