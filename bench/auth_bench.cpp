// The per-request cost of proxy authentication (README "Identity";
// bench/README.md, "Authentication rows"): Authenticator::check on the paths
// a request takes once its credentials are known, without sockets.
//
//   auth_bench [--checks N] [--runs R]
//
// Each run makes N checks inside one coroutine on one io_context (as a
// session does, one co_await per request) and reports ns per check; printed
// as the median of R runs with min and max. Paths:
//   basic-connection  Basic, the same header the connection already proved
//                     (a compare)
//   basic-cache       Basic, a new connection each time: decode, cache key,
//                     lock and lookup (what every request paid before the
//                     connection kept its proof)
//   negotiate         a connection that completed Negotiate
//   exempt            a client in auth.exempt
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/proxy_authorization.hpp"

namespace {

using namespace gh;
using Steady = std::chrono::steady_clock;

// crypt(3) SHA-512 of "Bench-pw-4471q" (the password bench/compare_auth.sh uses).
const char* kHash =
    "$6$benchsalt$cLg1jiE.ybaPbhPFD1TSTtn9r1Fo6Y0gutLW9Zhuc8RHpEccml84WGAyz08wiw.UqpIYu0qRFKBt7z"
    "cGS8v8h0";

std::shared_ptr<const Settings> settings() {
  auto s = std::make_shared<Settings>();
  AuthSettings& a = s->auth.emplace();
  a.schemes = {AuthScheme::negotiate, AuthScheme::basic};
  a.htpasswd_path = "users.htpasswd";
  a.htpasswd = {{"bench", kHash}};
  a.exempt = {*Cidr::parse("10.9.0.0/16")};
  a.fingerprint = 42;
  return s;
}

enum class Path { basic_connection, basic_cache, negotiate, exempt };

// ns per check over `n` checks, or a negative value if a check was refused.
double run(Authenticator& au, const std::shared_ptr<const Settings>& s, Path path, int n) {
  const std::string header = "Basic " + encode_base64("bench:Bench-pw-4471q");
  const auto client = *IpAddress::parse(path == Path::exempt ? "10.9.1.1" : "10.0.0.1");
  asio::io_context ioc;
  double ns = -1;
  auto body = [&]() -> asio::awaitable<void> {
    ConnectionAuth conn;
    if (path == Path::negotiate)
      conn.negotiated = std::make_shared<AuthIdentity>(AuthIdentity{"bench@GH.BENCH", {}});
    AuthAnswer first = co_await au.check(s, conn, client, header);  // verified once, cached
    if (first.verdict != AuthVerdict::authenticated && first.verdict != AuthVerdict::anonymous)
      co_return;
    if (path == Path::negotiate) conn.negotiated_generation = AuthGeneration{42, 0};
    const auto t0 = Steady::now();
    for (int i = 0; i < n; ++i) {
      if (path == Path::basic_cache) conn.basic.reset();
      AuthAnswer a = co_await au.check(s, conn, client, header);
      if (a.verdict != AuthVerdict::authenticated && a.verdict != AuthVerdict::anonymous) co_return;
    }
    ns = std::chrono::duration<double, std::nano>(Steady::now() - t0).count() / n;
  };
  asio::co_spawn(ioc, body(), asio::detached);
  ioc.run_for(std::chrono::seconds(120));
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  int checks = 200'000, runs = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--checks")) checks = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
  }
  AuthMetrics metrics;
  Authenticator au(metrics, 1, 16);
  const auto s = settings();
  const std::pair<const char*, Path> paths[] = {{"basic-connection", Path::basic_connection},
                                                {"basic-cache", Path::basic_cache},
                                                {"negotiate", Path::negotiate},
                                                {"exempt", Path::exempt}};
  std::printf("| path | ns per check (median of %d runs of %d) | min | max |\n|---|---|---|---|\n",
              runs, checks);
  for (const auto& [name, path] : paths) {
    std::vector<double> v;
    for (int r = 0; r < runs; ++r) v.push_back(run(au, s, path, checks));
    std::sort(v.begin(), v.end());
    if (v.front() < 0) {
      std::printf("| %s | refused: check the hash | | |\n", name);
      return 1;
    }
    std::printf("| %s | %.0f | %.0f | %.0f |\n", name, v[v.size() / 2], v.front(), v.back());
  }
  return 0;
}
