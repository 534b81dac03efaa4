// The admin listener over a real loopback socket, driven by a Beast client.
#include <catch2/catch.hpp>

#include <thread>

#include "admin/admin_server.hpp"
#include "prom_text.hpp"

using namespace gh;
using namespace std::chrono_literals;

namespace {

struct Server {
  asio::io_context ioc;
  Runtime rt;
  std::optional<AdminServer> admin;
  std::thread thread;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};

  explicit Server(const std::string& address = "127.0.0.1:0") {
    AdminContext ctx;
    ctx.runtime = &rt;
    ctx.pac = [](const Settings&) {
      return std::string("function FindProxyForURL(u, h) { return \"DIRECT\"; }\n");
    };
    admin.emplace(ioc.get_executor(), ctx, address);
    thread = std::thread([this] { ioc.run_for(60s); });
  }
  ~Server() {
    admin.reset();
    work.reset();
    ioc.stop();
    thread.join();
  }
};

// One request per connection, or several on one keep-alive connection.
std::vector<AdminResponse> fetch(const tcp::endpoint& ep, const std::vector<std::string>& targets) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(10s);
  stream.connect(ep);
  std::vector<AdminResponse> out;
  beast::flat_buffer buf;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    AdminRequest req{http::verb::get, targets[i], 11};
    req.set(http::field::host, "localhost");
    req.keep_alive(i + 1 < targets.size());
    http::write(stream, req);
    AdminResponse res;
    http::read(stream, buf, res);
    out.push_back(std::move(res));
  }
  return out;
}

}  // namespace

TEST_CASE("admin server answers over loopback, keep-alive included") {
  Server s;
  auto ep = s.admin->local_endpoint();
  REQUIRE(ep.port() != 0);
  auto rs = fetch(ep, {"/healthz", "/readyz", "/metrics", "/wpad.dat", "/nope"});
  REQUIRE(rs.size() == 5);
  CHECK(rs[0].result() == http::status::ok);
  CHECK(rs[1].result() == http::status::service_unavailable);
  CHECK(rs[2].result() == http::status::ok);
  CHECK(prom::parse(rs[2].body()).errors.empty());
  CHECK(rs[3].result() == http::status::not_found);  // no settings loaded yet
  CHECK(rs[4].result() == http::status::not_found);

  s.rt.settings.store(std::make_shared<Settings>());
  s.rt.rules.store(std::make_shared<RuleSet>());
  s.rt.metrics.connection_opened();
  rs = fetch(ep, {"/readyz", "/proxy.pac", "/metrics"});
  CHECK(rs[0].result() == http::status::ok);
  CHECK(rs[1][http::field::content_type] == "application/x-ns-proxy-autoconfig");
  CHECK(prom::parse(rs[2].body()).value("gatehouse_connections_total") == 1);
}

TEST_CASE("admin server refuses bad addresses and stops accepting on stop()") {
  CHECK_THROWS_AS(admin_endpoint("nonsense"), std::invalid_argument);
  CHECK_THROWS_AS(admin_endpoint("127.0.0.1:99999"), std::invalid_argument);
  CHECK_THROWS_AS(admin_endpoint("[::1"), std::invalid_argument);
  CHECK(admin_endpoint("[::1]:9090").address().is_v6());
  // One rule for every address (policy/endpoint.hpp): the config loader
  // refused ":9090" while this parser took it; now both refuse it.
  CHECK_THROWS_AS(admin_endpoint(":9090"), std::invalid_argument);

  Server s;
  auto ep = s.admin->local_endpoint();
  CHECK(fetch(ep, {"/healthz"}).at(0).result() == http::status::ok);
  // Binding the same port again fails loudly.
  asio::io_context other;
  CHECK_THROWS(AdminServer(other.get_executor(), AdminContext{&s.rt, {}, {}},
                           "127.0.0.1:" + std::to_string(ep.port())));
  s.admin->stop();
  // The acceptor closes on the server's thread; new connections are refused soon after.
  bool refused = false;
  for (int i = 0; i < 50 && !refused; ++i) {
    asio::io_context ioc;
    tcp::socket sock(ioc);
    beast::error_code ec;
    sock.connect(ep, ec);
    refused = static_cast<bool>(ec);
    if (!refused) std::this_thread::sleep_for(20ms);
  }
  CHECK(refused);
}
