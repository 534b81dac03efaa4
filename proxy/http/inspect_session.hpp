// An allowed flow that policy asks to read (README "HTTPS interception":
// `tls_intercept.inspect` or a `policy.headers` rule): TLS with the client
// (a minted leaf) and with the origin (verified against `upstream_ca`, the
// host name checked by OpenSSL), then HTTP/1.1 relayed as on the forward
// listener: every request decided on its https:// URL and audited with
// `intercepted: true`, header rules set, bodies streamed both ways.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/intercept_flow.hpp"
#include "policy/intercept_rules.hpp"

namespace gh {

struct InspectedBytes {
  std::uint64_t up = 0, down = 0;  // decrypted body and head bytes relayed
};

// `origin`: the TCP connection to the origin, opened and checked by the
// caller. `headers`: the flow's header rules (pointers into f.rules).
// Returns once the flow has ended; every request in it is on record.
asio::awaitable<InspectedBytes> serve_inspected(tcp::socket& client, std::string prefix,
                                                InterceptFlow& f, beast::tcp_stream origin,
                                                std::vector<const HeaderRule*> headers);

}  // namespace gh
