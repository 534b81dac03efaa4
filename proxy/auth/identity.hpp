// Who a request or connection turned out to be (README "Identity"), kept
// light so the session header can hold it without the backends' headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh {

struct AuthIdentity {
  std::string user;  // "alice" (Basic) or "alice@EXAMPLE.GOV" (Negotiate)
  std::vector<std::string> groups;
};

class GssAcceptor;

// The auth configuration an identity was established under: its fingerprint
// (auth_settings.hpp) and how many reloads had been asked for by then
// (Runtime::reload_requests, SIGHUP). Another value = check again.
struct AuthGeneration {
  std::uint64_t fingerprint = 0;
  std::uint64_t reload_requests = 0;
  bool operator==(const AuthGeneration&) const = default;
};

// A credential a connection holds: one copy, never copied again, wiped
// (OPENSSL_cleanse) when replaced or destroyed.
class HeldSecret {
 public:
  HeldSecret() = default;
  explicit HeldSecret(std::string_view value);
  HeldSecret(HeldSecret&& o) noexcept : bytes_(std::move(o.bytes_)), size_(o.size_) { o.size_ = 0; }
  HeldSecret& operator=(HeldSecret&& o) noexcept;
  ~HeldSecret();
  // Constant time in the length of the value held.
  bool equals(std::string_view other) const noexcept;

 private:
  void wipe() noexcept;
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
};

// The Basic credentials last proven on a connection: the next request that
// sends the same Proxy-Authorization value is known by a compare, without
// decoding, hashing, a cache lookup or a lock (README "Identity"). The client
// sends these bytes with every request anyway; the connection keeps one
// wiped copy while it lives. The shared cache keeps only salted hashes.
struct BasicProof {
  HeldSecret header;  // the Proxy-Authorization value
  AuthGeneration generation;
  std::chrono::steady_clock::time_point expires{};  // that of the cache entry
  std::shared_ptr<const AuthIdentity> who;
};

// The identity state of one client connection (lives in the session).
struct ConnectionAuth {
  std::shared_ptr<const AuthIdentity> negotiated;  // Negotiate: kept for the connection
  AuthGeneration negotiated_generation;            // groups looked up again when it changes
  std::shared_ptr<GssAcceptor> gss;                // the context of a Negotiate exchange
  std::optional<BasicProof> basic;                 // Basic: the last credentials proven
  std::shared_ptr<const AuthIdentity> current;     // the current request's identity, or null
};

}  // namespace gh
