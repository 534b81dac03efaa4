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
  HelloEnd end;
  const std::span<const std::byte> budget(out.bytes.data(), out.bytes.size());
  for (;;) {
    hello = parse_client_hello(budget.first(out.size), budget.size());
    if (hello.status != HelloStatus::need_more) break;
    boost::system::error_code ec;
    std::size_t n = co_await s.async_read_some(
        asio::buffer(out.bytes.data() + out.size, out.bytes.size() - out.size),
        asio::redirect_error(asio::use_awaitable, ec));
    out.size += n;
    if (ec) {
      end.timed_out = race->expired;
      end.eof = !race->expired;
      hello = parse_client_hello(budget.first(out.size), budget.size());
      break;
    }
  }
  race->done = true;
  timer.cancel();
  out.eof = end.eof;
  out.timed_out = end.timed_out;
  out.seen = classify_hello(hello, end, out.size, out.sni);
  out.tls = out.seen != TlsSeen::not_tls && out.size > 0 &&
            static_cast<unsigned char>(out.bytes[0]) == 0x16;
}

TlsSeen classify_hello(const ClientHello& h, HelloEnd end, std::size_t bytes_read,
                       std::string& canonical_sni) {
  switch (h.status) {
    case HelloStatus::ok:
      if (!h.has_sni) return h.ech ? TlsSeen::ech : TlsSeen::no_sni;
      // An SNI that is no host name (a port appended, bad characters) is
      // still what the origin's TLS stack routes on: refuse, never "no SNI".
      // An ECH hello's outer SNI is judged like any (README "ECH: what is judged").
      if (canonicalize_host(h.sni, canonical_sni) != HostError::none) return TlsSeen::bad_hello;
      return h.ech ? TlsSeen::ech : TlsSeen::sni;
    case HelloStatus::malformed:
      return TlsSeen::bad_hello;
    case HelloStatus::not_tls:
      return TlsSeen::not_tls;
    case HelloStatus::need_more:
      break;
  }
  if (end.timed_out) return TlsSeen::timeout;  // silent, or part of a hello and waiting
  if (bytes_read == 0) return TlsSeen::none;   // closed without asking anything
  return TlsSeen::bad_hello;                   // part of a hello, then closed
}

}  // namespace gh
