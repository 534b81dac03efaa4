#include "http/tunnel_relay.hpp"

#include <array>

namespace gh {

asio::awaitable<bool> send_first_bytes(tcp::socket& origin, std::string_view hello,
                                       std::string_view rest, std::uint64_t& up) {
  boost::system::error_code ec;
  const std::array<asio::const_buffer, 2> bufs{asio::buffer(hello.data(), hello.size()),
                                               asio::buffer(rest.data(), rest.size())};
  const std::size_t n =
      co_await asio::async_write(origin, bufs, asio::redirect_error(asio::use_awaitable, ec));
  up += n;
  co_return !ec;
}

asio::awaitable<RelayResult> relay_tunnel(LiveConnection& live, tcp::socket& client,
                                          tcp::socket& origin, Millis idle) {
  live.stop = [&client, &origin](bool force) {
    if (!force) return;  // a tunnel is never idle in the drain sense
    boost::system::error_code e;
    client.shutdown(tcp::socket::shutdown_both, e);
    origin.shutdown(tcp::socket::shutdown_both, e);
    client.cancel(e);
    origin.cancel(e);
  };
  RelayResult rr = co_await relay(client, origin, idle);
  live.stop = nullptr;
  co_return rr;
}

}  // namespace gh
