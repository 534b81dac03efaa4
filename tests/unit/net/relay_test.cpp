// relay(): bytes both ways over real loopback sockets, half-close passed
// on, counts right, for splice(2) and for the copying fallback.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "net/relay.hpp"
#include "socket_pair.hpp"

using namespace gh;
using gh::test::socket_pair;

namespace {

// client <-> proxy_a and proxy_b <-> server; the relay joins proxy_a and
// proxy_b. Members, not structured bindings: the tests' lambdas capture them,
// which clang 14 (the fuzz build) cannot do with bindings.
struct RelayEnds {
  explicit RelayEnds(asio::io_context& ioc) : left(socket_pair(ioc)), right(socket_pair(ioc)) {}
  std::pair<tcp::socket, tcp::socket> left, right;
  tcp::socket& client = left.first;
  tcp::socket& proxy_a = left.second;
  tcp::socket& proxy_b = right.first;
  tcp::socket& server = right.second;
};

void run_relay(RelayMethod method) {
  asio::io_context ioc;
  RelayEnds e(ioc);
  const std::string up(300 * 1024, 'u');
  const std::string down(70 * 1024, 'd');
  RelayResult result;
  std::string server_got, client_got;

  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        result = co_await relay(e.proxy_a, e.proxy_b, Millis(30'000), method);
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await asio::async_write(e.client, asio::buffer(up), asio::use_awaitable);
        e.client.shutdown(tcp::socket::shutdown_send);  // half-close: the server must see EOF
        boost::system::error_code ec;
        co_await asio::async_read(e.client, asio::dynamic_buffer(client_got),
                                  asio::redirect_error(asio::use_awaitable, ec));
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        boost::system::error_code ec;
        co_await asio::async_read(e.server, asio::dynamic_buffer(server_got),
                                  asio::redirect_error(asio::use_awaitable, ec));
        // Only after EOF does the server answer: half-close worked.
        co_await asio::async_write(e.server, asio::buffer(down), asio::use_awaitable);
        e.server.shutdown(tcp::socket::shutdown_send);
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
  RelayEnds e(ioc);
  RelayResult result;
  bool done = false;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        result = co_await relay(e.proxy_a, e.proxy_b, Millis(50));
        done = true;
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(20));
  REQUIRE(done);
  REQUIRE(result.idle_timeout);
}

namespace {

// Pipes this process holds open (splice pipes, pooled or in use).
int open_pipes() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (!ec && target.string().rfind("pipe:", 0) == 0) ++n;
  }
  return n;
}

struct Tunnel {
  tcp::socket client, proxy_a, proxy_b, server;
};

// Sends `bytes` from the client end to the server end of each tunnel in
// turn and reads them there.
void pass_bytes(asio::io_context& ioc, std::vector<Tunnel>& ts, std::size_t bytes) {
  const std::string data(bytes, 'x');
  for (auto& t : ts) {
    std::string got;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          co_await asio::async_write(t.client, asio::buffer(data), asio::use_awaitable);
          got.resize(bytes);
          co_await asio::async_read(t.server, asio::buffer(got), asio::use_awaitable);
        },
        asio::detached);
    ioc.restart();
    for (int i = 0; i < 200 && got != data; ++i) ioc.run_for(std::chrono::milliseconds(10));
    REQUIRE(got == data);
  }
}

}  // namespace

TEST_CASE("idle tunnels hold no splice pipe; pipes go back to the pool") {
  // On a thread of its own: the pool is per thread, and starts empty here.
  std::thread([] {
    asio::io_context ioc;
    const int before = open_pipes();
    std::vector<Tunnel> ts;
    for (int i = 0; i < 20; ++i) {
      auto [c, a] = socket_pair(ioc);
      auto [b, s] = socket_pair(ioc);
      ts.push_back(Tunnel{std::move(c), std::move(a), std::move(b), std::move(s)});
    }
    for (auto& t : ts) {
      asio::co_spawn(
          ioc,
          [&t]() -> asio::awaitable<void> {
            co_await relay(t.proxy_a, t.proxy_b, Millis(30'000), RelayMethod::splice);
          },
          asio::detached);
    }
    ioc.run_for(std::chrono::milliseconds(100));
    // 20 idle tunnels hold no pipe; the pool may keep the one pipe their
    // first (empty) splice attempts shared.
    CHECK(open_pipes() <= before + 2);

    pass_bytes(ioc, ts, 256 * 1024);
    // Bytes went through one tunnel at a time: a pipe or two served them
    // all, and they are back in the pool, not held by idle tunnels.
    CHECK(open_pipes() <= before + 4);
    CHECK(open_pipes() > before);  // splice was really used
    for (auto& t : ts) {
      boost::system::error_code ec;
      t.client.close(ec);
      t.server.close(ec);
    }
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(200));
  }).join();
}

#if !defined(__SANITIZE_ADDRESS__)  // the sanitizers need descriptors of their own
TEST_CASE("without descriptors for a pipe the relay copies instead") {
  // A thread of its own: its pipe pool is empty, so every pipe would need
  // a new descriptor.
  std::thread([] {
    asio::io_context ioc;
    std::vector<Tunnel> ts;
    auto [c, a] = socket_pair(ioc);
    auto [b, s] = socket_pair(ioc);
    ts.push_back(Tunnel{std::move(c), std::move(a), std::move(b), std::move(s)});
    // No descriptor free above the highest one open: pipe2() fails.
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    int highest = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
      highest = std::max(highest, std::stoi(e.path().filename().string()));
    }
    rlimit tight = old;
    tight.rlim_cur = static_cast<rlim_t>(highest) + 1;
    const int pipes = open_pipes();  // (reading /proc/self/fd takes a descriptor)
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    // ...nor below it: fill the holes other tests left.
    std::vector<int> fillers;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
    asio::co_spawn(
        ioc,
        [&ts]() -> asio::awaitable<void> {
          co_await relay(ts[0].proxy_a, ts[0].proxy_b, Millis(30'000), RelayMethod::splice);
        },
        asio::detached);
    pass_bytes(ioc, ts, 200 * 1024);
    for (int fd : fillers) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &old);
    CHECK(open_pipes() == pipes);  // a pipe made meanwhile would be in the pool
    boost::system::error_code ec;
    ts[0].client.close(ec);
    ts[0].server.close(ec);
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(200));
  }).join();
}
#endif
