// Heap held per idle inspected flow by its two TLS connections (README
// "HTTPS interception"; bench/RESULTS.md "Memory per idle intercepted
// connection"): gatehouse's client-facing side (a minted leaf, server role)
// and its origin side (client role, chain and name verified against
// `upstream_ca`), each attached to a socket as TlsSocket attaches it
// (net/tls_socket.hpp). Peers are plain OpenSSL over AF_UNIX socket pairs.
// After the handshakes and one request and answer each way, the peers are
// freed and glibc's count of bytes in use (mallinfo2) gives gatehouse's
// share per flow; then the origin sides are freed to split the two.
//   build/bench/tls_memory_bench [flows=500]
// GH_KEEP_BUFFERS=1: without release_buffers(), what a busy flow holds.
#include <malloc.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/tls_socket.hpp"
#include "tls/leaf_minter.hpp"
#include "tls/tls_contexts.hpp"
#include "unit/tls/test_ca.hpp"

namespace {

using namespace gh;

std::size_t in_use() { return mallinfo2().uordblks; }

std::pair<int, int> unix_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) std::abort();
  return {fds[0], fds[1]};
}

// Drives both ends until `step` succeeds on both (non-blocking sockets).
template <class Step>
void both(SSL* a, SSL* b, Step step) {
  bool da = false, db = false;
  for (int i = 0; i < 100 && !(da && db); ++i) {
    if (!da) da = step(a) > 0;
    if (!db) db = step(b) > 0;
  }
  if (!(da && db)) {
    std::fprintf(stderr, "TLS exchange did not complete\n");
    std::exit(1);
  }
}

// Reads what `s` has been sent (it is all there: the peer wrote it first).
void read_one(SSL* s) {
  char buf[4096];
  for (int i = 0; i < 100; ++i) {
    if (SSL_read(s, buf, sizeof buf) > 0) return;
  }
  std::fprintf(stderr, "TLS read did not complete\n");
  std::exit(1);
}

// One request and one answer over an established pair (`a` asks).
void exchange(SSL* a, SSL* b) {
  static const std::string request = "GET /small HTTP/1.1\r\nHost: origin.test\r\n\r\n";
  static const std::string answer =
      "HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\nhello from the origin\n";
  SSL_write(a, request.data(), static_cast<int>(request.size()));
  read_one(b);
  SSL_write(b, answer.data(), static_cast<int>(answer.size()));
  read_one(a);
}

struct Flow {
  SSL* facing;       // gatehouse toward the browser (server role)
  SSL* browser;      // the peer
  SSL* origin_side;  // gatehouse toward the origin (client role)
  SSL* origin;       // the peer
  int fds[4];
};

std::string write_pem(X509* cert) {
  char path[] = "/tmp/gh-tls-memory-XXXXXX";
  const int fd = ::mkstemp(path);
  FILE* f = ::fdopen(fd, "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 500;
  // Interception: our CA, the leaf key, a leaf for the flow's host.
  auto ca = test::make_ca();
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  auto leaf = minter.mint("origin.test", Clock::now());
  ContextResult facing = make_client_facing_context(minter.key());
  // The origin: its own CA and a certificate for origin.test.
  auto origin_ca = test::make_ca();
  PkeyPtr origin_key = test::make_key(false);
  test::CaOptions lo;
  lo.is_ca = false;
  lo.key_cert_sign = false;
  X509Ptr origin_cert = test::make_cert(origin_key.get(), lo, origin_ca->cert.get(),
                                        origin_ca->key.get(), "DNS:origin.test");
  const std::string ca_file = write_pem(origin_ca->cert.get());
  ContextResult origin_side = make_origin_context(ca_file);
  ::unlink(ca_file.c_str());
  SSL_CTX* origin_ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(origin_ctx, origin_cert.get());
  SSL_CTX_use_PrivateKey(origin_ctx, origin_key.get());
  SSL_CTX* browser_ctx = SSL_CTX_new(TLS_client_method());
  if (!facing.ctx || !origin_side.ctx || !leaf) return 1;

  std::vector<Flow> flows(static_cast<std::size_t>(n));
  const std::size_t before = in_use();
  for (Flow& f : flows) {
    auto [a, b] = unix_pair();
    auto [c, d] = unix_pair();
    f.fds[0] = a, f.fds[1] = b, f.fds[2] = c, f.fds[3] = d;
    f.facing = SSL_new(facing.ctx.get());
    use_leaf(f.facing, *leaf);
    attach_socket(f.facing, a, {});
    SSL_set_accept_state(f.facing);
    f.browser = SSL_new(browser_ctx);
    SSL_set_fd(f.browser, b);
    SSL_set_connect_state(f.browser);
    f.origin_side = SSL_new(origin_side.ctx.get());
    prepare_origin_ssl(f.origin_side, "origin.test");
    attach_socket(f.origin_side, c, {});
    SSL_set_connect_state(f.origin_side);
    f.origin = SSL_new(origin_ctx);
    SSL_set_fd(f.origin, d);
    SSL_set_accept_state(f.origin);
    both(f.facing, f.browser, SSL_do_handshake);
    both(f.origin_side, f.origin, SSL_do_handshake);
    exchange(f.browser, f.facing);
    exchange(f.origin_side, f.origin);
    if (SSL_get_verify_result(f.origin_side) != X509_V_OK) return 1;
    // What an inspected flow does between requests (TlsSocket waits on the
    // client side, the flow releases the origin side).
    if (!std::getenv("GH_KEEP_BUFFERS")) {
      release_buffers(f.facing);
      release_buffers(f.origin_side);
    }
  }
  for (Flow& f : flows) {
    SSL_free(f.browser);
    SSL_free(f.origin);
  }
  const std::size_t held = in_use();
  for (Flow& f : flows) SSL_free(f.origin_side);
  const std::size_t facing_only = in_use();
  for (Flow& f : flows) SSL_free(f.facing);
  for (Flow& f : flows)
    for (int fd : f.fds) ::close(fd);
  const double kib = 1024.0 * n;
  std::printf(
      "flows %d: heap in use per idle flow %.1f KiB (client-facing %.1f, origin side %.1f)\n", n,
      static_cast<double>(held - before) / kib, static_cast<double>(facing_only - before) / kib,
      static_cast<double>(held - facing_only) / kib);
  SSL_CTX_free(origin_ctx);
  SSL_CTX_free(browser_ctx);
  return 0;
}
