// A decrypted flow (README "HTTPS interception"). The block page over TLS: handshake
// with a leaf minted for the flow's host, one request read with Beast (header
// limits as the forward listener's), decided with its https:// URL, audited
// (`intercepted: true`, 403) and answered with the block page and
// `Connection: close`. Used by forward CONNECT and transparent TLS alike, so
// it takes what it needs explicitly rather than either session's state.
#pragma once

#include <string>

#include "http/intercept_flow.hpp"
#include "runtime/runtime.hpp"
#include "tls/interceptor.hpp"

namespace gh {

// `prefix`: the bytes already read from the client (the ClientHello and
// anything behind it), replayed to OpenSSL before the socket is read again.
// Returns once the page is written or the flow failed (recorded either way);
// the caller closes the socket.
asio::awaitable<void> serve_block_page(tcp::socket& client, std::string prefix, InterceptFlow& f);

}  // namespace gh
