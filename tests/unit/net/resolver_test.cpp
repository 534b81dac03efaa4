// ResolverPool: one slow name must not hold up others (Asio's own resolver
// runs every lookup on a single thread); results come back on the asking
// executor; a full queue is refused, not grown.
#include <catch2/catch.hpp>

#include <future>
#include <string>
#include <vector>

#include "net/resolver.hpp"

using namespace gh;

namespace {

struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened{open.get_future().share()};
};

}  // namespace

TEST_CASE("a slow lookup does not delay a fast one") {
  Gate gate;
  // Declared before the pool: lookup threads are joined while the loop
  // they post to still exists.
  asio::io_context ioc;
  ResolverPool pool(4, 16, [&](const std::string& host) -> std::optional<std::vector<IpAddress>> {
    if (host == "slow.test") gate.opened.wait();
    return std::vector<IpAddress>{IpAddress::v4(0xC0000201)};  // 192.0.2.1
  });
  std::vector<std::string> order;
  ResolveStatus slow_status = ResolveStatus::unresolvable;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto r = co_await pool.async_resolve("slow.test", Millis(60'000), asio::use_awaitable);
        slow_status = r.status;
        order.push_back("slow");
      },
      asio::detached);
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto r = co_await pool.async_resolve("fast.test", Millis(60'000), asio::use_awaitable);
        REQUIRE(r.status == ResolveStatus::ok);
        REQUIRE(r.addresses.size() == 1);
        order.push_back("fast");
        gate.open.set_value();  // only now may the slow one finish
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  REQUIRE(order == std::vector<std::string>{"fast", "slow"});
  REQUIRE(slow_status == ResolveStatus::ok);
}

TEST_CASE("results are delivered on the caller's executor thread") {
  // Declared before the pool: lookup threads are joined while the loop
  // they post to still exists.
  asio::io_context ioc;
  ResolverPool pool(2, 16, [](const std::string&) -> std::optional<std::vector<IpAddress>> {
    return std::vector<IpAddress>{IpAddress::v4(0x7f000001)};
  });
  std::thread::id where;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await pool.async_resolve("a.test", Millis(60'000), asio::use_awaitable);
        where = std::this_thread::get_id();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  REQUIRE(where == std::this_thread::get_id());
}

TEST_CASE("unresolvable names and time-outs are reported as such") {
  Gate gate;
  // Declared before the pool: lookup threads are joined while the loop
  // they post to still exists.
  asio::io_context ioc;
  ResolverPool pool(2, 16, [&](const std::string& host) -> std::optional<std::vector<IpAddress>> {
    if (host == "hang.test") gate.opened.wait();
    return std::nullopt;
  });
  ResolveStatus missing = ResolveStatus::ok, hung = ResolveStatus::ok;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        missing =
            (co_await pool.async_resolve("nx.test", Millis(60'000), asio::use_awaitable)).status;
        hung = (co_await pool.async_resolve("hang.test", Millis(20), asio::use_awaitable)).status;
        gate.open.set_value();
      },
      asio::detached);
  ioc.run_for(std::chrono::seconds(30));
  REQUIRE(missing == ResolveStatus::unresolvable);
  REQUIRE(hung == ResolveStatus::timeout);
}

TEST_CASE("a full queue is refused as overloaded") {
  Gate gate;
  // Declared before the pool: lookup threads are joined while the loop
  // they post to still exists.
  asio::io_context ioc;
  ResolverPool pool(1, 1, [&](const std::string&) -> std::optional<std::vector<IpAddress>> {
    gate.opened.wait();
    return std::nullopt;
  });
  std::vector<ResolveStatus> got;
  // The first occupies the only thread, the second fills the queue (size 1)
  // once the thread took the first; the rest must be refused.
  for (int i = 0; i < 4; ++i) {
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          auto r = co_await pool.async_resolve("x.test", Millis(60'000), asio::use_awaitable);
          got.push_back(r.status);
          if (r.status == ResolveStatus::overloaded && got.size() == 2) gate.open.set_value();
        },
        asio::detached);
  }
  ioc.run_for(std::chrono::seconds(30));
  REQUIRE(got.size() == 4);
  REQUIRE(std::count(got.begin(), got.end(), ResolveStatus::overloaded) >= 2);
}
