// Negotiate (RFC 4559) through MIT GSSAPI: one acceptor context per client
// connection, fed the client's tokens until GSS_S_COMPLETE, then the client
// principal is the user. No hand-written Kerberos. Calls run on the auth
// worker pool: they read the keytab and the replay cache.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/backend_status.hpp"

namespace gh {

struct GssStep {
  BackendStatus status = BackendStatus::rejected;
  bool complete = false;  // the principal is known; else send `output` and wait
  std::string principal;  // "alice@EXAMPLE.GOV"
  std::string output;     // a token for the client (mutual auth or the next leg)
};

class GssAcceptor {
 public:
  GssAcceptor();
  ~GssAcceptor();  // releases the context (gss_delete_sec_context)
  GssAcceptor(const GssAcceptor&) = delete;
  GssAcceptor& operator=(const GssAcceptor&) = delete;

  // One gss_accept_sec_context call with credentials from `keytab`. A
  // rejected step ends the context; a new token then starts a new one.
  GssStep step(const std::string& keytab, std::string_view token);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gh
