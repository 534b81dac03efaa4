// The parts every tunnel shares, forward CONNECT and transparent TLS alike
// (docs/architecture.md "Life of a request"): the first bytes sent on only
// after their decision, then the relay, which drain may force closed.
#pragma once

#include <cstdint>
#include <string_view>

#include "net/asio.hpp"
#include "net/connection_tracker.hpp"
#include "net/relay.hpp"

namespace gh {

// Writes the bytes read before the decision (the ClientHello and anything
// behind it) to the origin; adds what was written to `up`. False on error.
asio::awaitable<bool> send_first_bytes(tcp::socket& origin, std::string_view hello,
                                       std::string_view rest, std::uint64_t& up);

// Relays until either side ends; a forced drain closes both sides.
asio::awaitable<RelayResult> relay_tunnel(LiveConnection& live, tcp::socket& client,
                                          tcp::socket& origin, Millis idle);

}  // namespace gh
