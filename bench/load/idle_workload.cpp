// idle mode: open --connections CONNECT tunnels to --target, push a few bytes
// through each (an unfinished HTTP request line, so the proxy has classified
// the tunnel as not-TLS and is relaying, and the origin keeps waiting), then
// hold them all until the duration ends. The proxy's RSS while they are held,
// less its RSS before, divided by the count, is its memory per idle tunnel.
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "workloads.hpp"

namespace gh::load {
namespace {

using asio::awaitable;
using asio::redirect_error;
using asio::use_awaitable;

struct Held {
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  unsigned opening = 0;  // opener coroutines still running
  bool stopping = false;
};

// Notices a tunnel that the proxy (or origin) closes while it should be idle.
awaitable<void> watch(tcp::socket& sock, RunStats& s, Held& held) {
  char byte[64];
  beast::error_code ec;
  co_await sock.async_read_some(asio::buffer(byte), redirect_error(use_awaitable, ec));
  if (!held.stopping) ++s.dropped;
}

awaitable<bool> open_one(const Options& o, tcp::endpoint proxy, RunStats& s, Held& held) {
  auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  beast::error_code ec;
  auto began = Clock::now();
  stream.expires_after(timeout);
  co_await stream.async_connect(proxy, redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("connect: " + ec.message());
    co_return false;
  }
  ++s.connects;
  std::string req = "CONNECT " + o.target + " HTTP/1.1\r\nHost: " + o.target + "\r\n\r\n";
  co_await asio::async_write(stream, asio::buffer(req), redirect_error(use_awaitable, ec));
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> parser;
  if (!ec) co_await http::async_read_header(stream, buf, parser, redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("read: " + ec.message());
    co_return false;
  }
  ++s.status[parser.get().result_int()];
  if (parser.get().result_int() != 200) {
    s.error("CONNECT refused");
    co_return false;
  }
  static const std::string first_bytes = "GET / HTTP/1.1\r\n";
  co_await asio::async_write(stream, asio::buffer(first_bytes), redirect_error(use_awaitable, ec));
  if (ec) {
    s.error("write: " + ec.message());
    co_return false;
  }
  s.latency(began);
  ++s.requests;
  held.sockets.push_back(std::make_unique<tcp::socket>(stream.release_socket()));
  co_return true;
}

awaitable<void> opener(const Options& o, tcp::endpoint proxy, RunStats& s, Held& held,
                       Budget& budget, unsigned share) {
  auto ex = co_await asio::this_coro::executor;
  for (unsigned i = 0; i < share && budget.take(); ++i) {
    if (co_await open_one(o, proxy, s, held)) {
      asio::co_spawn(ex, watch(*held.sockets.back(), s, held), asio::detached);
    }
  }
  if (--held.opening == 0 && !o.ready_file.empty()) {
    std::ofstream(o.ready_file) << held.sockets.size() << "\n";
  }
}

}  // namespace

void run_idle_workload(const Options& o, RunStats& s) {
  asio::io_context ioc(1);
  tcp::endpoint proxy = resolve_one(ioc, *o.proxy);
  Held held;
  held.sockets.reserve(o.connections);
  Budget budget(o.max_requests);
  unsigned openers = std::min(o.ramp_parallel, o.connections);
  held.opening = openers;
  for (unsigned i = 0; i < openers; ++i) {
    unsigned share = o.connections / openers + (i < o.connections % openers ? 1 : 0);
    asio::co_spawn(ioc, opener(o, proxy, s, held, budget, share), [&s](std::exception_ptr e) {
      if (e) s.error("exception");
    });
  }
  // Watchers never finish by themselves: the duration ends the hold.
  run_bounded(ioc, o.duration_s, s);
  held.stopping = true;
}

}  // namespace gh::load
