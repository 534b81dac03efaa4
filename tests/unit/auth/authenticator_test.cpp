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
               const IpAddress& client, const std::string& header,
               std::uint64_t reload_requests = 0) {
  asio::io_context ioc;
  AuthAnswer out;
  out.verdict = AuthVerdict::anonymous;
  bool done = false;
  // A named closure: the coroutine reads its captures after co_spawn returns.
  auto body = [&]() -> asio::awaitable<void> {
    out = co_await au.check(s, conn, client, header, reload_requests);
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

namespace {

// The settings after a reload in which alice's password changed to "changed"
// and she moved to the group "audit" (another fingerprint, as the loader makes).
std::shared_ptr<const Settings> reloaded(const std::shared_ptr<const Settings>& before) {
  auto s = std::make_shared<Settings>(*before);
  AuthSettings& a = *s->auth;
  // crypt(3) of "changed" with the salt of kBcrypt.
  a.htpasswd["alice"] = "$2b$05$abcdefghijklmnopqrstuuZHDdPPl57vGSi2Jpi.TeOSHlzyP0rb6";
  a.groups_file["alice"] = {"audit"};
  a.fingerprint = before->auth->fingerprint + 1;
  return s;
}

}  // namespace

namespace {

// An authenticator, the settings and a client, for the cases below.
struct Gate {
  AuthMetrics m;
  Authenticator au{m, 2, 16};
  std::shared_ptr<const Settings> s = settings();
  IpAddress client = *IpAddress::parse("10.0.0.1");

  AuthVerdict ask(ConnectionAuth& conn, const std::string& header, std::uint64_t reloads = 0) {
    return run(au, s, conn, client, header, reloads).verdict;
  }
  std::uint64_t count(AuthOutcome o) const { return m.value(o); }
};

constexpr auto kOk = AuthVerdict::authenticated;

}  // namespace

TEST_CASE_METHOD(Gate,
                 "authenticator: a connection that proved its credentials is known by a compare",
                 "[auth][authenticator]") {
  ConnectionAuth conn;
  CHECK(ask(conn, basic("alice:secret")) == kOk);
  REQUIRE(conn.basic);
  CHECK(conn.basic->who->user == "alice");
  for (int i = 0; i < 3; ++i) CHECK(ask(conn, basic("alice:secret")) == kOk);
  CHECK(count(AuthOutcome::ok_basic) == 1);
  CHECK(count(AuthOutcome::ok_cached) == 3);
  // Other credentials on the same connection are checked, not waved through.
  CHECK(ask(conn, basic("alice:wrong")) == AuthVerdict::failed);
  CHECK_FALSE(conn.basic);
  CHECK_FALSE(conn.current);
  CHECK(ask(conn, "") == AuthVerdict::required);
  // The proof expires with the cache entry it came from.
  CHECK(ask(conn, basic("bob:secret")) == kOk);
  REQUIRE(conn.basic);
  conn.basic->expires = std::chrono::steady_clock::now();
  const auto cached_before = count(AuthOutcome::ok_cached);
  CHECK(ask(conn, basic("bob:secret")) == kOk);
  CHECK(count(AuthOutcome::ok_cached) == cached_before + 1);  // back through the cache
}

TEST_CASE_METHOD(Gate, "authenticator: a reload that changes who is who drops verified credentials",
                 "[auth][authenticator][reload]") {
  ConnectionAuth kept, fresh;
  CHECK(ask(kept, basic("alice:secret")) == kOk);
  CHECK(ask(fresh, basic("alice:secret")) == kOk);
  CHECK(count(AuthOutcome::ok_cached) == 1);  // the second connection hit the cache

  s = reloaded(s);
  // The old password, on the connection that proved it and on a new one: refused.
  CHECK(ask(kept, basic("alice:secret")) == AuthVerdict::failed);
  ConnectionAuth other;
  CHECK(ask(other, basic("alice:secret")) == AuthVerdict::failed);
  // The new one works, with the new group.
  CHECK(ask(other, basic("alice:changed")) == kOk);
  REQUIRE(other.current);
  CHECK(other.current->groups == std::vector<std::string>{"audit"});
  // bob's entry did not change, but his cached credentials were verified under
  // the old configuration: checked again by the backend.
  const auto ok_before = count(AuthOutcome::ok_basic);
  CHECK(ask(other, basic("bob:secret")) == kOk);
  CHECK(count(AuthOutcome::ok_basic) == ok_before + 1);
}

TEST_CASE_METHOD(Gate, "authenticator: a reload asked for (SIGHUP) makes everyone prove it again",
                 "[auth][authenticator][reload]") {
  ConnectionAuth conn;
  CHECK(ask(conn, basic("alice:secret")) == kOk);
  CHECK(ask(conn, basic("alice:secret")) == kOk);
  CHECK(count(AuthOutcome::ok_basic) == 1);
  // Runtime::reload_requests went from 0 to 1: the same settings, yet verified again.
  CHECK(ask(conn, basic("alice:secret"), 1) == kOk);
  CHECK(count(AuthOutcome::ok_basic) == 2);  // the backend again, not the connection or cache
  ConnectionAuth other;
  CHECK(ask(other, basic("alice:secret"), 1) == kOk);
  CHECK(count(AuthOutcome::ok_cached) == 2);
}

TEST_CASE_METHOD(
    Gate, "authenticator: a negotiated connection keeps its principal, its groups follow a reload",
    "[auth][authenticator][reload]") {
  ConnectionAuth conn;
  // As check_negotiate_async leaves a connection after GSS_S_COMPLETE.
  conn.negotiated = std::make_shared<AuthIdentity>(AuthIdentity{"alice@EX.TEST", {"staff"}});
  conn.negotiated_generation = AuthGeneration{s->auth->fingerprint, 0};
  CHECK(ask(conn, "") == kOk);
  CHECK(conn.current->groups == std::vector<std::string>{"staff"});
  s = reloaded(s);
  CHECK(ask(conn, "") == kOk);
  REQUIRE(conn.current);
  CHECK(conn.current->user == "alice@EX.TEST");
  CHECK(conn.current->groups == std::vector<std::string>{"audit"});  // looked up again
  CHECK(count(AuthOutcome::ok_negotiate) == 0);                      // no new exchange
}
