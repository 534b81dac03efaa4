// The TLS floor of an HTTPS block page (README "HTTPS interception"): the
// server-side OpenSSL CPU of one TLS 1.3 handshake with a minted leaf
// (gatehouse's client-facing context, EC P-256, X25519), one request read
// and a 1.5 KB answer written, in memory (a BIO pair, no sockets, no kernel).
// Only the server's calls are timed (thread CPU time), the client's are not.
// Argument: TLS 1.3 session tickets the server sends (0: what block pages send).
//   build/bench/handshake_bench --benchmark_repetitions=12
//     --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <vector>

#include "tls/leaf_minter.hpp"
#include "tls/tls_contexts.hpp"
#include "unit/tls/test_ca.hpp"

namespace {

using namespace gh;

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs `f` on the server side and adds its CPU time to `acc`.
template <class F>
auto timed(double& acc, F&& f) {
  const double t0 = thread_cpu_s();
  auto r = f();
  acc += thread_cpu_s() - t0;
  return r;
}

// One connection: handshake, request, page, close_notify; the server's CPU seconds.
double one_page(SSL_CTX* server_ctx, SSL_CTX* client_ctx, const Leaf& leaf) {
  double cpu = 0;
  SSL* s = timed(cpu, [&] { return SSL_new(server_ctx); });
  timed(cpu, [&] { return use_leaf(s, leaf); });
  SSL* c = SSL_new(client_ctx);
  SSL_set_tlsext_host_name(c, "blocked.example");
  BIO* server_bio = nullptr;
  BIO* client_bio = nullptr;
  BIO_new_bio_pair(&server_bio, 0, &client_bio, 0);
  SSL_set_bio(s, server_bio, server_bio);
  SSL_set_bio(c, client_bio, client_bio);
  SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  for (int round = 0; round < 10; ++round) {  // TLS 1.3: two flights each way at most
    const int client_done = SSL_do_handshake(c);
    const int server_done = timed(cpu, [&] { return SSL_do_handshake(s); });
    if (client_done == 1 && server_done == 1) break;
  }
  static const std::string request = "GET / HTTP/1.1\r\nHost: blocked.example\r\n\r\n";
  static const std::string page(1500, 'x');
  SSL_write(c, request.data(), static_cast<int>(request.size()));
  char buf[4096];
  timed(cpu, [&] {
    const int n = SSL_read(s, buf, sizeof buf);
    SSL_write(s, page.data(), static_cast<int>(page.size()));
    SSL_shutdown(s);
    return n;
  });
  SSL_read(c, buf, sizeof buf);
  timed(cpu, [&] {
    SSL_free(s);
    return 0;
  });
  SSL_free(c);
  return cpu;
}

void BM_BlockPageTlsFloor(benchmark::State& state) {
  auto ca = test::make_ca();
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  auto leaf = minter.mint("blocked.example", Clock::now());
  ContextResult server = make_client_facing_context(minter.key());
  SSL_CTX_set_num_tickets(server.ctx.get(), static_cast<std::size_t>(state.range(0)));
  SSL_CTX* client = SSL_CTX_new(TLS_client_method());
  for (auto _ : state) state.SetIterationTime(one_page(server.ctx.get(), client, *leaf));
  SSL_CTX_free(client);
  state.SetLabel(state.range(0) == 0 ? "no session tickets" : "2 session tickets");
}
// The minimum of the repetitions too: on a shared machine, contention only adds.
BENCHMARK(BM_BlockPageTlsFloor)
    ->Arg(0)
    ->Arg(2)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", [](const std::vector<double>& v) {
      return *std::min_element(v.begin(), v.end());
    });

}  // namespace

BENCHMARK_MAIN();
