// relay(): bytes both ways over real loopback sockets, half-close passed
// on, counts right, for splice(2) and for the copying fallback.
#include <catch2/catch.hpp>

#include <string>

#include "net/relay.hpp"

using namespace gh;

namespace {

// A connected pair of loopback sockets.
std::pair<tcp::socket, tcp::socket> socket_pair(asio::io_context& ioc) {
  tcp::acceptor acc(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket a(ioc), b(ioc);
  a.connect(acc.local_endpoint());
  acc.accept(b);
  return {std::move(a), std::move(b)};
}

void run_relay(RelayMethod method) {
  asio::io_context ioc;
  auto [client, proxy_a] = socket_pair(ioc);
  auto [proxy_b, server] = socket_pair(ioc);
  const std::string up(300 * 1024, 'u');
  const std::string down(70 * 1024, 'd');
  RelayResult result;
  std::string server_got, client_got;

  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        result = co_await relay(proxy_a, proxy_b, Millis(30'000), method);
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await asio::async_write(client, asio::buffer(up), asio::use_awaitable);
        client.shutdown(tcp::socket::shutdown_send);  // half-close: the server must see EOF
        boost::system::error_code ec;
        co_await asio::async_read(client, asio::dynamic_buffer(client_got),
                                  asio::redirect_error(asio::use_awaitable, ec));
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        boost::system::error_code ec;
        co_await asio::async_read(server, asio::dynamic_buffer(server_got),
                                  asio::redirect_error(asio::use_awaitable, ec));
        // Only after EOF does the server answer: half-close worked.
        co_await asio::async_write(server, asio::buffer(down), asio::use_awaitable);
        server.shutdown(tcp::socket::shutdown_send);
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  REQUIRE(server_got == up);
  REQUIRE(client_got == down);
  REQUIRE(result.bytes_up == up.size());
  REQUIRE(result.bytes_down == down.size());
  REQUIRE_FALSE(result.idle_timeout);
}

}  // namespace

TEST_CASE("relay with splice") { run_relay(RelayMethod::splice); }
TEST_CASE("relay with fixed buffers") { run_relay(RelayMethod::copy); }

TEST_CASE("relay ends an idle tunnel") {
  asio::io_context ioc;
  auto [client, proxy_a] = socket_pair(ioc);
  auto [proxy_b, server] = socket_pair(ioc);
  RelayResult result;
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        result = co_await relay(proxy_a, proxy_b, Millis(50));
        done = true;
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(20));
  REQUIRE(done);
  REQUIRE(result.idle_timeout);
}
