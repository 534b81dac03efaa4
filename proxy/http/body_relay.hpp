// Streams a message body from a parser to a serializer through a fixed
// buffer (Beast's relay example, asynchronous): never holds more than one
// buffer of the body, whatever its size or framing.
//
// The cost per body piece is bounded, not the cost per chunk: everything the
// parser can take from bytes already read goes into the buffer before one
// send(2), so 300,000 one-byte chunks cost about what the same bytes with a
// Content-Length cost (bench/chunked_cpu.py). Bytes already parsed are always
// sent before waiting on the socket again, so a stream of small chunks
// (server-sent events) is never held back waiting for the next one.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/millis.hpp"
#include "http/send.hpp"
#include "net/asio.hpp"

namespace gh {

// Unparsed bytes a peer may leave in the input buffer (a chunk-size line or
// trailers in progress): more without progress is refused, so that the
// buffer never grows with what a peer sends.
inline constexpr std::size_t kMaxUnparsedBody = 64 * 1024;
// Capacity an input buffer may keep after a body (a request head's worth).
inline constexpr std::size_t kKeptInputBuffer = 8 * 1024;

// Parses body bytes already in `in_buffer` into `buf[0, cap)`, element after
// element (Beast's non-eager put), until the buffer is full, the message is
// done or the parser needs bytes that have not arrived. Returns the bytes
// of body written; `ec` is set on a parse error only.
template <bool isRequest>
std::size_t parse_buffered_body(http::parser<isRequest, http::buffer_body>& p,
                                beast::flat_buffer& in_buffer, char* buf, std::size_t cap,
                                boost::system::error_code& ec) {
  std::size_t filled = 0;
  while (!p.is_done() && filled < cap && in_buffer.size() != 0) {
    auto& body = p.get().body();
    body.data = buf + filled;
    body.size = cap - filled;
    const std::size_t used = p.put(in_buffer.data(), ec);
    in_buffer.consume(used);
    filled = cap - body.size;
    if (ec == http::error::need_more || ec == http::error::need_buffer) {
      ec = {};
      break;  // a partial element (wait for bytes), or the buffer is full
    }
    if (ec || used == 0) break;
  }
  return filled;
}

// `In` and `Out`: a beast::tcp_stream, or a TLS stream whose lowest layer
// has expires_after() (a decrypted flow's client or origin side).
template <bool isRequest, class In, class Out>
asio::awaitable<bool> relay_body(In& in, beast::flat_buffer& in_buffer,
                                 http::parser<isRequest, http::buffer_body>& p, Out& out,
                                 http::serializer<isRequest, http::buffer_body>& sr, Millis idle,
                                 std::uint64_t& count) {
  std::array<char, 16 * 1024> buf;
  std::string wire;
  wire.reserve(buf.size() + 1024);
  boost::system::error_code ec;
  for (;;) {
    std::size_t got = 0;
    if (!p.is_done()) {
      got = parse_buffered_body(p, in_buffer, buf.data(), buf.size(), ec);
      if (ec) co_return false;
      if (got == 0 && !p.is_done()) {
        // Nothing to send yet: wait for the peer.
        if (in_buffer.size() >= kMaxUnparsedBody) co_return false;
        beast::get_lowest_layer(in).expires_after(idle);
        // A buffer's worth per read: many small chunks per parse, few recv(2).
        const std::size_t n = co_await in.async_read_some(
            in_buffer.prepare(buf.size()), asio::redirect_error(asio::use_awaitable, ec));
        in_buffer.commit(n);
        if (ec == asio::error::eof) {
          // The end of a body read to the close, or a message cut short.
          p.put_eof(ec);
          if (ec) co_return false;
        } else if (ec) {
          co_return false;
        }
        continue;  // parse what came (or finish the body read to the close)
      }
    }
    // No bytes: a null buffer makes the serializer wait (need_buffer)
    // instead of writing a zero-length chunk, which would end the body.
    p.get().body().data = got == 0 ? nullptr : buf.data();
    p.get().body().size = got;
    p.get().body().more = !p.is_done();
    count += got;
    // Beast serialises; what it has ready goes out in one send(2).
    wire.clear();
    if (!drain_serializer(sr, wire)) co_return false;
    if (!co_await send_all(out, wire, idle)) co_return false;
    if (p.is_done() || sr.is_done()) break;
  }
  // The input buffer outlives the message (keep-alive, the upstream pool):
  // give back what a large body made it grow to.
  if (in_buffer.capacity() > kKeptInputBuffer && in_buffer.size() <= kKeptInputBuffer)
    in_buffer.shrink_to_fit();
  beast::get_lowest_layer(in).expires_never();
  beast::get_lowest_layer(out).expires_never();
  co_return true;
}

}  // namespace gh
