// The trivial server that gives the generator's own ceiling: it parses each
// request with Beast (as a proxy must) and answers a fixed 403, keep-alive
// unless the client asked to close. Runs for --duration seconds at most.
#include <chrono>
#include <csignal>
#include <iostream>
#include <string>

#include "workloads.hpp"

namespace gh::load {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;

const std::string kBody = "blocked by the trivial server\n";
const std::string kKeepAlive =
    "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
    "Content-Length: " +
    std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
const std::string kClose =
    "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
    "Connection: close\r\nContent-Length: " +
    std::to_string(kBody.size()) + "\r\n\r\n" + kBody;

awaitable<void> session(tcp::socket sock) {
  beast::flat_buffer buf;
  beast::error_code ec;
  sock.set_option(tcp::no_delay(true), ec);
  for (;;) {
    http::request_parser<http::empty_body> parser;
    co_await http::async_read(sock, buf, parser, redirect_error(use_awaitable, ec));
    if (ec) break;
    bool keep = parser.get().keep_alive();
    co_await asio::async_write(sock, asio::buffer(keep ? kKeepAlive : kClose),
                               redirect_error(use_awaitable, ec));
    if (ec || !keep) break;
  }
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    beast::error_code ec;
    tcp::socket sock = co_await acceptor.async_accept(redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE: try the next one
    asio::co_spawn(acceptor.get_executor(), session(std::move(sock)), asio::detached);
  }
}

}  // namespace

int serve_403(const Options& o) {
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), o.serve_403_port);
  acceptor.open(ep.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(4096);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) { ioc.stop(); });
  asio::co_spawn(ioc, accept_loop(acceptor), asio::detached);
  std::cerr << "load: serving 403 on 127.0.0.1:" << o.serve_403_port << " for " << o.duration_s
            << " s\n";
  ioc.run_for(std::chrono::milliseconds(static_cast<long>(o.duration_s * 1000)));
  return 0;
}

}  // namespace gh::load
