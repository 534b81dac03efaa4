// Verified Basic credentials, kept for auth.cache_ttl (README "Identity").
// The key is SHA-256(salt || user || NUL || password) with a random salt made
// per process: the password is never stored, and the table is worthless to
// anyone who reads it from a core dump without the salt, which changes on
// every start. Each entry remembers the AuthGeneration it was verified under
// (identity.hpp): after a reload that changed who is who, or a SIGHUP, it is
// a miss, so a removed user or a changed password stops working at once.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/identity.hpp"

namespace gh {

class CredentialCache {
 public:
  using steady = std::chrono::steady_clock;
  explicit CredentialCache(std::size_t max_entries = 100'000);

  // The identity cached for these credentials under `generation`, or null
  // (unknown, expired, or verified under another generation). `expires`, if
  // given, receives the entry's expiry on a hit.
  std::shared_ptr<const AuthIdentity> find(std::string_view user, std::string_view password,
                                           const AuthGeneration& generation, steady::time_point now,
                                           steady::time_point* expires = nullptr);
  void put(std::string_view user, std::string_view password, const AuthGeneration& generation,
           std::shared_ptr<const AuthIdentity> who, steady::time_point expires);
  void clear();
  std::size_t size();

 private:
  using Key = std::array<std::uint8_t, 32>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  struct Entry {
    std::shared_ptr<const AuthIdentity> who;
    steady::time_point expires;
    AuthGeneration generation;
  };
  Key key(std::string_view user, std::string_view password) const;

  std::array<std::uint8_t, 32> salt_{};
  std::size_t max_entries_;
  std::mutex mu_;
  std::unordered_map<Key, Entry, KeyHash> map_;
};

}  // namespace gh
