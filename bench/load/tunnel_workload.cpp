// tunnel mode: each connection downloads --url again and again, through a
// CONNECT tunnel when --proxy is given (else straight to the origin), with
// TLS inside when the URL is https. bytes/s is the figure; the body length is
// checked against Content-Length so a cut tunnel counts as an error.
#include <boost/asio/ssl.hpp>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads.hpp"

namespace gh::load {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;
namespace ssl = asio::ssl;

constexpr std::size_t kReadBuffer = 256 * 1024;

std::optional<std::uint64_t> content_length(std::string_view head) {
  // Case-insensitive search for the header name at the start of a line.
  static constexpr std::string_view name = "\r\ncontent-length:";
  for (std::size_t i = 0; i + name.size() <= head.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < name.size() && same; ++k) {
      same = std::tolower(static_cast<unsigned char>(head[i + k])) == name[k];
    }
    if (!same) continue;
    std::size_t v = i + name.size();
    while (v < head.size() && head[v] == ' ') ++v;
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(head.data() + v, head.data() + head.size(), n);
    if (ec != std::errc()) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

bool clean_end(const beast::error_code& ec) {
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}

// Sends one GET with Connection: close and reads to the end, counting bytes.
template <class Stream>
awaitable<void> download(Stream& stream, beast::tcp_stream& conn, const Options& o, const Url& url,
                         RunStats& s, std::vector<char>& buf, Clock::time_point began) {
  auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  std::string req = "GET " + url.path + " HTTP/1.1\r\nHost: " + url.authority() +
                    "\r\nUser-Agent: gh-load\r\nConnection: close\r\n\r\n";
  beast::error_code ec;
  conn.expires_after(timeout);
  co_await asio::async_write(stream, asio::buffer(req), redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("write: " + ec.message());
    co_return;
  }
  std::string head;
  std::optional<std::uint64_t> expected;
  std::uint64_t body = 0;
  bool in_body = false;
  for (;;) {
    conn.expires_after(timeout);
    std::size_t n =
        co_await stream.async_read_some(asio::buffer(buf), redirect_error(use_awaitable, ec));
    s.bytes += n;
    if (in_body) {
      body += n;
    } else {
      head.append(buf.data(), n);
      auto end = head.find("\r\n\r\n");
      if (end != std::string::npos) {
        in_body = true;
        expected = content_length(std::string_view(head).substr(0, end + 2));
        body = head.size() - (end + 4);
        head.clear();
      } else if (head.size() > 64 * 1024) {
        s.error("header too large");
        co_return;
      }
    }
    if (ec) break;
  }
  if (!clean_end(ec)) {
    s.error("read: " + ec.message());
    co_return;
  }
  if (!expected || body != *expected) {
    s.error("short download");
    co_return;
  }
  s.latency(began);
  ++s.requests;
  ++s.status[200];
}

awaitable<void> download_loop(const Options& o, const Url& url, tcp::endpoint server,
                              ssl::context& tls, RunStats& s, Budget& budget) {
  auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  auto ex = co_await asio::this_coro::executor;
  std::vector<char> buf(kReadBuffer);
  while (budget.take()) {
    auto began = Clock::now();
    beast::tcp_stream conn(ex);
    beast::error_code ec;
    conn.expires_after(timeout);
    co_await conn.async_connect(server, redirect_error(use_awaitable, ec));
    if (ec) {
      s.error("connect: " + ec.message());
      co_return;  // a dead server would make every try fail the same way
    }
    ++s.connects;
    conn.socket().set_option(tcp::no_delay(true), ec);
    beast::flat_buffer rest;
    if (o.proxy) {
      std::string req = "CONNECT " + url.authority() + " HTTP/1.1\r\nHost: " + url.authority() +
                        "\r\nUser-Agent: gh-load\r\n\r\n";
      co_await asio::async_write(conn, asio::buffer(req), redirect_error(use_awaitable, ec));
      http::response_parser<http::empty_body> parser;
      if (!ec) {
        co_await http::async_read_header(conn, rest, parser, redirect_error(use_awaitable, ec));
      }
      if (ec || parser.get().result_int() != 200 || rest.size() != 0) {
        s.error(ec ? "connect read: " + ec.message() : "CONNECT refused");
        continue;
      }
    }
    if (url.https) {
      ssl::stream<beast::tcp_stream&> stream(conn, tls);
      conn.expires_after(timeout);
      co_await stream.async_handshake(ssl::stream_base::client, redirect_error(use_awaitable, ec));
      if (ec) {
        s.error("handshake: " + ec.message());
        continue;
      }
      co_await download(stream, conn, o, url, s, buf, began);
    } else {
      co_await download(conn, conn, o, url, s, buf, began);
    }
  }
}

}  // namespace

void run_tunnel_workload(const Options& o, RunStats& s) {
  asio::io_context ioc(1);
  Url url = *parse_url(o.url);
  tcp::endpoint server = resolve_one(ioc, o.proxy ? *o.proxy : url.origin);
  // The origin's certificate is a throwaway made at run time: no verification.
  ssl::context tls(ssl::context::tls_client);
  tls.set_verify_mode(ssl::verify_none);
  Budget budget(o.max_requests);
  for (unsigned i = 0; i < o.connections; ++i) {
    asio::co_spawn(ioc, download_loop(o, url, server, tls, s, budget), [&s](std::exception_ptr e) {
      if (e) s.error("exception");
    });
  }
  run_bounded(ioc, o.duration_s, s);
}

}  // namespace gh::load
