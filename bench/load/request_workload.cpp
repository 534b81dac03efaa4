// get and connect modes: each connection sends one request, reads the whole
// answer, and repeats (keep-alive) or reconnects (--new-connection, or when
// the server does not keep the connection).
#include <chrono>
#include <optional>
#include <string>

#include "proxy_auth.hpp"
#include "workloads.hpp"

namespace gh::load {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;

struct Plan {
  tcp::endpoint server;  // the proxy, or the origin when there is none
  std::string request;   // the bytes of one request (with Basic, its field)
  bool connect = false;
  std::optional<NegotiateClient> negotiate;  // --negotiate: a token per new connection
};

// The request with one more header field (which ends in CRLF) before the blank line.
std::string with_field(const std::string& request, const std::string& field) {
  return request.substr(0, request.size() - 2) + field + "\r\n";
}

void add_auth(Plan& p, const Options& o) {
  if (!o.proxy_user.empty()) p.request = with_field(p.request, basic_field(o.proxy_user));
  if (!o.negotiate_spn.empty()) p.negotiate.emplace(o.negotiate_spn);
}

Plan make_plan(asio::io_context& ioc, const Options& o) {
  Plan p;
  std::string close = o.new_connection ? "Connection: close\r\n" : "";
  if (o.mode == Mode::connect) {
    p.connect = true;
    p.server = resolve_one(ioc, *o.proxy);
    p.request = "CONNECT " + o.target + " HTTP/1.1\r\nHost: " + o.target +
                "\r\nUser-Agent: gh-load\r\n" + close + "\r\n";
    add_auth(p, o);
    return p;
  }
  Url url = *parse_url(o.url);
  std::string target = o.proxy ? "http://" + url.authority() + url.path : url.path;
  p.server = resolve_one(ioc, o.proxy ? *o.proxy : url.origin);
  p.request = "GET " + target + " HTTP/1.1\r\nHost: " + url.authority() +
              "\r\nUser-Agent: gh-load\r\nAccept: */*\r\n" + close + "\r\n";
  add_auth(p, o);
  return p;
}

awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  beast::error_code ec;
  co_await t.async_wait(redirect_error(use_awaitable, ec));
}

awaitable<void> connection_loop(const Options& o, Plan& plan, RunStats& s, Budget& budget) {
  auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  beast::flat_buffer buf;
  bool open = false;
  std::string first;  // --negotiate: this connection's first request, with its token
  auto drop = [&] {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    open = false;
  };
  while (budget.take()) {
    beast::error_code ec;
    auto began = Clock::now();  // a new connection's handshake counts in its request's latency
    if (!open) {
      buf.clear();
      stream.expires_after(timeout);
      co_await stream.async_connect(plan.server, redirect_error(use_awaitable, ec));
      if (ec) {
        s.error("connect: " + ec.message());
        co_await pause(std::chrono::milliseconds(10));  // do not spin on a dead server
        continue;
      }
      stream.socket().set_option(tcp::no_delay(true), ec);
      ++s.connects;
      open = true;
      if (plan.negotiate) {
        std::string why;
        const std::string field = plan.negotiate->field(why);
        if (field.empty()) {
          s.error(why);
          drop();
          co_await pause(std::chrono::milliseconds(10));
          continue;
        }
        ++s.negotiate_tokens;
        first = with_field(plan.request, field);
      }
    }
    const std::string& bytes = first.empty() ? plan.request : first;
    stream.expires_after(timeout);
    co_await asio::async_write(stream, asio::buffer(bytes), redirect_error(use_awaitable, ec));
    first.clear();
    if (ec) {
      s.error("write: " + ec.message());
      drop();
      continue;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    co_await http::async_read_header(stream, buf, parser, redirect_error(use_awaitable, ec));
    // A 2xx to CONNECT has no body: the tunnel is open. Anything else is an ordinary response.
    bool tunnel_open = plan.connect && !ec && parser.get().result_int() / 100 == 2;
    if (!ec && !tunnel_open && !parser.is_done()) {
      co_await http::async_read(stream, buf, parser, redirect_error(use_awaitable, ec));
    }
    if (ec) {
      s.error("read: " + ec.message());
      drop();
      continue;
    }
    s.latency(began);
    ++s.requests;
    unsigned status = parser.get().result_int();
    ++s.status[status];
    if (o.expect_status != 0 && status != o.expect_status) s.error("unexpected status");
    if (o.new_connection || tunnel_open || !parser.get().keep_alive()) drop();
  }
  if (open) drop();
}

}  // namespace

void run_request_workload(const Options& o, RunStats& s) {
  asio::io_context ioc(1);
  Plan plan = make_plan(ioc, o);
  Budget budget(o.max_requests);
  s.latency_us.reserve(1 << 20);
  for (unsigned i = 0; i < o.connections; ++i) {
    asio::co_spawn(ioc, connection_loop(o, plan, s, budget), [&s](std::exception_ptr e) {
      if (e) s.error("exception");
    });
  }
  run_bounded(ioc, o.duration_s, s);
}

}  // namespace gh::load
