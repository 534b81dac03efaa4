// htpasswd checks, the credential cache, the failure throttle, the worker
// pool and the metrics text (README "Identity"). No network.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "auth/auth_workers.hpp"
#include "auth/credential_cache.hpp"
#include "auth/failure_throttle.hpp"
#include "auth/htpasswd_check.hpp"
#include "runtime/auth_metrics.hpp"

using namespace gh;

namespace {
// Made with crypt(3) for the password "secret".
const char* kSha512 =
    "$6$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68QkpDfPFUGPWX5uCxIQkSPzMm"
    "qEiVNgts.";
const char* kBcrypt2b = "$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a";
const char* kBcrypt2y = "$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a";
const char* kMd5 = "$1$abc$iCQ2D3nhptRYi27fDYv2s1";
}  // namespace

TEST_CASE("htpasswd: bcrypt and SHA-512-crypt only", "[auth][htpasswd]") {
  CHECK(htpasswd_matches("secret", kSha512));
  CHECK(htpasswd_matches("secret", kBcrypt2b));
  CHECK(htpasswd_matches("secret", kBcrypt2y));
  CHECK_FALSE(htpasswd_matches("Secret", kSha512));
  CHECK_FALSE(htpasswd_matches("secret ", kBcrypt2b));
  CHECK_FALSE(htpasswd_matches("", kBcrypt2b));
  CHECK_FALSE(htpasswd_matches("secret", kMd5));  // right password, refused scheme
  CHECK_FALSE(htpasswd_matches(std::string("secret\0x", 8), kSha512));
  CHECK_FALSE(htpasswd_matches("secret", "$6$"));
  CHECK_FALSE(htpasswd_matches("secret", "*0"));
}

TEST_CASE("credential cache: keyed by a salted hash, expires", "[auth][cache]") {
  using steady = std::chrono::steady_clock;
  CredentialCache cache(4);
  const auto now = steady::now();
  const AuthGeneration gen{7, 0};
  auto who = std::make_shared<AuthIdentity>(AuthIdentity{"alice", {"staff"}});
  cache.put("alice", "secret", gen, who, now + std::chrono::minutes(5));
  steady::time_point expires{};
  auto hit = cache.find("alice", "secret", gen, now, &expires);
  REQUIRE(hit);
  CHECK(expires == now + std::chrono::minutes(5));
  CHECK(hit->user == "alice");
  CHECK(hit->groups == std::vector<std::string>{"staff"});
  CHECK_FALSE(cache.find("alice", "Secret", gen, now));
  CHECK_FALSE(cache.find("alic", "esecret", gen, now));  // the NUL separator keeps them apart
  CHECK_FALSE(cache.find("alice", "secret", gen, now + std::chrono::minutes(5)));
  CHECK(cache.size() == 0);  // the expired entry went on lookup
  for (int i = 0; i < 10; ++i)
    cache.put("u" + std::to_string(i), "p", gen, who, now + std::chrono::minutes(1));
  CHECK(cache.size() <= 4);  // bounded
}

TEST_CASE("credential cache: another generation is a miss", "[auth][cache]") {
  using steady = std::chrono::steady_clock;
  CredentialCache cache;
  const auto now = steady::now();
  auto who = std::make_shared<AuthIdentity>(AuthIdentity{"alice", {}});
  cache.put("alice", "secret", AuthGeneration{7, 0}, who, now + std::chrono::minutes(5));
  CHECK(cache.find("alice", "secret", AuthGeneration{7, 0}, now));
  CHECK_FALSE(cache.find("alice", "secret", AuthGeneration{8, 0}, now));  // a changed config
  CHECK(cache.size() == 0);  // and the stale entry is gone
  cache.put("alice", "secret", AuthGeneration{7, 0}, who, now + std::chrono::minutes(5));
  CHECK_FALSE(cache.find("alice", "secret", AuthGeneration{7, 1}, now));  // forgotten (SIGHUP)
}

TEST_CASE("held secret: equal bytes only, moved not copied", "[auth][cache]") {
  HeldSecret a("Basic YWxpY2U6c2VjcmV0");
  CHECK(a.equals("Basic YWxpY2U6c2VjcmV0"));
  CHECK_FALSE(a.equals("Basic YWxpY2U6c2VjcmV1"));
  CHECK_FALSE(a.equals("Basic YWxpY2U6c2VjcmV0 "));  // longer
  CHECK_FALSE(a.equals("Basic YWxpY2U6c2Vjcm"));     // a prefix
  CHECK_FALSE(a.equals(""));
  HeldSecret b(std::move(a));
  CHECK(b.equals("Basic YWxpY2U6c2VjcmV0"));
  CHECK_FALSE(a.equals("Basic YWxpY2U6c2VjcmV0"));  // NOLINT: moved from holds nothing
  CHECK_FALSE(a.equals(""));
  b = HeldSecret("Basic Ym9iOnNlY3JldA==");
  CHECK(b.equals("Basic Ym9iOnNlY3JldA=="));
  CHECK_FALSE(HeldSecret().equals(""));
}

TEST_CASE("throttle: more than 10 failures in 60 s, then 60 s of 429", "[auth][throttle]") {
  using namespace std::chrono_literals;
  FailureThrottle t;
  const auto a = *IpAddress::parse("10.0.0.1");
  const auto b = *IpAddress::parse("10.0.0.2");
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) CHECK_FALSE(t.failure(a, now + std::chrono::seconds(i)));
  CHECK_FALSE(t.throttled(a, now + 10s));
  CHECK(t.failure(a, now + 10s));  // the 11th
  CHECK(t.throttled(a, now + 10s));
  CHECK(t.throttled(a, now + 69s));
  CHECK_FALSE(t.throttled(a, now + 70s));
  CHECK_FALSE(t.throttled(b, now + 10s));  // per address
  // Failures spread over more than 60 s do not add up.
  for (int i = 0; i < 20; ++i) CHECK_FALSE(t.failure(b, now + std::chrono::seconds(7 * i)));
}

TEST_CASE("worker pool: bounded queue, results back on the caller's executor", "[auth][workers]") {
  AuthWorkers pool(1, 1);
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  REQUIRE(pool.try_post([&] {
    for (int i = 0; i < 5000 && !release; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++ran;
  }));
  // The worker may not have taken the first job yet: at most two fit.
  int accepted = 0;
  for (int i = 0; i < 3; ++i) accepted += pool.try_post([&] { ++ran; }) ? 1 : 0;
  CHECK(accepted <= 1);
  release = true;
  for (int i = 0; i < 5000 && ran < 1 + accepted; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(ran == 1 + accepted);

  asio::io_context ioc;
  std::optional<int> got;
  std::thread::id resumed_on;
  const std::function<int()> answer = [] { return 42; };
  auto body = [&]() -> asio::awaitable<void> {  // named: it outlives co_spawn
    got = co_await run_on_workers<int>(pool, answer);
    resumed_on = std::this_thread::get_id();
  };
  asio::co_spawn(ioc, body(), asio::detached);
  ioc.run_for(std::chrono::seconds(10));
  REQUIRE(got);
  CHECK(*got == 42);
  CHECK(resumed_on == std::this_thread::get_id());
}

TEST_CASE("auth metrics render every outcome", "[auth][metrics]") {
  AuthMetrics m;
  m.count(AuthOutcome::failed);
  m.count(AuthOutcome::failed);
  m.count(AuthOutcome::ok_cached);
  const std::string text = m.render();
  CHECK(text.find("# TYPE gatehouse_auth_total counter\n") != std::string::npos);
  CHECK(text.find("gatehouse_auth_total{outcome=\"failed\"} 2\n") != std::string::npos);
  CHECK(text.find("gatehouse_auth_total{outcome=\"ok-cached\"} 1\n") != std::string::npos);
  CHECK(text.find("gatehouse_auth_total{outcome=\"throttled\"} 0\n") != std::string::npos);
}
