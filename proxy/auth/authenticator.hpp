// Who is asking (README "Identity"): the forward listeners' gate between a
// parsed request head and its decision. Fast path (exempt, a connection
// already negotiated, the Basic credentials already proven on this
// connection, a cached Basic credential) without leaving the event loop;
// everything that touches a file, the directory or the KDC runs on the
// AuthWorkers pool and resumes the session on its own executor.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/auth_workers.hpp"
#include "auth/credential_cache.hpp"
#include "auth/failure_throttle.hpp"
#include "auth/gss_acceptor.hpp"
#include "auth/identity.hpp"
#include "auth/proxy_authorization.hpp"
#include "config/settings.hpp"
#include "net/asio.hpp"
#include "runtime/auth_metrics.hpp"

namespace gh {

enum class AuthVerdict : unsigned char {
  anonymous,      // exempt client, or served by network (on_backend_failure: network)
  authenticated,  // ConnectionAuth::current is set
  required,       // 407, no credentials (audited auth-required)
  failed,         // 407, wrong or malformed credentials (auth-failed)
  throttled,      // 429 (auth-throttled)
  unavailable,    // 503 (auth-unavailable)
};

struct AuthAnswer {
  AuthVerdict verdict = AuthVerdict::required;
  std::string negotiate_token;  // for a 407 that continues a Negotiate exchange
};

// How long one directory or KDC call may take before it counts as unavailable.
inline constexpr std::chrono::milliseconds kBackendTimeout{5'000};

class Authenticator {
 public:
  // `threads` blocking calls at once; at most `max_queued` more waiting.
  Authenticator(AuthMetrics& metrics, std::size_t threads = 4, std::size_t max_queued = 512);

  // Checks one request's Proxy-Authorization value (empty if none) for a
  // client, under `settings` (which must have auth set). Sets conn.current.
  // `reload_requests` is Runtime::reload_requests: when it has grown, every
  // verified credential is dropped (SIGHUP, README "Identity": the way to make
  // a change in the directory count at once; a reload that changes the auth
  // configuration drops them by its fingerprint alone).
  // Everything referenced must outlive the call (the session holds it).
  asio::awaitable<AuthAnswer> check(const std::shared_ptr<const Settings>& settings,
                                    ConnectionAuth& conn, const IpAddress& client,
                                    std::string_view header, std::uint64_t reload_requests = 0);

  // The groups of a user from the configured source (explain --user, and
  // after a successful check). Blocking: call on a worker or from the CLI.
  static BackendStatus groups_of(const AuthSettings& a, std::string_view user,
                                 std::vector<std::string>& out);

 private:
  AuthGeneration generation_of(const AuthSettings& a, std::uint64_t reload_requests);
  bool proven_on_connection(ConnectionAuth& conn, const AuthGeneration& gen,
                            std::string_view header, std::chrono::steady_clock::time_point now);
  asio::awaitable<AuthAnswer> check_basic_async(const std::shared_ptr<const Settings>& settings,
                                                ConnectionAuth& conn, const IpAddress& client,
                                                ProxyCredentials& cred, BasicProof& proof);
  asio::awaitable<AuthAnswer> check_negotiate_async(const std::shared_ptr<const Settings>& settings,
                                                    ConnectionAuth& conn, const IpAddress& client,
                                                    std::string& token, const AuthGeneration& gen);
  asio::awaitable<AuthAnswer> regroup_negotiated(const std::shared_ptr<const Settings>& settings,
                                                 ConnectionAuth& conn, const AuthGeneration& gen);
  AuthAnswer fail(const IpAddress& client, bool count_failure);
  AuthAnswer backend_down(const AuthSettings& a, ConnectionAuth& conn);

  AuthMetrics& metrics_;
  AuthWorkers workers_;
  CredentialCache cache_;
  FailureThrottle throttle_;
  // The generation last seen: the cache is emptied when a request brings another.
  std::atomic<std::uint64_t> seen_fingerprint_{0};
  std::atomic<std::uint64_t> seen_reload_requests_{0};
};

}  // namespace gh
