// Authenticator::check driven on an io_context: cache, failures, throttle,
// exempt, and that it holds no reference to the settings afterwards.
#include <catch2/catch.hpp>

#include <thread>

#include "auth/authenticator.hpp"
#include "auth/proxy_authorization.hpp"

using namespace gh;

namespace {

const char* kBcrypt = "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a";  // "secret"

AuthAnswer run(Authenticator& au, const std::shared_ptr<const Settings>& s, ConnectionAuth& conn,
               const IpAddress& client, const std::string& header) {
  asio::io_context ioc;
  AuthAnswer out;
  out.verdict = AuthVerdict::anonymous;
  bool done = false;
  // A named closure: the coroutine reads its captures after co_spawn returns.
  auto body = [&]() -> asio::awaitable<void> {
    out = co_await au.check(s, conn, client, header);
    done = true;
  };
  asio::co_spawn(ioc, body(), asio::detached);
  ioc.run_for(std::chrono::seconds(20));
  REQUIRE(done);
  return out;
}

std::shared_ptr<const Settings> settings() {
  auto s = std::make_shared<Settings>();
  AuthSettings& a = s->auth.emplace();
  a.schemes = {AuthScheme::basic};
  a.htpasswd_path = "users.htpasswd";
  a.htpasswd = {{"alice", kBcrypt}, {"bob", kBcrypt}};
  a.groups_file_path = "groups.yaml";
  a.groups_file = {{"alice", {"staff"}}};
  a.exempt = {*Cidr::parse("10.9.0.0/16")};
  return s;
}

// The worker drops its copy of the job just after posting the result: wait
// for it (bounded) before counting references.
long settled_refs(const std::shared_ptr<const Settings>& s, long want) {
  for (int i = 0; i < 2000 && s.use_count() != want; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return s.use_count();
}

std::string basic(const std::string& up) { return "Basic " + encode_base64(up); }

}  // namespace

TEST_CASE("authenticator: Basic, cache, failures, settings not held", "[auth][authenticator]") {
  AuthMetrics m;
  Authenticator au(m, 2, 16);
  auto s = settings();
  ConnectionAuth conn;
  const auto client = *IpAddress::parse("10.0.0.1");
  const long refs = s.use_count();
  for (const char* who : {"alice", "alice", "bob", "alice", "bob", "alice"}) {
    INFO(who);
    auto a = run(au, s, conn, client, basic(std::string(who) + ":secret"));
    CHECK(a.verdict == AuthVerdict::authenticated);
    REQUIRE(conn.current);
    CHECK(conn.current->user == who);
    CHECK(settled_refs(s, refs) == refs);
  }
  run(au, s, conn, client, basic("alice:secret"));
  CHECK(conn.current->groups == std::vector<std::string>{"staff"});
  CHECK(m.value(AuthOutcome::ok_basic) == 2);
  CHECK(m.value(AuthOutcome::ok_cached) == 5);

  CHECK(run(au, s, conn, client, "").verdict == AuthVerdict::required);
  CHECK_FALSE(conn.current);
  CHECK(run(au, s, conn, client, basic("alice:wrong")).verdict == AuthVerdict::failed);
  CHECK(run(au, s, conn, client, "Basic !!").verdict == AuthVerdict::failed);
  CHECK(run(au, s, conn, *IpAddress::parse("10.9.1.1"), "").verdict == AuthVerdict::anonymous);
  // The 11th failure from one address throttles it, right password or not.
  const auto guesser = *IpAddress::parse("10.0.0.66");
  for (int i = 0; i < 11; ++i)
    CHECK(run(au, s, conn, guesser, basic("alice:guess" + std::to_string(i))).verdict ==
          AuthVerdict::failed);
  CHECK(run(au, s, conn, guesser, basic("alice:secret")).verdict == AuthVerdict::throttled);
  CHECK(run(au, s, conn, client, basic("alice:secret")).verdict == AuthVerdict::authenticated);
  CHECK(settled_refs(s, refs) == refs);
}
