// Who a request or connection turned out to be (README "Identity"), kept
// light so the session header can hold it without the backends' headers.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gh {

struct AuthIdentity {
  std::string user;  // "alice" (Basic) or "alice@EXAMPLE.GOV" (Negotiate)
  std::vector<std::string> groups;
};

class GssAcceptor;

using CredentialDigest = std::array<std::uint8_t, 32>;

// The auth configuration an identity was established under: its fingerprint
// (auth_settings.hpp) and how many reloads had been asked for by then
// (Runtime::reload_requests, SIGHUP). Another value = check again.
struct AuthGeneration {
  std::uint64_t fingerprint = 0;
  std::uint64_t reload_requests = 0;
  bool operator==(const AuthGeneration&) const = default;
};

// The Basic credentials last proven on a connection: the next request that
// sends the same Proxy-Authorization value is known by a compare of this
// salted digest, without decoding, a cache lookup or a lock. The value itself
// is not kept.
struct BasicProof {
  CredentialDigest digest{};  // CredentialCache::digest of the header value
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
