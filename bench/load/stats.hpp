// What one run measured, and its JSON line. Single-threaded: the workloads
// run on one io_context on one thread, so no atomics.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "options.hpp"

namespace gh::load {

using Clock = std::chrono::steady_clock;

struct RunStats {
  std::uint64_t requests = 0;  // completed request/response exchanges (or downloads, tunnels)
  std::uint64_t errors = 0;    // I/O errors, parse errors, unexpected status
  std::uint64_t connects = 0;  // TCP connections opened
  std::uint64_t bytes = 0;     // payload bytes received (tunnel mode: the download)
  std::uint64_t dropped = 0;   // idle: tunnels the peer closed while held
  std::uint64_t negotiate_tokens = 0;  // --negotiate: GSSAPI contexts made (one per connection)
  std::map<unsigned, std::uint64_t> status;  // response status -> count
  std::map<std::string, std::uint64_t> error_kinds;
  std::vector<std::uint32_t> latency_us;  // one per completed request
  Clock::time_point start{};
  Clock::time_point end{};

  void latency(Clock::time_point began) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began).count();
    latency_us.push_back(static_cast<std::uint32_t>(us));
  }
  void error(const std::string& kind) {
    ++errors;
    ++error_kinds[kind];
  }
};

// One JSON object on one line: mode, label, connections, elapsed_s, requests, rps,
// p50/p99/p999 latency in microseconds, errors, bytes, bytes_per_s, statuses.
std::string to_json_line(const Options& o, RunStats& s);

}  // namespace gh::load
