// The forward listeners' authentication step (README "Identity"): between a
// request head and its decision, one call. Answers 407/429/503 itself, each
// audited before it is sent; otherwise the session's identity is set and
// the request goes on to decide().
#pragma once

#include "http/session.hpp"

namespace gh {

enum class AuthGate : unsigned char {
  proceed,         // go on (authenticated, exempt, served by network, or no auth configured)
  answered_keep,   // answered; read the next request on this connection
  answered_close,  // answered; close the connection
};

asio::awaitable<AuthGate> authenticate_request(Session& s, ClientParser& p);

// The session's identity into a Request (views into the session: valid for
// the request). Nothing is set, and nothing allocated, for anonymous requests.
void apply_identity(const Session& s, Request& r) noexcept;

}  // namespace gh
