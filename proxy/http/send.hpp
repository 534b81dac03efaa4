// Writing serialised bytes to a peer: at once with send(2) when the socket
// takes them (the common case: no asynchronous operation, no timer), else
// asynchronously within the idle timeout.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "base/millis.hpp"
#include "net/asio.hpp"

namespace gh {

// Sends `head` then `body` in one sendmsg(2). False when the peer is gone or
// the write timed out.
asio::awaitable<bool> send_all(beast::tcp_stream& out, std::string_view head, std::string_view body,
                               Millis idle);
inline asio::awaitable<bool> send_all(beast::tcp_stream& out, std::string_view data, Millis idle) {
  return send_all(out, data, {}, idle);  // not a coroutine: no frame of its own
}

// The same over any stream whose lowest layer has expires_after() (a TLS
// stream of a decrypted flow): one asynchronous write within `idle`.
template <class Stream>
asio::awaitable<bool> send_all(Stream& out, std::string_view head, std::string_view body,
                               Millis idle) {
  auto& lowest = beast::get_lowest_layer(out);
  lowest.expires_after(idle);
  const std::array<asio::const_buffer, 2> bufs{asio::buffer(head.data(), head.size()),
                                               asio::buffer(body.data(), body.size())};
  boost::system::error_code ec;
  co_await asio::async_write(out, bufs, asio::redirect_error(asio::use_awaitable, ec));
  lowest.expires_never();
  co_return !ec;
}
template <class Stream>
asio::awaitable<bool> send_all(Stream& out, std::string_view data, Millis idle) {
  co_return co_await send_all(out, data, std::string_view{}, idle);
}

// Appends the buffers `sr` has ready now to `wire`; `ec` as Beast's next()
// sets it (need_buffer: the body has nothing more yet).
template <bool isRequest, class Body, class Fields>
void append_next(http::serializer<isRequest, Body, Fields>& sr, std::string& wire,
                 boost::system::error_code& ec) {
  sr.next(ec, [&](boost::system::error_code& e, const auto& buffers) {
    e = {};
    for (auto b : beast::buffers_range_ref(buffers)) {
      wire.append(static_cast<const char*>(b.data()), b.size());
    }
    sr.consume(beast::buffer_bytes(buffers));
  });
}

// Appends what `sr` has ready (until it is done or needs more body) to `wire`.
// Beast does the serialising; this only flattens its buffers so that they
// go out in one send(2). False on a serialiser error.
template <bool isRequest, class Body, class Fields>
bool drain_serializer(http::serializer<isRequest, Body, Fields>& sr, std::string& wire) {
  boost::system::error_code ec;
  while (!sr.is_done()) {
    append_next(sr, wire, ec);
    if (ec == http::error::need_buffer) return true;
    if (ec) return false;
  }
  return true;
}

// Appends the serialised header of `sr` to `wire` (the body is not touched).
template <bool isRequest, class Body, class Fields>
bool drain_header(http::serializer<isRequest, Body, Fields>& sr, std::string& wire) {
  boost::system::error_code ec;
  sr.split(true);
  while (!ec && !sr.is_header_done()) append_next(sr, wire, ec);
  return !ec;
}

}  // namespace gh
