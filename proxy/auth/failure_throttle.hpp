// README "Identity": more than 10 failed attempts within 60 s from one client
// address and that address gets 429 for 60 s, even with a correct password
// (so a guesser learns nothing from the answers while throttled).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "policy/ip_address.hpp"

namespace gh {

class FailureThrottle {
 public:
  using steady = std::chrono::steady_clock;
  static constexpr int kMaxFailures = 10;
  static constexpr auto kWindow = std::chrono::seconds(60);
  static constexpr auto kPenalty = std::chrono::seconds(60);

  explicit FailureThrottle(std::size_t max_clients = 100'000) : max_clients_(max_clients) {}

  bool throttled(const IpAddress& client, steady::time_point now);
  // Returns true if this failure started the penalty.
  bool failure(const IpAddress& client, steady::time_point now);

 private:
  struct Hash {
    std::size_t operator()(const IpAddress& a) const noexcept;
  };
  struct State {
    steady::time_point window_start;
    int failures = 0;
    steady::time_point blocked_until;
  };
  std::size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<IpAddress, State, Hash> map_;
};

}  // namespace gh
