// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "net/hello_reader.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "policy/host.hpp"
#include "tls/client_hello.hpp"

namespace gh {

asio::awaitable<void> read_client_hello(tcp::socket& s, HelloRead& out, Millis timeout,
                                        std::string_view prefix) {
  auto ex = co_await asio::this_coro::executor;
  out.size = std::min(prefix.size(), out.bytes.size());
  std::memcpy(out.bytes.data(), prefix.data(), out.size);

  asio::steady_timer timer(ex);
  timer.expires_after(timeout);
  // Shared with the timer's handler, which may run after this frame is gone;
  // it touches the socket only while `done` is false (frame still alive).
  struct Race {
    bool done = false;
    bool expired = false;
  };
  auto race = std::make_shared<Race>();
  timer.async_wait([race, &s](const boost::system::error_code& ec) {
    if (ec || race->done) return;
    race->expired = true;
    boost::system::error_code ignored;
    s.cancel(ignored);
  });

  ClientHello hello;
  for (;;) {
    hello = parse_client_hello(std::span<const std::byte>(out.bytes.data(), out.size));
    if (hello.status != HelloStatus::need_more) break;
    if (out.size == out.bytes.size()) {
      hello.status = HelloStatus::malformed;
      break;
    }
    boost::system::error_code ec;
    std::size_t n = co_await s.async_read_some(
        asio::buffer(out.bytes.data() + out.size, out.bytes.size() - out.size),
        asio::redirect_error(asio::use_awaitable, ec));
    out.size += n;
    if (ec) {
      if (race->expired) {
        out.timed_out = true;
      } else {
        out.eof = true;
      }
      // What arrived is still classified: a truncated hello counts as no SNI.
      hello = parse_client_hello(std::span<const std::byte>(out.bytes.data(), out.size));
      if (hello.status == HelloStatus::need_more) {
        hello.status = out.size == 0 ? HelloStatus::not_tls : HelloStatus::malformed;
      }
      break;
    }
  }
  race->done = true;
  timer.cancel();

  switch (hello.status) {
    case HelloStatus::ok:
      out.tls = true;
      if (hello.ech) {
        out.seen = TlsSeen::ech;
      } else if (hello.has_sni && canonicalize_host(hello.sni, out.sni) == HostError::none) {
        out.seen = TlsSeen::sni;
      } else {
        out.seen = TlsSeen::no_sni;
      }
      break;
    case HelloStatus::malformed:
      out.tls = true;
      out.seen = TlsSeen::no_sni;
      break;
    default:
      out.tls = false;
      out.seen = TlsSeen::none;
      break;
  }
}

}  // namespace gh
