// CONNECT: decide on the authority, open the tunnel, read the ClientHello,
// decide again on its SNI, then relay (README "Running the proxy"; README "The audit log": two
// decision records). g++ 12 reports Asio's awaitable frame operator delete as mismatched (a false
// positive on coroutine frames; GCC PR 109224).
#include <algorithm>
#include <chrono>

#include "http/auth_gate.hpp"
#include "http/decision.hpp"
#include "http/intercept_connect.hpp"
#include "http/message_rules.hpp"
#include "http/request_target.hpp"
#include "http/session.hpp"
#include "http/tunnel_relay.hpp"
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
  HostName hn;
  std::uint16_t port = 0;
  std::optional<std::string> dest;  // the origin connected to (audit `dest`)
  Decision final_d;
  std::vector<const HeaderRule*> headers;  // inspected: the flow's header rules
  std::uint64_t up = 0;                    // bytes sent to the origin before the relay
  std::uint64_t down = 0;                  // bytes sent to the client by an inspected flow
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

enum class Opening : unsigned char {
  keep,     // refused; the client connection stays open
  close,    // refused or failed; close the client connection
  ended,    // the tunnel opened and ended before relaying (alert, error): close record
  relay,    // relay the tunnel, then the close record
  inspect,  // decrypt it (README "HTTPS interception"), then the close record
};

// The CONNECT's own decision, on its authority; a refusal is answered here.
asio::awaitable<std::optional<Opening>> decide_authority(Session& s, ClientParser& p, Tunnel& t,
                                                         Request& r) {
  auto& req = p.get();
  auto target = parse_request_target(sv(req.target()), true);
  if (target.form != TargetForm::authority ||
      canonicalize_host(target.host, t.host, &t.hn) != HostError::none) {
    co_await reply_error(s.reply_ctx(), Reason::bad_request, 400, req.version());
    co_return Opening::close;
  }
  t.port = target.port;
  r.client = s.conn.info.client;
  r.mode = s.conn.info.mode;
  r.connect = true;
  r.method = "CONNECT";
  r.host = t.host;
  r.port = target.port;
  apply_identity(s, r);
  t.final_d = decide_and_count(s.rt, *s.rules, r);
  if (t.final_d.action == Action::allow) co_return std::nullopt;
  // README "HTTPS interception": the block page over TLS instead of the 403.
  if (intercept_choice(s, t.final_d, r) == InterceptChoice::block_page) {
    co_await connect_block_page(s, t.final_d, r, req.version());
    co_return Opening::close;
  }
  // As Squid does, the connection stays open for the client's next request.
  const bool keep = req.keep_alive() && p.is_done() && !s.rt.draining.load();
  const bool kept = co_await reply_refusal(s.reply_ctx(), t.final_d, r, 403, req.version(), keep);
  co_return kept ? Opening::keep : Opening::close;
}

// Connects to the origin, records the opened tunnel and sends the 200:
// relay (go on), close (refused or not on record) or ended (the 200 failed).
asio::awaitable<Opening> connect_origin(Session& s, ClientParser& p, Tunnel& t, const Request& r) {
  const unsigned version = p.get().version();
  UpstreamResult ur(s.client.get_executor());
  co_await connect_upstream(
      s.conn.server->upstreams(), *s.rules, t.final_d,
      UpstreamTarget{t.host, t.hn.is_ip, t.port, std::nullopt, s.conn.info.client},
      s.limits().connect_timeout, ur);
  if (ur.status != 0) {
    co_await reply_refusal(s.reply_ctx(), ur.decision, r, ur.status, version, false);
    co_return Opening::close;
  }
  t.origin.emplace(std::move(ur.stream));
  t.dest = dest_of(t.origin->socket());
  auto rec = decision_record(*s.rules, t.final_d, s.conn.info, r, 200, false);
  rec.dest = t.dest;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &t.id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(s.reply_ctx(), version);
    co_return Opening::close;
  }
  const bool sent = co_await write_client(s, "HTTP/1.1 200 Connection established\r\n\r\n");
  co_return sent ? Opening::relay : Opening::ended;
}

// A tunnel whose hello is refused: the TLS alert (or a close), or, when
// interception says so, the block page over TLS (README "HTTPS interception").
// The refusal's record is written either way.
asio::awaitable<Opening> refuse_hello(Session& s, Tunnel& t, const Request& r2,
                                      const HelloRead& hello) {
  const bool page = intercept_choice(s, t.final_d, r2) == InterceptChoice::block_page;
  LocalReply refusal = refusal_of(t.final_d, r2, 0);
  refusal.wire = page || !hello.tls ? Wire::none : Wire::tls_alert;
  refusal.dest = t.dest;
  refusal.intercepted = page;
  std::string id;
  refusal.id_out = &id;
  co_await reply(s.reply_ctx(), std::move(refusal));
  if (!page || id.empty()) co_return Opening::ended;
  boost::system::error_code ignored;
  t.origin->socket().close(ignored);  // the page is ours: the origin never sees the flow
  co_await tunnel_block_page(s, hello, r2, t.final_d, t.id, t.dest);
  co_return Opening::close;  // its records are written: no close record
}

// Every byte the client sent is decided on before one is relayed: a timeout,
// bytes that are not TLS and a hello we cannot read all get a decision of
// their own (docs/threat-model.md). relay: the tunnel may be relayed.
asio::awaitable<Opening> decide_hello(Session& s, Tunnel& t, const Request& r2,
                                      const HelloRead& hello) {
  t.final_d = decide_and_count(s.rt, *s.rules, r2);
  if (t.final_d.action != Action::allow) co_return co_await refuse_hello(s, t, r2, hello);
  InterceptSelection sel;
  if (s.rt.interceptor) sel = select_interception(*s.rules, t.final_d, r2);
  const bool inspect = sel.choice == InterceptChoice::inspect;
  auto rec = decision_record(*s.rules, t.final_d, s.conn.info, r2, 200, false);
  rec.dest = t.dest;
  rec.intercepted = inspect;
  if (!co_await audit_and_wait(s.rt, std::move(rec), nullptr) &&
      s.settings->audit.on_failure == OnFailure::block) {
    t.final_d.action = Action::deny;
    co_await reply_audit_unavailable(s.reply_ctx(), 11, hello.tls ? Wire::tls_alert : Wire::none);
    co_return Opening::ended;
  }
  if (!inspect) co_return Opening::relay;
  t.headers = std::move(sel.headers);
  co_return Opening::inspect;
}

// Everything up to the relay: the decision on the authority, the upstream
// connection, the 200, the ClientHello and its decision, the first bytes.
// A coroutine of its own so that its frame (records, requests, the hello
// reader) is freed before a tunnel settles down to relaying.
asio::awaitable<Opening> open_tunnel(Session& s, ClientParser& p, Tunnel& t) {
  Request r;
  if (auto refused = co_await decide_authority(s, p, t, r)) co_return *refused;
  if (auto o = co_await connect_origin(s, p, t, r); o != Opening::relay) co_return o;
  // Bytes the client sent right behind the CONNECT belong to the tunnel.
  std::string_view pipelined(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  auto hello = std::make_unique<HelloRead>();
  co_await read_client_hello(s.client.socket(), *hello, s.limits().client_hello_timeout, pipelined);
  // read_client_hello took at most HelloRead::kMax of them; the rest follow it.
  s.buffer.consume(std::min(pipelined.size(), HelloRead::kMax));
  // Only a client that closed without a byte has asked nothing.
  if (hello->seen == TlsSeen::none) co_return Opening::ended;
  Request r2 = r;
  r2.tls = hello->seen;
  r2.sni = hello->sni;
  const Opening o = co_await decide_hello(s, t, r2, *hello);
  if (o == Opening::inspect) {
    // The origin connection belongs to the decrypted flow from here on.
    beast::tcp_stream origin = std::move(*t.origin);
    t.origin.reset();
    const InspectedBytes b = co_await tunnel_inspect(
        s, std::move(hello), r2, t.final_d, t.id, t.dest, std::move(origin), std::move(t.headers));
    t.up += b.up;
    t.down += b.down;
    co_return Opening::ended;
  }
  if (o != Opening::relay) co_return o;
  std::string_view rest(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  const std::string_view first(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
  const bool sent = co_await send_first_bytes(t.origin->socket(), first, rest, t.up);
  s.buffer.consume(s.buffer.size());
  co_return sent ? Opening::relay : Opening::ended;
}

// The close record of a tunnel (a plain function: no coroutine frame).
void submit_tunnel_close(Session& s, const Tunnel& t, std::uint64_t down) {
  Request r;
  r.method = "CONNECT";
  r.host = t.host;
  r.port = t.port;
  // A tunnel refused at its ClientHello got an alert, not a status.
  const std::optional<int> status =
      t.final_d.action == Action::allow ? std::optional<int>(200) : std::nullopt;
  AuditRecord rec = close_record(s.conn.info, t.id, r, t.final_d, status, t.up, down, t.started);
  rec.dest = t.dest;
  submit_close(s.rt, std::move(rec), s.client.get_executor());
}

}  // namespace

asio::awaitable<bool> connect_tunnel(Session& s, ClientParser& p) {
  Tunnel t;
  const Opening o = co_await open_tunnel(s, p, t);
  if (o == Opening::keep) co_return true;
  if (o == Opening::close) co_return false;
  std::uint64_t down = t.down;
  s.stop_reading_heads();  // a tunnel never reads another request head
  if (o == Opening::relay) {
    // The session's read buffer is not needed while relaying: an idle
    // tunnel should cost its sockets and little else.
    s.buffer.shrink_to_fit();
    { auto request = p.release(); }  // the CONNECT's fields
    RelayResult rr = co_await relay_tunnel(*s.conn.live, s.client.socket(), t.origin->socket(),
                                           s.limits().idle_timeout);
    t.up += rr.bytes_up;
    down += rr.bytes_down;
  }
  boost::system::error_code ec;
  if (t.origin) t.origin->socket().close(ec);
  submit_tunnel_close(s, t, down);
  co_return false;
}

}  // namespace gh
