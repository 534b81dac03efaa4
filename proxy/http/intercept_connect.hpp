// Forward CONNECT with interception (README "HTTPS interception"): the pieces
// tunnel.cpp calls when select_interception() says block_page or inspect, so that the
// tunnel's own code keeps part one's shape for every other flow.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/inspect_session.hpp"
#include "http/session.hpp"
#include "net/hello_reader.hpp"
#include "policy/intercept_select.hpp"

namespace gh {

// The choice for a CONNECT decided as `d` on `r`; splice when interception is
// off or gatehouse has no CA loaded.
InterceptChoice intercept_choice(const Session& s, const Decision& d, const Request& r);

// A CONNECT whose authority is blocked and gets the HTTPS block page: its
// record (the decision's action and reason, status 200, intercepted), the 200,
// the ClientHello and its decision, then the page (or, for a hello that cannot
// be intercepted, the access_denied alert). The connection ends afterwards.
asio::awaitable<void> connect_block_page(Session& s, const Decision& d, const Request& r,
                                         unsigned version);

// The block page on a tunnel whose hello was read and decided (`r2`, `final_d`,
// already recorded): `ref` is the tunnel's first record. Replays the hello and
// any bytes behind it (`s.buffer`) to the TLS handshake.
asio::awaitable<void> tunnel_block_page(Session& s, const HelloRead& hello, const Request& r2,
                                        const Decision& final_d, const std::string& ref,
                                        std::optional<std::string> dest);

// An allowed tunnel selected for inspection (`headers`: its header rules),
// whose hello was read and recorded: TLS on both sides over `origin`, every
// request decided and audited (http/inspect_session.hpp). Returns the
// decrypted bytes relayed each way, for the tunnel's close record.
asio::awaitable<InspectedBytes> tunnel_inspect(Session& s, std::unique_ptr<HelloRead> hello,
                                               const Request& r2, const Decision& final_d,
                                               const std::string& ref,
                                               std::optional<std::string> dest,
                                               beast::tcp_stream origin,
                                               std::vector<const HeaderRule*> headers);

}  // namespace gh
