// A connected pair of loopback TCP sockets, for tests of code that reads
// and writes real sockets.
#pragma once

#include <utility>

#include "net/asio.hpp"

namespace gh::test {

inline std::pair<tcp::socket, tcp::socket> socket_pair(asio::io_context& ioc) {
  tcp::acceptor acc(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket a(ioc), b(ioc);
  a.connect(acc.local_endpoint());
  acc.accept(b);
  return {std::move(a), std::move(b)};
}

}  // namespace gh::test
