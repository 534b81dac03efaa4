// Streams a message body from a parser to a serializer through a fixed
// buffer (Beast's relay example, asynchronous): never holds more than one
// buffer of the body, whatever its size or framing.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "config/settings.hpp"
#include "http/send.hpp"
#include "net/asio.hpp"

namespace gh {

template <bool isRequest>
asio::awaitable<bool> relay_body(beast::tcp_stream& in, beast::flat_buffer& in_buffer,
                                 http::parser<isRequest, http::buffer_body>& p,
                                 beast::tcp_stream& out,
                                 http::serializer<isRequest, http::buffer_body>& sr, Millis idle,
                                 std::uint64_t& count) {
  std::array<char, 16 * 1024> buf;
  std::string wire;
  wire.reserve(buf.size() + 1024);
  boost::system::error_code ec;
  do {
    if (!p.is_done()) {
      p.get().body().data = buf.data();
      p.get().body().size = buf.size();
      in.expires_after(idle);
      co_await http::async_read_some(in, in_buffer, p,
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return false;
      p.get().body().size = buf.size() - p.get().body().size;
      // No bytes: a null buffer makes the serializer wait (need_buffer)
      // instead of writing a zero-length chunk, which would end the body.
      p.get().body().data = p.get().body().size == 0 ? nullptr : buf.data();
      p.get().body().more = !p.is_done();
    } else {
      p.get().body().data = nullptr;
      p.get().body().size = 0;
      p.get().body().more = false;
    }
    count += p.get().body().size;
    // Beast serialises; what it has ready goes out in one send(2).
    wire.clear();
    if (!drain_serializer(sr, wire)) co_return false;
    if (!co_await send_all(out, wire, idle)) co_return false;
  } while (!p.is_done() && !sr.is_done());
  in.expires_never();
  out.expires_never();
  co_return true;
}

}  // namespace gh
