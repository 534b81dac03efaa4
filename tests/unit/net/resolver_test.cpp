// The Resolver against a fake DNS server on 127.0.0.1 (fake_dns.hpp): c-ares
// on its own thread, answers delivered on the caller's executor; the hosts
// file first; cache and negative cache; the per-client cap; time-outs that
// free their slot (issue 10 class 6).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "net/resolver.hpp"
#include "unit/net/fake_dns.hpp"

using namespace gh;
using namespace std::chrono_literals;

namespace {

struct HostsFile {
  std::string path;
  explicit HostsFile(const std::string& text) {
    path = (std::filesystem::temp_directory_path() /
            ("gh-hosts-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
    std::ofstream(path) << text;
  }
  ~HostsFile() { std::remove(path.c_str()); }
  static inline int counter = 0;
};

ResolverSettings settings_for(const test::FakeDns& dns, const std::string& hosts) {
  ResolverSettings s;
  s.servers = {dns.server()};
  s.hosts_file = hosts;
  s.timeout = 2s;
  s.max_per_client = 4;
  return s;
}

const IpAddress kClientA = IpAddress::v4(0x0a000001);
const IpAddress kClientB = IpAddress::v4(0x0a000002);

// Runs `n` lookups concurrently on `ioc`; results in `out`, in completion order.
void spawn_lookup(asio::io_context& ioc, Resolver& r, std::string name, IpAddress client,
                  Millis timeout, std::vector<std::pair<std::string, ResolveResult>>& out) {
  asio::co_spawn(
      ioc,
      [&r, &out, name, client, timeout]() -> asio::awaitable<void> {
        auto res = co_await r.async_resolve(name, client, timeout, asio::use_awaitable);
        out.emplace_back(name, std::move(res));
      },
      asio::detached);
}

}  // namespace

TEST_CASE("resolver: an answer, then the cache answers without a query", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::vector<std::pair<std::string, ResolveResult>> got;
  spawn_lookup(ioc, r, "abc.test", kClientA, 5s, got);
  ioc.run_for(10s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].second.status == ResolveStatus::ok);
  CHECK(got[0].second.addresses == std::vector<IpAddress>{*IpAddress::parse("127.0.0.4")});
  const auto asked = dns.questions_for("abc.test");
  CHECK(asked >= 1);  // A and AAAA
  auto again = r.answer_now("abc.test");
  REQUIRE(again);
  CHECK(again->addresses == got[0].second.addresses);
  CHECK(dns.questions_for("abc.test") == asked);
  CHECK(r.stats().cache_answers == 1);
  CHECK(r.limit().in_flight() == 0);
}

TEST_CASE("resolver: no such name is cached as such", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::vector<std::pair<std::string, ResolveResult>> got;
  spawn_lookup(ioc, r, "nxname.test", kClientA, 5s, got);
  ioc.run_for(10s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].second.status == ResolveStatus::unresolvable);
  auto again = r.answer_now("nxname.test");
  REQUIRE(again);
  CHECK(again->status == ResolveStatus::unresolvable);
}

TEST_CASE("resolver: the hosts file and localhost never ask DNS", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("192.0.2.55 hang-listed.test\n");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::vector<std::pair<std::string, ResolveResult>> got;
  spawn_lookup(ioc, r, "hang-listed.test", kClientA, 5s, got);
  spawn_lookup(ioc, r, "localhost", kClientA, 5s, got);
  spawn_lookup(ioc, r, "x.localhost", kClientA, 5s, got);
  ioc.run_for(10s);
  REQUIRE(got.size() == 3);
  for (auto& [name, res] : got) {
    INFO(name);
    CHECK(res.status == ResolveStatus::ok);
  }
  CHECK(got[0].second.addresses == std::vector<IpAddress>{*IpAddress::parse("192.0.2.55")});
  CHECK(dns.questions() == 0);
  CHECK(r.stats().hosts_answers == 3);
}

TEST_CASE("resolver: a lookup that never answers times out and frees its slot", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::vector<std::pair<std::string, ResolveResult>> got;
  spawn_lookup(ioc, r, "hang1.test", kClientA, 200ms, got);
  ioc.run_for(10s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].second.status == ResolveStatus::timeout);
  CHECK(r.limit().in_flight() == 0);
  CHECK_FALSE(r.answer_now("hang1.test"));  // a time-out is not cached
}

TEST_CASE("resolver: over the per-client cap is overloaded; other clients go on", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));  // max_per_client 4
  std::vector<std::pair<std::string, ResolveResult>> got;
  for (int i = 0; i < 6; ++i)
    spawn_lookup(ioc, r, "hang" + std::to_string(i) + ".test", kClientA, 1500ms, got);
  for (int i = 0; i < 4; ++i)  // B's own cap
    spawn_lookup(ioc, r, "ok" + std::to_string(i) + ".test", kClientB, 1500ms, got);
  ioc.run_for(20s);
  REQUIRE(got.size() == 10);
  int overloaded = 0, timeouts = 0, ok = 0;
  for (auto& [name, res] : got) {
    if (name.starts_with("ok")) {
      INFO(name);
      CHECK(res.status == ResolveStatus::ok);
      ok += res.status == ResolveStatus::ok;
    } else {
      overloaded += res.status == ResolveStatus::overloaded;
      timeouts += res.status == ResolveStatus::timeout;
    }
  }
  CHECK(ok == 4);
  CHECK(overloaded == 2);
  CHECK(timeouts == 4);
  // Every answer for client B came before client A's first time-out.
  std::size_t first_timeout = got.size(), last_ok = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].second.status == ResolveStatus::timeout) first_timeout = std::min(first_timeout, i);
    if (got[i].second.status == ResolveStatus::ok) last_ok = i;
  }
  CHECK(last_ok < first_timeout);
  CHECK(r.stats().overloaded == 2);
  CHECK(r.limit().in_flight() == 0);
}

TEST_CASE("resolver: lookups of one name in flight share one query", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::vector<std::pair<std::string, ResolveResult>> got;
  for (int i = 0; i < 3; ++i)
    spawn_lookup(ioc, r, "slowshared.test", IpAddress::v4(0x0a000010u + i), 5s, got);
  ioc.run_for(10s);
  REQUIRE(got.size() == 3);
  for (auto& g : got) CHECK(g.second.status == ResolveStatus::ok);
  CHECK(r.stats().dns_queries == 1);
}

TEST_CASE("resolver: answers arrive on the caller's thread", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("");
  asio::io_context ioc;
  Resolver r(settings_for(dns, hosts.path));
  std::thread::id where;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        co_await r.async_resolve("where.test", kClientA, 5s, asio::use_awaitable);
        where = std::this_thread::get_id();
      },
      asio::detached);
  ioc.run_for(10s);
  CHECK(where == std::this_thread::get_id());
}

TEST_CASE("resolver: the hosts file is read again when it changes", "[resolver]") {
  test::FakeDns dns;
  HostsFile hosts("192.0.2.1 changing.test\n");
  Resolver r(settings_for(dns, hosts.path));
  REQUIRE(r.answer_now("changing.test"));
  CHECK(r.answer_now("changing.test")->addresses ==
        std::vector<IpAddress>{*IpAddress::parse("192.0.2.1")});
  std::this_thread::sleep_for(50ms);  // a different mtime
  std::ofstream(hosts.path) << "192.0.2.2 changing.test\n";
  bool changed = false;
  for (int i = 0; i < 60 && !changed; ++i) {  // re-checked every 2 s; up to 6 s here
    std::this_thread::sleep_for(100ms);
    auto a = r.answer_now("changing.test");
    changed = a && a->addresses == std::vector<IpAddress>{*IpAddress::parse("192.0.2.2")};
  }
  CHECK(changed);
}

TEST_CASE("resolver: bad servers are refused at start", "[resolver]") {
  ResolverSettings s;
  s.servers = {"not an address"};
  CHECK_THROWS_AS(Resolver(s), std::runtime_error);
}
