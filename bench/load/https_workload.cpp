// https mode: GET --url (https) through a CONNECT to --proxy, TLS inside with
// the SNI set to the URL's host and no verification (the proxy's leaves are
// signed by a CA made for the run). An intercepting proxy answers the GETs
// itself (block page) or relays them to the origin (inspected flow).
//   --new-connection  CONNECT + handshake + one GET (Connection: close) per
//                     request: the block-page workload;
//   otherwise         keep-alive GETs on one decrypted connection;
//   --ready-file      each connection does one GET, then stays open and idle
//                     until the run ends; the file is written once all are
//                     (memory per idle intercepted connection).
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "workloads.hpp"

namespace gh::load {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;
namespace ssl = asio::ssl;
using TlsStream = ssl::stream<beast::tcp_stream>;

struct Shared {
  Shared(const Options& opts, Url u, tcp::endpoint p) : o(opts), url(std::move(u)), proxy(p) {}
  const Options& o;
  Url url;
  tcp::endpoint proxy;
  ssl::context tls{ssl::context::tls_client};
  std::string connect;     // the CONNECT request
  std::string get;         // one GET, origin-form
  unsigned opening = 0;    // hold: connections not yet idle
  unsigned in_flight = 0;  // hold: being opened now (at most --ramp-parallel)
  bool stopping = false;
  std::chrono::milliseconds timeout{0};
};

// TCP to the proxy, CONNECT, TLS with SNI; nullptr (error counted) on failure.
awaitable<std::unique_ptr<TlsStream>> open(Shared& sh, RunStats& s) {
  auto stream = std::make_unique<TlsStream>(co_await asio::this_coro::executor, sh.tls);
  auto& conn = stream->next_layer();
  beast::error_code ec;
  conn.expires_after(sh.timeout);
  co_await conn.async_connect(sh.proxy, redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("connect: " + ec.message());
    co_return nullptr;
  }
  ++s.connects;
  conn.socket().set_option(tcp::no_delay(true), ec);
  co_await asio::async_write(conn, asio::buffer(sh.connect), redirect_error(use_awaitable, ec));
  beast::flat_buffer rest;
  http::response_parser<http::empty_body> parser;
  if (!ec) co_await http::async_read_header(conn, rest, parser, redirect_error(use_awaitable, ec));
  if (ec || parser.get().result_int() != 200 || rest.size() != 0) {
    s.error(ec ? "connect read: " + ec.message() : "CONNECT refused");
    co_return nullptr;
  }
  if (!SSL_set_tlsext_host_name(stream->native_handle(), sh.url.origin.host.c_str())) {
    s.error("SNI");
    co_return nullptr;
  }
  co_await stream->async_handshake(ssl::stream_base::client, redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("handshake: " + ec.message());
    co_return nullptr;
  }
  co_return stream;
}

// One GET on an open stream; true when the connection may carry another.
awaitable<bool> get(Shared& sh, TlsStream& stream, beast::flat_buffer& buf, RunStats& s,
                    Clock::time_point began) {
  beast::error_code ec;
  stream.next_layer().expires_after(sh.timeout);
  co_await asio::async_write(stream, asio::buffer(sh.get), redirect_error(use_awaitable, ec));
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  if (!ec) co_await http::async_read(stream, buf, parser, redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("read: " + ec.message());
    co_return false;
  }
  s.latency(began);
  ++s.requests;
  const unsigned status = parser.get().result_int();
  ++s.status[status];
  if (sh.o.expect_status != 0 && status != sh.o.expect_status) s.error("unexpected status");
  co_return parser.get().keep_alive();
}

awaitable<void> loop(Shared& sh, RunStats& s, Budget& budget) {
  std::unique_ptr<TlsStream> stream;
  beast::flat_buffer buf;
  while (budget.take()) {
    const auto began = Clock::now();  // a new connection's handshakes count in its latency
    if (!stream) {
      buf.clear();
      stream = co_await open(sh, s);
      if (!stream) continue;
    }
    const bool again = co_await get(sh, *stream, buf, s, began);
    if (!again || sh.o.new_connection) stream.reset();  // no TLS close_notify: as browsers do
  }
}

// Opens one connection, does one GET, then notices whether the proxy closes
// it while it should be idle.
awaitable<void> hold(Shared& sh, RunStats& s) {
  asio::steady_timer turn(co_await asio::this_coro::executor);
  while (sh.in_flight >= sh.o.ramp_parallel) {
    turn.expires_after(std::chrono::milliseconds(1));
    co_await turn.async_wait(use_awaitable);
  }
  ++sh.in_flight;
  beast::flat_buffer buf;
  std::unique_ptr<TlsStream> stream = co_await open(sh, s);
  bool ok = stream && co_await get(sh, *stream, buf, s, Clock::now());
  --sh.in_flight;
  if (--sh.opening == 0 && !sh.o.ready_file.empty()) {
    std::ofstream(sh.o.ready_file) << s.requests << "\n";
  }
  if (!ok) co_return;
  stream->next_layer().expires_never();
  char byte[64];
  beast::error_code ec;
  co_await stream->next_layer().async_read_some(asio::buffer(byte),
                                                redirect_error(use_awaitable, ec));
  if (!sh.stopping) ++s.dropped;
}

}  // namespace

void run_https_workload(const Options& o, RunStats& s) {
  asio::io_context ioc(1);
  Shared sh(o, *parse_url(o.url), resolve_one(ioc, *o.proxy));
  sh.tls.set_verify_mode(ssl::verify_none);
  sh.timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  const std::string authority = sh.url.authority();
  sh.connect = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority +
               "\r\nUser-Agent: gh-load\r\n\r\n";
  sh.get = "GET " + sh.url.path + " HTTP/1.1\r\nHost: " + authority +
           "\r\nUser-Agent: gh-load\r\nAccept: */*\r\n" +
           (o.new_connection ? "Connection: close\r\n" : "") + "\r\n";
  Budget budget(o.max_requests);
  s.latency_us.reserve(1 << 20);
  auto on_error = [&s](std::exception_ptr e) {
    if (e) s.error("exception");
  };
  const bool holding = !o.ready_file.empty();
  sh.opening = o.connections;
  for (unsigned i = 0; i < o.connections; ++i) {
    if (holding) {
      asio::co_spawn(ioc, hold(sh, s), on_error);
    } else {
      asio::co_spawn(ioc, loop(sh, s, budget), on_error);
    }
  }
  run_bounded(ioc, o.duration_s, s);
  sh.stopping = true;
}

}  // namespace gh::load
