// bench/load: the end-to-end load generator (see bench/README.md).
#include <sys/resource.h>

#include <csignal>
#include <iostream>

#include "options.hpp"
#include "workloads.hpp"

namespace gh::load {

tcp::endpoint resolve_one(asio::io_context& ioc, const Endpoint& ep) {
  tcp::resolver resolver(ioc);
  return *resolver.resolve(ep.host, ep.port).begin();
}

void run_bounded(asio::io_context& ioc, double duration_s, RunStats& s) {
  // SIGINT/SIGTERM end the run early but still print its line (idle mode is ended that way).
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&ioc](const beast::error_code& ec, int) {
    if (!ec) ioc.stop();
  });
  s.start = Clock::now();
  ioc.run_for(std::chrono::microseconds(static_cast<long>(duration_s * 1e6)));
  s.end = Clock::now();
}

}  // namespace gh::load

int main(int argc, char** argv) {
  using namespace gh::load;
  int code = 0;
  auto opts = parse_options(argc, argv, &code);
  if (!opts) return code;
  // Thousands of idle tunnels need as many descriptors as the hard limit allows.
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  try {
    if (opts->serve_403_port != 0) return serve_403(*opts);
    RunStats stats;
    switch (opts->mode) {
      case Mode::get:
      case Mode::connect:
        run_request_workload(*opts, stats);
        break;
      case Mode::tunnel:
        run_tunnel_workload(*opts, stats);
        break;
      case Mode::idle:
        run_idle_workload(*opts, stats);
        break;
      case Mode::https:
        run_https_workload(*opts, stats);
        break;
    }
    std::cout << to_json_line(*opts, stats) << std::endl;
    return stats.requests > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "load: " << e.what() << "\n";
    return 3;
  }
}
