// Moves bytes both ways between two connected sockets until both directions
// have ended (half-close is passed on: EOF from one side becomes
// shutdown(SHUT_WR) on the other), an error occurs, or neither side has sent
// anything for `idle_timeout`. Uses splice(2) (zero-copy) through a pipe
// that each direction takes from its thread's pool only while bytes move
// (copying through a 16 KiB buffer when no pipe can be had), or with
// RelayMethod::copy a fixed 16 KiB buffer per direction.
#pragma once

#include <cstdint>
#include <functional>

#include "base/millis.hpp"
#include "net/asio.hpp"

namespace gh {

struct RelayResult {
  std::uint64_t bytes_up = 0;    // a -> b
  std::uint64_t bytes_down = 0;  // b -> a
  bool idle_timeout = false;
};

enum class RelayMethod : unsigned char { automatic, splice, copy };

asio::awaitable<RelayResult> relay(tcp::socket& a, tcp::socket& b, Millis idle_timeout,
                                   RelayMethod method = RelayMethod::automatic);

}  // namespace gh
