// transparent-tls listener: connections redirected from :443. The host is
// the ClientHello's SNI; the origin is the original destination. A blocked
// connection gets a TLS access_denied alert and is closed (README "Running the proxy").
#pragma once

#include "net/server.hpp"

namespace gh {

asio::awaitable<void> transparent_tls_session(Connection c);

}  // namespace gh
