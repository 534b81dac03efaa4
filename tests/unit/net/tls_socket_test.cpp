// TlsSocket (net/tls_socket.hpp): OpenSSL on the socket itself, over real
// loopback sockets. The server's first bytes are taken off the socket before
// the stream exists and handed to it as the prefix, as a decrypted flow does
// with the ClientHello it decided on.
#include "net/tls_socket.hpp"

#include <malloc.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "../tls/test_ca.hpp"
#include "socket_pair.hpp"

using namespace gh;
using gh::test::socket_pair;

namespace {

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

struct Contexts {
  CtxPtr server{SSL_CTX_new(TLS_server_method())};
  CtxPtr client{SSL_CTX_new(TLS_client_method())};
  Contexts() {
    PkeyPtr key = test::make_key(false);
    test::CaOptions o;
    o.cn = "tls-socket.test";
    X509Ptr cert = test::make_cert(key.get(), o);
    REQUIRE(SSL_CTX_use_certificate(server.get(), cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(server.get(), key.get()) == 1);
  }
};

using ec_t = boost::system::error_code;

// Reads until the stream fails; the error it failed with.
asio::awaitable<ec_t> read_to_end(TlsSocket& s, std::string& out) {
  ec_t ec;
  co_await asio::async_read(s, asio::dynamic_buffer(out),
                            asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

// Client and server handshake; the server's stream gets the client's first
// `peek` bytes as its prefix. Runs `body` on both once they are up.
template <class Body>
void with_pair(std::size_t peek, Body body) {
  Contexts ctx;
  asio::io_context ioc;
  auto pair_cs = socket_pair(ioc);  // named, not bound: clang 14 cannot capture bindings
  tcp::socket& cs = pair_cs.first;
  tcp::socket& ss = pair_cs.second;
  TlsSocket client(cs, SSL_new(ctx.client.get()));
  std::unique_ptr<TlsSocket> server;
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        ec_t ec;
        co_await client.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, ec));
        REQUIRE_FALSE(ec);
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        std::string prefix(peek, '\0');
        co_await asio::async_read(ss, asio::buffer(prefix), asio::use_awaitable);
        server = std::make_unique<TlsSocket>(ss, SSL_new(ctx.server.get()), prefix);
        ec_t ec;
        co_await server->async_handshake(asio::ssl::stream_base::server,
                                         asio::redirect_error(asio::use_awaitable, ec));
        REQUIRE_FALSE(ec);
        done = true;
      },
      asio::detached);
  ioc.run();
  REQUIRE(done);
  ioc.restart();
  body(ioc, client, *server, cs);
}

}  // namespace

TEST_CASE("tls socket: 2 MiB each way at once, prefix replayed, close_notify is eof") {
  with_pair(100, [](asio::io_context& ioc, TlsSocket& client, TlsSocket& server, tcp::socket&) {
    std::string up(2 << 20, 'u'), down(2 << 20, 'd');
    up[12345] = 'X';
    std::string server_got, client_got;
    ec_t server_end, client_end;
    // Both sides write 2 MiB before reading: the socket buffers fill, so
    // each write waits for writability while the peer's reads drain it.
    auto side = [&](TlsSocket& s, const std::string& out, std::string& in,
                    ec_t& end) -> asio::awaitable<void> {
      asio::co_spawn(
          ioc,
          [&s, &out]() -> asio::awaitable<void> {
            co_await asio::async_write(s, asio::buffer(out), asio::use_awaitable);
            co_await s.async_shutdown(asio::use_awaitable);
          },
          asio::detached);
      end = co_await read_to_end(s, in);
    };
    asio::co_spawn(ioc, side(client, up, client_got, client_end), asio::detached);
    asio::co_spawn(ioc, side(server, down, server_got, server_end), asio::detached);
    ioc.run_for(std::chrono::seconds(20));
    CHECK(server_got == up);
    CHECK(client_got == down);
    CHECK(server_end == asio::error::eof);
    CHECK(client_end == asio::error::eof);
  });
}

TEST_CASE("tls socket: a peer gone without close_notify is stream_truncated") {
  with_pair(1, [](asio::io_context& ioc, TlsSocket&, TlsSocket& server, tcp::socket& cs) {
    cs.shutdown(tcp::socket::shutdown_send);  // a FIN, no close_notify
    std::string got;
    ec_t end;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { end = co_await read_to_end(server, got); },
        asio::detached);
    ioc.run_for(std::chrono::seconds(10));
    CHECK(got.empty());
    CHECK(end == asio::ssl::error::stream_truncated);
  });
}

TEST_CASE("tls socket: the deadline cancels a read that waits") {
  with_pair(5, [](asio::io_context& ioc, TlsSocket&, TlsSocket& server, tcp::socket&) {
    std::string got;
    ec_t end;
    server.next_layer().expires_after(std::chrono::milliseconds(50));
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { end = co_await read_to_end(server, got); },
        asio::detached);
    ioc.run_for(std::chrono::seconds(10));
    CHECK(end == asio::error::operation_aborted);
    CHECK(server.next_layer().expired());
  });
}

TEST_CASE("tls socket: garbage instead of a handshake fails cleanly") {
  Contexts ctx;
  asio::io_context ioc;
  auto [cs, ss] = socket_pair(ioc);
  asio::write(cs, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
  TlsSocket server(ss, SSL_new(ctx.server.get()), "\x16\x03");
  ec_t ec;
  bool done = false;
  server.async_handshake(asio::ssl::stream_base::server, [&](ec_t e) {
    ec = e;
    done = true;
  });
  ioc.run_for(std::chrono::seconds(10));
  REQUIRE(done);
  CHECK(ec);
  CHECK(ec.category() == asio::error::get_ssl_category());
}

TEST_CASE("tls socket: a wait joins the idle list, the sweep frees its buffers, reads go on") {
  with_pair(10, [](asio::io_context& ioc, TlsSocket& client, TlsSocket& server, tcp::socket&) {
    auto& idle = asio::use_service<TlsIdleService>(ioc);
    std::array<char, 64> buf{};
    std::size_t got = 0;
    ec_t ec;
    server.async_read_some(asio::buffer(buf), [&](ec_t e, std::size_t n) {
      ec = e;
      got = n;
    });
    ioc.poll();  // the read finds nothing and waits
    CHECK(idle.members() >= 1);
    // Two sweeps later the waiting socket has been released and left the list.
    const std::size_t held = mallinfo2().uordblks;  // 0 under ASan's allocator
    ioc.run_for(TlsIdleService::kSweep * 3);
    CHECK(idle.members() == 0);
    // Its record buffers (16 KiB and more each) went back to malloc.
    if (held > 0) CHECK(held - std::min(held, mallinfo2().uordblks) >= 16 * 1024);
    const std::string ping = "ping";
    asio::async_write(client, asio::buffer(ping), [](ec_t, std::size_t) {});
    ioc.run_for(std::chrono::seconds(5));
    CHECK_FALSE(ec);
    CHECK(std::string(buf.data(), got) == "ping");
  });
}
