// Who a request or connection turned out to be (README "Identity"), kept
// light so the session header can hold it without the backends' headers.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace gh {

struct AuthIdentity {
  std::string user;  // "alice" (Basic) or "alice@EXAMPLE.GOV" (Negotiate)
  std::vector<std::string> groups;
};

class GssAcceptor;

// The identity state of one client connection (lives in the session).
struct ConnectionAuth {
  std::shared_ptr<const AuthIdentity> negotiated;  // Negotiate: kept for the connection
  std::shared_ptr<GssAcceptor> gss;                // the context of a Negotiate exchange
  std::shared_ptr<const AuthIdentity> current;     // the current request's identity, or null
};

}  // namespace gh
