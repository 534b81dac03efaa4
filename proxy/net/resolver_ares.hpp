// DNS through c-ares on one resolver thread with its own io_context: the
// channel's sockets are watched with asio::posix::stream_descriptor (c-ares
// tells us which through ares_sock_state_cb; ares_process_fd does the work),
// its retransmission deadlines with a steady_timer. Nothing blocks: a
// thousand names that never answer cost a thousand entries in a map and
// c-ares's own query records, not threads.
//
// One thread rather than a channel per event loop: one cache fill point, one
// place that coalesces identical names in flight, and the event loops never
// run c-ares code (see docs/resolver.md).
//
// Lookups of the same name in flight share one query. A waiter that gives up
// (its request timed out or went away) is withdrawn; when no waiter is left
// on the whole channel, ares_cancel() ends the abandoned queries (c-ares 1.18
// has no per-query cancel; otherwise they end by their own timeout).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "policy/ip_address.hpp"

namespace gh {

struct AresAnswer {
  enum class Status : unsigned char { ok, no_such_name, timeout, failed } status = Status::failed;
  std::vector<IpAddress> addresses;
  std::chrono::seconds ttl{0};  // smallest TTL of the records (ok only)
};

class AresEngine {
 public:
  // Runs on the resolver thread; must only post elsewhere.
  using Callback = std::function<void(const AresAnswer&)>;

  // Throws std::runtime_error when c-ares cannot be set up (bad servers).
  explicit AresEngine(const ResolverSettings& settings);
  ~AresEngine();
  AresEngine(const AresEngine&) = delete;
  AresEngine& operator=(const AresEngine&) = delete;

  // Thread-safe. `on_answer` runs once per completed query, before waiters
  // (the cache fills there); each waiter's `done` at most once.
  void set_on_answer(std::function<void(const std::string&, const AresAnswer&)> f) {
    on_answer_ = std::move(f);
  }
  std::uint64_t start(std::string name, Callback done);
  void withdraw(const std::string& name, std::uint64_t id);
  void stop();

  std::uint64_t queries_sent() const noexcept { return queries_sent_.load(); }

 private:
  struct Impl;
  void run();

  std::unique_ptr<Impl> impl_;
  std::function<void(const std::string&, const AresAnswer&)> on_answer_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> queries_sent_{0};
  std::thread thread_;
};

}  // namespace gh
