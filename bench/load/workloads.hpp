// The workloads. Each runs a fixed number of coroutines on one io_context on
// the calling thread and returns once the run is bounded (count or duration).
#pragma once

#include <cstdint>

#include "net/asio.hpp"
#include "options.hpp"
#include "stats.hpp"

namespace gh::load {

// Shared by the coroutines of one run: hands out request slots until the
// count is used up; the duration is enforced by stopping the io_context.
class Budget {
 public:
  explicit Budget(std::uint64_t max_requests) : left_(max_requests) {}
  bool take() {
    if (left_ == 0) return false;
    --left_;
    return true;
  }

 private:
  std::uint64_t left_;
};

// Resolves host:port once, before the clock starts (numeric in practice).
tcp::endpoint resolve_one(asio::io_context& ioc, const Endpoint& ep);

// Runs ioc until every coroutine is done or duration_s has passed; fills start/end.
void run_bounded(asio::io_context& ioc, double duration_s, RunStats& s);

void run_request_workload(const Options& o, RunStats& s);  // get, connect
void run_tunnel_workload(const Options& o, RunStats& s);   // tunnel
void run_idle_workload(const Options& o, RunStats& s);     // idle
void run_https_workload(const Options& o, RunStats& s);    // https
int serve_403(const Options& o);

}  // namespace gh::load
