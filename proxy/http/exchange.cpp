// One plain-HTTP request through the proxy: decide, connect (or reuse),
// audit, forward the request, stream the response back.
#include <chrono>
#include <limits>

#include "base/log.hpp"
#include "http/auth_gate.hpp"
#include "http/body_relay.hpp"
#include "http/decision.hpp"
#include "http/message_rules.hpp"
#include "http/path_normalize.hpp"
#include "http/request_target.hpp"
#include "http/response_head.hpp"
#include "http/session.hpp"
#include "http/upstream_pool.hpp"
#include "net/audit_submit.hpp"
#include "net/upstream.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

}  // namespace

void close_upstream(Upstream& u) {
  if (u.stream) {
    boost::system::error_code ec;
    u.stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    u.stream->close();
  }
  u.stream.reset();
  u.buffer.clear();
  u.reusable = false;
  u.key.clear();
  u.dest.reset();
}

void park_upstream(Upstream& u) {
  // Only a connection whose last response ended cleanly, nothing unread.
  if (u.stream && u.reusable && u.buffer.size() == 0 && !u.key.empty()) {
    UpstreamPool::local().put(std::move(u.key), std::move(u.stream), u.opened_under,
                              std::move(u.dest));
  }
  close_upstream(u);
}

namespace {

// One request after its decision, shared by forward_http and forward_allowed.
struct Exchange {
  std::string host;
  HostName hn;
  std::uint16_t port = 0;
  std::string auth;  // "host[:port]"
  std::string url;
  std::string method;
  std::string path;  // normalised (path_normalize.hpp): what rules see and the origin gets
  Request r;
  Decision d;
  bool client_keep = false;
  bool body_pending = false;
  bool reused = false;    // the origin connection was kept alive from before
  unsigned version = 11;  // of the client's request
  int status = 0;         // sent to the client (0: none)
  bool relayed = false;   // the response reached the client whole
  std::uint64_t up = 0, down = 0;
  steady::time_point started = steady::now();
};

asio::awaitable<bool> forward_allowed(Session& s, ClientParser& p, Exchange& x);

}  // namespace

// Decides; a refusal is answered from this small frame, and only an allowed
// request pays for the frame of forward_allowed (serialisers, parsers).
asio::awaitable<bool> forward_http(Session& s, ClientParser& p, std::string_view raw_host,
                                   bool /*host_is_ip*/, std::uint16_t port, std::string_view path) {
  auto& req = p.get();
  const unsigned version = req.version();
  Exchange x;
  // One spelling of the path for URL rules, the audit record and the origin
  // alike (docs/threat-model.md): a rule cannot be walked around by a
  // spelling the origin would read as the same path.
  if (raw_host.empty() || canonicalize_host(raw_host, x.host, &x.hn) != HostError::none ||
      normalize_target(path, x.path) != PathStatus::ok) {
    co_await reply_error(s.reply_ctx(), Reason::bad_request, 400, version);
    co_return false;
  }
  x.port = port;
  x.auth = http_authority(x.host, x.hn.is_ip, port);
  x.url = http_url(x.host, x.hn.is_ip, port, x.path);
  x.method = std::string(req.method_string());

  Request& r = x.r;
  r.client = s.conn.info.client;
  r.mode = s.conn.info.mode;
  r.method = x.method;
  r.host = x.host;
  r.port = port;
  r.url = x.url;
  apply_identity(s, r);
  // transparent-http: the address the client really went to is classified
  // too, so a Host header cannot launder it (docs/threat-model.md).
  if (s.conn.info.has_original_dst) r.original_dst = s.conn.info.original_dst;
  x.d = decide_and_count(s.rt, *s.rules, r);
  if (x.d.action == Action::allow && via_names(req, s.settings->via_name)) {
    // It has been through this gatehouse already: forwarding it again would
    // only come back here (README "Via and loops").
    x.d.action = Action::deny;
    x.d.reason = Reason::loop_detected;
  }
  x.client_keep = req.keep_alive() && !s.rt.draining.load();
  x.body_pending = !p.is_done();
  if (x.d.action != Action::allow) {
    // The body was not read: the connection can only go on if there is none.
    const int status = x.d.reason == Reason::loop_detected ? 508 : 403;
    co_return co_await reply_refusal(s.reply_ctx(), x.d, r, status, version,
                                     x.client_keep && !x.body_pending);
  }
  co_return co_await forward_allowed(s, p, x);
}

namespace {

// The pool key of an exchange's origin: its authority, and on transparent
// listeners the address it must be reached at.
std::string upstream_key(const Session& s, const Exchange& x) {
  return x.auth + (s.conn.info.has_original_dst ? "@" + s.conn.info.original_dst.to_string() : "");
}

// A new connection to the exchange's origin (status 0), or the refusal's status.
asio::awaitable<int> connect_origin(Session& s, Exchange& x, const std::string& key) {
  UpstreamResult ur(s.client.get_executor());
  UpstreamTarget target{x.host, x.hn.is_ip, x.port, std::nullopt, s.conn.info.client};
  if (s.conn.info.has_original_dst) target.fixed = s.conn.info.original_dst;
  co_await connect_upstream(s.conn.server->upstreams(), *s.rules, x.d, target,
                            s.limits().connect_timeout, ur);
  if (ur.status != 0) {
    x.d = ur.decision;
    co_return ur.status;
  }
  s.upstream.stream = std::make_unique<beast::tcp_stream>(std::move(ur.stream));
  if (ur.connected) s.upstream.dest = endpoint_dest(*ur.connected);
  s.upstream.key = key;
  s.upstream.opened_under = s.rules;
  co_return 0;
}

// The kept-alive connection of this session or of the pool, else a new one.
asio::awaitable<int> open_origin(Session& s, Exchange& x, const std::string& key) {
  x.reused = s.upstream.stream && s.upstream.reusable && s.upstream.key == key;
  if (x.reused) co_return 0;
  park_upstream(s.upstream);  // another origin: its connection may serve someone else
  if (auto pooled = UpstreamPool::local().take(key, s.rules, s.upstream.dest)) {
    s.upstream.stream = std::move(pooled);
    s.upstream.key = key;
    s.upstream.opened_under = s.rules;
    x.reused = true;
    co_return 0;
  }
  co_return co_await connect_origin(s, x, key);
}

// The origin broke off or misbehaved after the decision was recorded: the
// page only (the close record carries the status).
asio::awaitable<void> reply_origin_failure(Session& s, unsigned version, int status,
                                           std::string_view detail) {
  LocalReply r;
  r.status = status;
  r.reason = status == 504 ? Reason::upstream_timeout : Reason::upstream_refused;
  r.version = version;
  r.audit = false;
  r.detail = detail;
  co_await reply(s.reply_ctx(), r);
}

// Reads the final response head, passing 1xx interim responses on.
asio::awaitable<boost::system::error_code> read_response_head(
    Session& s, const http::request<http::buffer_body>& req, std::optional<OriginParser>& rp) {
  return read_final_head(*s.upstream.stream, s.upstream.buffer, s.client,
                         req.method() == http::verb::head, s.limits().idle_timeout, rp);
}

// The page and status of a response head that could not be read.
asio::awaitable<int> answer_head_failure(Session& s, const Exchange& x, unsigned version,
                                         boost::system::error_code ec) {
  log(LogLevel::warning, "upstream %s: %s", x.auth.c_str(), ec.message().c_str());
  const int status = ec == beast::error::timeout ? 504 : 502;
  // Beast refuses conflicting framing (two lengths, a length beside
  // Transfer-Encoding) as a parse error: that is the origin's fault.
  const bool malformed =
      ec.category() == http::make_error_code(http::error::bad_content_length).category();
  co_await reply_origin_failure(s, version, status,
                                status == 504 ? "The origin server did not answer in time."
                                : malformed   ? "The origin server sent a malformed response."
                                              : "The origin server closed the connection.");
  co_return status;
}

// Relays the response whose head was read; true when both sides may go on.
asio::awaitable<bool> relay_response(Session& s, Exchange& x, unsigned version,
                                     http::response_parser<http::buffer_body>& rp) {
  auto& u = s.upstream;
  auto& res = rp.get();
  if (!collapse_content_length(res)) {
    // Lengths that differ: no reading of this response is safe to relay, and
    // the connection's next response cannot be found (docs/threat-model.md).
    log(LogLevel::warning, "upstream %s: conflicting Content-Length", x.auth.c_str());
    close_upstream(u);
    x.status = 502;
    co_await reply_origin_failure(s, version, 502, "The origin server sent a malformed response.");
    co_return false;
  }
  x.status = res.result_int();
  const bool origin_keep = res.keep_alive() && !rp.need_eof() && x.status != 101;
  bool keep = x.client_keep && !rp.need_eof() && x.status != 101;
  strip_hop_by_hop(res);
  add_via(res, res.version(), s.settings->via_name);
  if (version == 10 && res.chunked()) {
    res.chunked(false);  // HTTP/1.0 clients read to the end instead
    keep = false;
  }
  res.version(version == 10 ? 10 : 11);
  res.keep_alive(keep);
  http::response_serializer<http::buffer_body> rs{res};
  const bool ok = co_await relay_body<false>(*u.stream, u.buffer, rp, s.client, rs,
                                             s.limits().idle_timeout, x.down);
  x.relayed = ok;
  u.reusable = ok && origin_keep;
  if (!u.reusable) close_upstream(u);
  co_return ok&& keep;
}

// A kept-alive origin connection may have closed meanwhile: true when a new
// connection was opened to send the request again (nothing of it was sent).
asio::awaitable<bool> retry_stale(Session& s, Exchange& x, const std::string& key,
                                  boost::system::error_code ec) {
  const bool stale = x.reused && x.up == 0 && !x.body_pending &&
                     (ec == http::error::end_of_stream || ec == asio::error::eof ||
                      ec == asio::error::connection_reset);
  close_upstream(s.upstream);
  if (!stale) co_return false;
  const Decision allowed = x.d;
  if (co_await connect_origin(s, x, key) != 0) {
    x.d = allowed;  // the close record keeps the decision on record
    co_return false;
  }
  x.reused = false;
  co_return true;
}

// Sends the request (head and body) and relays the response.
asio::awaitable<bool> exchange(Session& s, ClientParser& p, Exchange& x, const std::string& key) {
  auto& req = p.get();
  const unsigned version = x.version;
  for (int attempt = 0; attempt < 2; ++attempt) {
    http::request_serializer<http::buffer_body> sr{req};
    if (!co_await relay_body<true>(s.client, s.buffer, p, *s.upstream.stream, sr,
                                   s.limits().idle_timeout, x.up)) {
      // Either side broke off mid-request; tell the client if it still listens.
      x.status = 502;
      co_await reply_origin_failure(s, version, 502, "The request could not be forwarded.");
      co_return false;
    }
    std::optional<http::response_parser<http::buffer_body>> rp;
    const auto ec = co_await read_response_head(s, req, rp);
    if (!ec) co_return co_await relay_response(s, x, version, *rp);
    if (attempt == 0 && co_await retry_stale(s, x, key, ec)) continue;
    x.status = co_await answer_head_failure(s, x, version, ec);
    co_return false;
  }
  co_return false;
}

// The request as the origin gets it: hop-by-hop fields gone, our Via added,
// origin-form target, Host = the authority decided on.
void prepare_for_origin(Session& s, http::request<http::buffer_body>& req, const Exchange& x) {
  req.erase(http::field::expect);
  strip_hop_by_hop(req);
  add_via(req, x.version, s.settings->via_name);
  req.target(bsv(x.path));
  req.set(http::field::host, x.auth);
  req.version(11);
}

asio::awaitable<bool> forward_allowed(Session& s, ClientParser& p, Exchange& x) {
  auto& req = p.get();
  x.version = req.version();
  const std::string key = upstream_key(s, x);
  if (const int status = co_await open_origin(s, x, key); status != 0) {
    co_return co_await reply_refusal(s.reply_ctx(), x.d, x.r, status, x.version,
                                     x.client_keep && !x.body_pending);
  }
  auto rec = decision_record(*s.rules, x.d, s.conn.info, x.r, std::nullopt,
                             s.settings->audit.redact_query);
  // the origin address chosen (docs/threat-model.md)
  if (!s.upstream.dest) s.upstream.dest = dest_of(s.upstream.stream->socket());
  rec.dest = s.upstream.dest;
  std::string id;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(s.reply_ctx(), x.version);
    co_return false;
  }
  if (x.body_pending && beast::iequals(req[http::field::expect], "100-continue")) {
    // Honoured here: the decision is made and the origin is reachable.
    if (!co_await write_client(s, "HTTP/1.1 100 Continue\r\n\r\n")) co_return false;
  }
  prepare_for_origin(s, req, x);
  const bool ok = co_await exchange(s, p, x, key);
  if (!x.relayed) close_upstream(s.upstream);
  submit_close(
      s.rt,
      close_record(s.conn.info, id, x.r, x.d,
                   x.status ? std::optional<int>(x.status) : std::nullopt, x.up, x.down, x.started),
      s.client.get_executor());
  co_return ok;
}

}  // namespace

}  // namespace gh
