// CONNECT: decide on the authority, open the tunnel, read the ClientHello,
// decide again on its SNI, then relay (README "Running the proxy"; README "The audit log": two decision records).
// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <algorithm>
#include <chrono>

#include "http/intercept_connect.hpp"
#include "http/message_rules.hpp"
#include "http/request_target.hpp"
#include "http/session.hpp"
#include "net/audit_submit.hpp"
#include "net/hello_reader.hpp"
#include "net/relay.hpp"
#include "net/upstream.hpp"
#include "policy/host.hpp"

namespace gh {

namespace {

// What open_tunnel leaves for the relay and the close record.
struct Tunnel {
  std::optional<beast::tcp_stream> origin;
  std::string id;  // of the first decision record (the close record's ref)
  std::string host;
  std::uint16_t port = 0;
  std::optional<std::string> dest;  // the origin connected to (audit `dest`)
  Decision final_d;
  std::uint64_t up = 0;  // bytes sent to the origin before the relay
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

enum class Opening : unsigned char {
  keep,   // refused; the client connection stays open
  close,  // refused or failed; close the client connection
  ended,  // the tunnel opened and ended before relaying (alert, error): close record
  relay,  // relay the tunnel, then the close record
};

// Everything up to the relay: the decision on the authority, the upstream
// connection, the 200, the ClientHello and its decision, the first bytes.
// A coroutine of its own so that its frame (records, requests, the hello
// reader) is freed before a tunnel settles down to relaying.
asio::awaitable<Opening> open_tunnel(Session& s, ClientParser& p, Tunnel& t) {
  auto& req = p.get();
  const unsigned version = req.version();
  auto target = parse_request_target(sv(req.target()), true);
  const std::string& host = t.host;
  HostName hn;
  if (target.form != TargetForm::authority ||
      canonicalize_host(target.host, t.host, &hn) != HostError::none) {
    co_await answer_error(s, Reason::bad_request, 400, version);
    co_return Opening::close;
  }
  t.port = target.port;
  Request r;
  r.client = s.conn.info.client;
  r.mode = s.conn.info.mode;
  r.connect = true;
  r.method = "CONNECT";
  r.host = host;
  r.port = target.port;
  const auto t0 = std::chrono::steady_clock::now();
  Decision d = decide(*s.rules, r, Clock::now());
  s.rt.metrics.decision(*s.rules, d, std::chrono::steady_clock::now() - t0);
  if (d.action != Action::allow) {
    // README "HTTPS interception": the block page over TLS instead of the 403.
    if (intercept_choice(s, d, r) == InterceptChoice::block_page) {
      co_await connect_block_page(s, d, r, version);
      co_return Opening::close;
    }
    // As Squid does, the connection stays open for the client's next request.
    const bool keep = req.keep_alive() && p.is_done() && !s.rt.draining.load();
    co_return co_await answer_refusal(s, d, r, 403, version, keep) ? Opening::keep : Opening::close;
  }

  UpstreamResult ur(s.client.get_executor());
  co_await connect_upstream(s.conn.server->upstreams(), *s.rules, d,
                            UpstreamTarget{host, hn.is_ip, target.port, std::nullopt,
                                           s.conn.info.client},
                            s.limits().connect_timeout, ur);
  if (ur.status != 0) {
    co_await answer_refusal(s, ur.decision, r, ur.status, version, false);
    co_return Opening::close;
  }
  t.origin.emplace(std::move(ur.stream));

  t.dest = dest_of(t.origin->socket());
  auto rec = decision_record(*s.rules, d, s.conn.info, r, 200, false);
  rec.dest = t.dest;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &t.id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_await answer_error(s, Reason::overloaded, 503, version);
    co_return Opening::close;
  }
  static constexpr std::string_view k200 = "HTTP/1.1 200 Connection established\r\n\r\n";
  boost::system::error_code ec;
  if (!co_await write_client(s, k200)) ec = asio::error::broken_pipe;
  tcp::socket& client = s.client.socket();
  tcp::socket& origin = t.origin->socket();

  std::uint64_t& up = t.up;
  Decision& final_d = t.final_d;
  final_d = d;
  bool relay_it = !ec;
  bool paged = false;  // the block page over TLS: its records are written, no close record
  if (relay_it) {
    // Bytes the client sent right behind the CONNECT belong to the tunnel.
    std::string_view pipelined(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
    auto hello = std::make_unique<HelloRead>();
    co_await read_client_hello(client, *hello, s.limits().client_hello_timeout, pipelined);
    // read_client_hello took at most HelloRead::kMax of them; the rest follow it.
    s.buffer.consume(std::min(pipelined.size(), HelloRead::kMax));
    // Every byte the client sent is decided on before one is relayed: a
    // timeout, bytes that are not TLS and a hello we cannot read all get a
    // decision of their own (docs/threat-model.md). Only a client that closed without a
    // byte has asked nothing.
    if (hello->seen != TlsSeen::none) {
      Request r2 = r;
      r2.tls = hello->seen;
      r2.sni = hello->sni;
      const auto t1 = std::chrono::steady_clock::now();
      final_d = decide(*s.rules, r2, Clock::now());
      s.rt.metrics.decision(*s.rules, final_d, std::chrono::steady_clock::now() - t1);
      auto rec2 = decision_record(
          *s.rules, final_d, s.conn.info, r2,
          final_d.action == Action::allow ? std::optional<int>(200) : std::nullopt, false);
      rec2.dest = t.dest;
      const bool page = final_d.action != Action::allow &&
                        intercept_choice(s, final_d, r2) == InterceptChoice::block_page;
      rec2.intercepted = page;
      bool written = co_await audit_and_wait(s.rt, std::move(rec2), nullptr);
      if (!written && s.settings->audit.on_failure == OnFailure::block) {
        s.rt.metrics.audit_unavailable();
        final_d.action = Action::deny;
      }
      if (final_d.action != Action::allow && page) {
        boost::system::error_code ignored;
        origin.close(ignored);  // the page is ours: the origin never sees the flow
        co_await tunnel_block_page(s, *hello, r2, final_d, t.id, t.dest);
        relay_it = false;
        paged = true;
      } else if (final_d.action != Action::allow) {
        if (hello->tls)
          co_await asio::async_write(client, asio::buffer(kTlsAccessDenied),
                                     asio::redirect_error(asio::use_awaitable, ec));
        relay_it = false;
      }
    } else {
      relay_it = false;  // closed before sending anything: nothing to relay
    }
    if (relay_it && hello->size > 0) {
      co_await asio::async_write(origin, asio::buffer(hello->bytes.data(), hello->size),
                                 asio::redirect_error(asio::use_awaitable, ec));
      up += hello->size;
      relay_it = !ec;
    }
    if (relay_it && s.buffer.size() > 0) {
      co_await asio::async_write(origin, s.buffer.data(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      up += s.buffer.size();
      s.buffer.consume(s.buffer.size());
      relay_it = !ec;
    }
  }
  co_return relay_it ? Opening::relay : (paged ? Opening::close : Opening::ended);
}

// The close record of a tunnel (a plain function: no coroutine frame).
void submit_tunnel_close(Session& s, const Tunnel& t, std::uint64_t down) {
  if (!s.rt.audit) return;
  Request r;
  r.method = "CONNECT";
  r.host = t.host;
  r.port = t.port;
  // A tunnel refused at its ClientHello got an alert, not a status.
  const std::optional<int> status =
      t.final_d.action == Action::allow ? std::optional<int>(200) : std::nullopt;
  AuditRecord rec = close_record(s.conn.info, t.id, r, t.final_d, status, t.up, down, t.started);
  rec.dest = t.dest;
  submit_detached(*s.rt.audit, std::move(rec), s.client.get_executor());
}

}  // namespace

asio::awaitable<bool> connect_tunnel(Session& s, ClientParser& p) {
  Tunnel t;
  const Opening o = co_await open_tunnel(s, p, t);
  if (o == Opening::keep) co_return true;
  if (o == Opening::close) co_return false;
  std::uint64_t down = 0;
  tcp::socket& client = s.client.socket();
  tcp::socket& origin = t.origin->socket();
  boost::system::error_code ec;
  if (o == Opening::relay) {
    // The session's read buffer is not needed while relaying: an idle
    // tunnel should cost its sockets and little else.
    s.buffer.shrink_to_fit();
    { auto request = p.release(); }  // the CONNECT's fields
    s.stop_head_watch();             // a tunnel never reads another request head
    s.conn.live->stop = [&client, &origin](bool force) {
      if (!force) return;  // a tunnel is never idle in the drain sense
      boost::system::error_code e;
      client.shutdown(tcp::socket::shutdown_both, e);
      origin.shutdown(tcp::socket::shutdown_both, e);
      client.cancel(e);
      origin.cancel(e);
    };
    RelayResult rr = co_await relay(client, origin, s.limits().idle_timeout);
    s.conn.live->stop = nullptr;
    t.up += rr.bytes_up;
    down += rr.bytes_down;
  }
  s.closing = true;
  origin.close(ec);
  submit_tunnel_close(s, t, down);
  co_return false;
}

}  // namespace gh
