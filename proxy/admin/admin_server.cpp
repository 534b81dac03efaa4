#include "admin/admin_server.hpp"

#include "policy/endpoint.hpp"

#include <atomic>
#include <charconv>
#include <stdexcept>

#include "base/log.hpp"

namespace gh {

struct AdminServer::State {
  State(asio::any_io_executor ex, AdminContext c) : acceptor(ex), ctx(std::move(c)) {}
  tcp::acceptor acceptor;
  tcp::endpoint bound;
  AdminContext ctx;
  std::atomic<int> sessions{0};
};

namespace {

using namespace std::chrono_literals;

asio::awaitable<void> session(tcp::socket socket, std::shared_ptr<AdminServer::State> st) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer(8192);
  beast::error_code ec;
  // Bounded: a client may keep one connection for many scrapes, not forever.
  for (int requests = 0; requests < 10'000; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(8192);
    parser.body_limit(4096);
    stream.expires_after(10s);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    AdminResponse res = admin_response(st->ctx, parser.get());
    bool keep_alive = res.keep_alive();
    stream.expires_after(10s);
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

asio::awaitable<void> accept_loop(std::shared_ptr<AdminServer::State> st) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket =
        co_await st->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !st->acceptor.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning.
      log(LogLevel::warning, "admin: accept: %s", ec.message().c_str());
      asio::steady_timer t(st->acceptor.get_executor(), 100ms);
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (st->sessions.load() >= AdminServer::kMaxSessions) {
      socket.close(ec);
      continue;
    }
    st->sessions.fetch_add(1);
    asio::co_spawn(socket.get_executor(), session(std::move(socket), st),
                   [st](std::exception_ptr e) {
                     st->sessions.fetch_sub(1);
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& x) {
                         log(LogLevel::error, "admin: session: %s", x.what());
                       }
                     }
                   });
  }
}

}  // namespace

tcp::endpoint admin_endpoint(const std::string& address) {
  const auto e = parse_endpoint(address, EndpointHost::ip_only, true);
  if (!e) throw std::invalid_argument("bad address: " + address);
  return {asio::ip::make_address(e->host), e->port};
}

AdminServer::AdminServer(asio::any_io_executor ex, AdminContext ctx, const std::string& address)
    : state_(std::make_shared<State>(ex, std::move(ctx))) {
  tcp::endpoint ep = admin_endpoint(address);
  auto& a = state_->acceptor;
  a.open(ep.protocol());
  a.set_option(tcp::acceptor::reuse_address(true));
  if (ep.address().is_v6()) a.set_option(asio::ip::v6_only(true));
  a.bind(ep);
  a.listen(asio::socket_base::max_listen_connections);
  state_->bound = a.local_endpoint();
  asio::co_spawn(ex, accept_loop(state_), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        log(LogLevel::error, "admin: accept loop: %s", x.what());
      }
    }
  });
}

AdminServer::~AdminServer() { stop(); }

tcp::endpoint AdminServer::local_endpoint() const { return state_->bound; }

void AdminServer::stop() {
  // Close on the acceptor's executor: the accept loop may run on another thread.
  asio::post(state_->acceptor.get_executor(), [st = state_] {
    beast::error_code ec;
    st->acceptor.close(ec);
  });
}

}  // namespace gh
