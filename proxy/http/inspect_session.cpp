#include "http/inspect_session.hpp"

#include <openssl/x509.h>

#include <chrono>
#include <memory>

#include "base/log.hpp"
#include "http/body_relay.hpp"
#include "http/decision.hpp"
#include "http/intercept_tls.hpp"
#include "http/message_rules.hpp"
#include "http/response_head.hpp"
#include "http/send.hpp"
#include "net/audit_submit.hpp"
#include "tls/intercept_metrics.hpp"
#include "tls/interceptor.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

// One decrypted flow: both TLS streams and what its requests share.
struct Flow {
  Flow(InterceptFlow& fl, TlsStream& c, beast::tcp_stream o, SSL* origin_ssl,
       std::vector<const HeaderRule*> h)
      : f(fl),
        client(c),
        sink(c, fl.settings->limits.idle_timeout),
        origin_socket(o.release_socket()),
        origin(origin_socket, origin_ssl),
        headers(std::move(h)) {}

  InterceptFlow& f;
  TlsStream& client;
  TlsSink sink;
  tcp::socket origin_socket;  // connected by the caller; I/O only through `origin`
  TlsSocket origin;
  bool origin_open = false;      // handshake done, chain and name verified
  beast::flat_buffer in;         // client bytes read, not parsed yet
  beast::flat_buffer origin_in;  // origin bytes read, not parsed yet
  std::vector<const HeaderRule*> headers;
  InspectedBytes bytes;

  const LimitSettings& limits() const { return f.settings->limits; }
  ReplyContext ctx() { return ReplyContext{f.rt, f.rules.get(), *f.settings, f.conn, &sink}; }
};

// One request inside the flow.
struct Inner {
  Request r;
  std::string method, url;
  Decision d;
  std::string id;  // of its decision record
  int status = 0;  // sent to the client (0: none)
  unsigned version = 11;
  bool keep = false;
  std::uint64_t up = 0, down = 0;
  steady::time_point started = steady::now();
};

// "https://host[:port]/path?q" -> authority and origin-form target.
std::string_view authority_of(std::string_view url) {
  url.remove_prefix(8);
  return url.substr(0, url.find('/'));
}
std::string_view target_of(std::string_view url) {
  url.remove_prefix(8);
  return url.substr(url.find('/'));
}

// The TLS handshake with the origin: uncategorized when it is open and
// verified, else why not (counted and logged; no secret is logged).
asio::awaitable<Reason> open_origin(Flow& x) {
  auto& lowest = beast::get_lowest_layer(x.origin);
  lowest.expires_after(x.limits().connect_timeout);
  boost::system::error_code ec;
  co_await x.origin.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
  const bool expired = lowest.expired();
  lowest.expires_never();
  if (!ec) {
    x.origin_open = true;
    co_return Reason::uncategorized;
  }
  const long verify = SSL_get_verify_result(x.origin.native_handle());
  if (verify != X509_V_OK) {
    intercept_metrics().upstream_verify_failures.fetch_add(1, std::memory_order_relaxed);
    log(LogLevel::warning, "origin %s: certificate refused: %s", x.f.host.c_str(),
        X509_verify_cert_error_string(verify));
    co_return Reason::upstream_cert_invalid;
  }
  log(LogLevel::warning, "origin %s: TLS handshake failed: %s", x.f.host.c_str(),
      ec.message().c_str());
  co_return expired ? Reason::upstream_timeout : Reason::upstream_refused;
}

// A request refused before it reached the origin: on record, answered, and
// the flow ends (its body, if any, was not read).
asio::awaitable<void> refuse(Flow& x, Inner& q, Reason reason, int status, bool policy) {
  LocalReply r;
  r.status = status;
  r.reason = reason;
  r.decision = policy ? &q.d : nullptr;
  r.request = &q.r;
  r.version = q.version;
  r.intercepted = true;
  r.dest = x.f.dest;
  co_await reply(x.ctx(), std::move(r));
}

// The origin broke off after the decision was recorded: the page only (the
// close record carries the status).
asio::awaitable<void> origin_failure(Flow& x, Inner& q, int status, std::string_view detail) {
  q.status = status;
  LocalReply r;
  r.status = status;
  r.reason = status == 504 ? Reason::upstream_timeout : Reason::upstream_refused;
  r.version = q.version;
  r.audit = false;
  r.detail = detail;
  co_await reply(x.ctx(), std::move(r));
}

// The request as the origin gets it: hop-by-hop fields gone, our Via, the
// flow's authority as Host, the normalised target, then the header rules
// (each replaces whatever the client sent under that name).
void prepare_for_origin(Flow& x, const Inner& q, http::request<http::buffer_body>& req) {
  req.erase(http::field::expect);
  strip_hop_by_hop(req);
  add_via(req, q.version, x.f.settings->via_name);
  req.target(bsv(target_of(q.url)));
  req.set(http::field::host, bsv(authority_of(q.url)));
  req.version(11);
  for (const HeaderRule* rule : x.headers)
    for (const auto& [name, value] : rule->set) req.set(bsv(name), bsv(value));
}

// Relays the response whose head was read; true when the flow may go on.
asio::awaitable<bool> relay_response(Flow& x, Inner& q, OriginParser& rp) {
  auto& res = rp.get();
  if (!collapse_content_length(res)) {
    co_await origin_failure(x, q, 502, "The origin server sent a malformed response.");
    co_return false;
  }
  q.status = res.result_int();
  // One origin connection per flow: when it ends, the flow ends with it.
  bool keep = q.keep && res.keep_alive() && !rp.need_eof() && q.status != 101;
  strip_hop_by_hop(res);
  add_via(res, res.version(), x.f.settings->via_name);
  if (q.version == 10 && res.chunked()) {
    res.chunked(false);  // HTTP/1.0 clients read to the end instead
    keep = false;
  }
  res.version(q.version == 10 ? 10 : 11);
  res.keep_alive(keep);
  http::response_serializer<http::buffer_body> rs{res};
  const bool ok = co_await relay_body<false>(x.origin, x.origin_in, rp, x.client, rs,
                                             x.limits().idle_timeout, q.down);
  co_return ok&& keep;
}

// Sends the request (head and body) and relays the response.
asio::awaitable<bool> exchange(Flow& x, ClientParser& p, Inner& q) {
  auto& req = p.get();
  const bool head = req.method() == http::verb::head;
  http::request_serializer<http::buffer_body> sr{req};
  if (!co_await relay_body<true>(x.client, x.in, p, x.origin, sr, x.limits().idle_timeout, q.up)) {
    co_await origin_failure(x, q, 502, "The request could not be forwarded.");
    co_return false;
  }
  std::optional<OriginParser> rp;
  const auto ec =
      co_await read_final_head(x.origin, x.origin_in, x.client, head, x.limits().idle_timeout, rp);
  if (ec) {
    const bool late = ec == beast::error::timeout;
    co_await origin_failure(x, q, late ? 504 : 502,
                            late ? "The origin server did not answer in time."
                                 : "The origin server closed the connection.");
    co_return false;
  }
  co_return co_await relay_response(x, q, *rp);
}

// An allowed request: on record, forwarded, its close record written.
asio::awaitable<bool> forward(Flow& x, ClientParser& p, Inner& q) {
  Runtime& rt = x.f.rt;
  auto rec = decision_record(*x.f.rules, q.d, x.f.conn, q.r, std::nullopt,
                             x.f.settings->audit.redact_query);
  rec.dest = x.f.dest;
  rec.intercepted = true;
  if (!co_await audit_and_wait(rt, std::move(rec), &q.id) &&
      x.f.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(x.ctx(), q.version);
    co_return false;
  }
  auto& req = p.get();
  q.keep = req.keep_alive() && !rt.draining.load();
  if (!p.is_done() && beast::iequals(req[http::field::expect], "100-continue") &&
      !co_await send_all(x.client, "HTTP/1.1 100 Continue\r\n\r\n", x.limits().idle_timeout))
    co_return false;
  prepare_for_origin(x, q, req);
  const bool ok = co_await exchange(x, p, q);
  x.bytes.up += q.up;
  x.bytes.down += q.down;
  AuditRecord close =
      close_record(x.f.conn, q.id, q.r, q.d, q.status ? std::optional<int>(q.status) : std::nullopt,
                   q.up, q.down, q.started);
  close.dest = x.f.dest;
  submit_close(rt, std::move(close), x.client.get_executor());
  co_return ok;
}

// One request of the flow; true when the flow goes on.
asio::awaitable<bool> one_request(Flow& x) {
  ClientParser p;
  const LimitSettings& limits = x.limits();
  const InnerHead h =
      co_await read_inner_head(x.client, x.in, p, limits.max_header_bytes, limits.header_timeout);
  if (h == InnerHead::closed) co_return false;
  Inner q;
  const bool read = h == InnerHead::ok;
  Reason failure = inner_request(x.f, read ? &p : nullptr, q.method, q.url, q.r);
  if (!read) {
    failure = inner_head_reason(h);
  } else {
    q.version = p.get().version();
    // Framing any peer could read otherwise is refused (README "Running the proxy").
    if (ambiguous_framing(p.get()) || !collapse_content_length(p.get()))
      failure = Reason::bad_request;
  }
  if (failure != Reason::uncategorized) {
    co_await refuse(x, q, failure, status_text(failure).status, false);
    co_return false;
  }
  q.d = decide_and_count(x.f.rt, *x.f.rules, q.r);
  if (q.d.action != Action::allow) {
    co_await refuse(x, q, q.d.reason, 403, true);
    co_return false;
  }
  if (!x.origin_open) {
    const Reason why = co_await open_origin(x);
    if (why != Reason::uncategorized) {
      q.d.action = Action::deny;
      q.d.reason = why;
      q.d.approval = kNone;
      co_await refuse(x, q, why, why == Reason::upstream_timeout ? 504 : 502, true);
      co_return false;
    }
  }
  co_return co_await forward(x, p, q);
}

}  // namespace

asio::awaitable<InspectedBytes> serve_inspected(tcp::socket& client, std::string prefix,
                                                InterceptFlow& f, beast::tcp_stream origin,
                                                std::vector<const HeaderRule*> headers) {
  auto tls = co_await accept_client_tls(client, std::move(prefix), f);
  if (!tls) co_return InspectedBytes{};
  SSL* origin_ssl = SSL_new(f.interceptor.origin());
  if (!origin_ssl) {
    log(LogLevel::error, "origin %s: cannot make a TLS connection", f.host.c_str());
    co_return InspectedBytes{};
  }
  auto x = std::make_unique<Flow>(f, *tls, std::move(origin), origin_ssl, std::move(headers));
  if (!prepare_origin_ssl(x->origin.native_handle(), f.host)) {
    log(LogLevel::error, "origin %s: cannot set the name to verify", f.host.c_str());
    co_return InspectedBytes{};
  }
  while (co_await one_request(*x)) {
    // An idle flow holds no buffer it does not use: a browser keeps many
    // open (bench/RESULTS.md, memory per idle intercepted connection).
    if (x->in.size() == 0) x->in.shrink_to_fit();
    if (x->origin_in.size() == 0) x->origin_in.shrink_to_fit();
    x->origin.rest();  // the client side rests in its next read
  }
  // The last response is out: close TLS politely, within the idle timeout.
  boost::system::error_code ec;
  tls->next_layer().expires_after(x->limits().idle_timeout);
  co_await tls->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  co_return x->bytes;
}

}  // namespace gh
