// One plain-HTTP request through the proxy: decide, connect (or reuse),
// audit, forward the request, stream the response back.
#include <chrono>
#include <limits>

// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include "http/auth_gate.hpp"
#include "http/body_relay.hpp"
#include "http/message_rules.hpp"
#include "http/path_normalize.hpp"
#include "http/session.hpp"
#include "http/upstream_pool.hpp"
#include "log.hpp"
#include "net/audit_submit.hpp"
#include "net/upstream.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

std::string authority(const std::string& host, bool is_ip, std::uint16_t port) {
  std::string a = is_ip && host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 80) a += ":" + std::to_string(port);
  return a;
}

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
}

void park_upstream(Upstream& u) {
  // Only a connection whose last response ended cleanly, nothing unread.
  if (u.stream && u.reusable && u.buffer.size() == 0 && !u.key.empty()) {
    UpstreamPool::local().put(std::move(u.key), std::move(u.stream), u.opened_under);
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
  if (raw_host.empty() || canonicalize_host(raw_host, x.host, &x.hn) != HostError::none) {
    co_await answer_error(s, Reason::bad_request, 400, version);
    co_return false;
  }
  x.port = port;
  // One spelling of the path for URL rules, the audit record and the origin
  // alike (docs/threat-model.md): a rule cannot be walked around by a spelling the
  // origin would read as the same path.
  if (normalize_target(path, x.path) != PathStatus::ok) {
    co_await answer_error(s, Reason::bad_request, 400, version);
    co_return false;
  }
  x.auth = authority(x.host, x.hn.is_ip, port);
  x.url.reserve(7 + x.auth.size() + x.path.size());
  x.url.append("http://").append(x.auth).append(x.path);
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
  const auto t0 = steady::now();
  x.d = decide(*s.rules, r, Clock::now());
  if (x.d.action == Action::allow && via_names(req, s.settings->via_name)) {
    // It has been through this gatehouse already: forwarding it again would
    // only come back here (README "Via and loops").
    x.d.action = Action::deny;
    x.d.reason = Reason::loop_detected;
  }
  s.rt.metrics.decision(*s.rules, x.d, steady::now() - t0);

  x.client_keep = req.keep_alive() && !s.rt.draining.load();
  x.body_pending = !p.is_done();
  if (x.d.action != Action::allow) {
    // The body was not read: the connection can only go on if there is none.
    const int status = x.d.reason == Reason::loop_detected ? 508 : 403;
    co_return co_await answer_refusal(s, x.d, r, status, version, x.client_keep && !x.body_pending);
  }
  co_return co_await forward_allowed(s, p, x);
}

namespace {

asio::awaitable<bool> forward_allowed(Session& s, ClientParser& p, Exchange& x) {
  auto& req = p.get();
  const unsigned version = req.version();
  const auto started = x.started;
  const std::string& host = x.host;
  const HostName& hn = x.hn;
  const std::uint16_t port = x.port;
  const std::string& auth = x.auth;
  const std::string& path = x.path;
  const Request& r = x.r;
  const Decision& d = x.d;
  const bool client_keep = x.client_keep;
  const bool body_pending = x.body_pending;

  const std::string key =
      auth + (s.conn.info.has_original_dst ? "@" + s.conn.info.original_dst.to_string() : "");
  bool reused = s.upstream.stream && s.upstream.reusable && s.upstream.key == key;
  if (!reused) {
    park_upstream(s.upstream);  // another origin: its connection may serve someone else
    if (auto pooled = UpstreamPool::local().take(key, s.rules)) {
      s.upstream.stream = std::move(pooled);
      s.upstream.key = key;
      s.upstream.opened_under = s.rules;
      reused = true;
    }
  }
  if (!reused) {
    UpstreamResult ur(s.client.get_executor());
    UpstreamTarget target{host, hn.is_ip, port, std::nullopt, s.conn.info.client};
    if (s.conn.info.has_original_dst) target.fixed = s.conn.info.original_dst;
    co_await connect_upstream(s.conn.server->upstreams(), *s.rules, d, target,
                              s.limits().connect_timeout, ur);
    if (ur.status != 0) {
      co_return co_await answer_refusal(s, ur.decision, r, ur.status, version,
                                        client_keep && !body_pending);
    }
    s.upstream.stream = std::make_unique<beast::tcp_stream>(std::move(ur.stream));
    s.upstream.key = key;
    s.upstream.opened_under = s.rules;
  }

  auto rec =
      decision_record(*s.rules, d, s.conn.info, r, std::nullopt, s.settings->audit.redact_query);
  rec.dest = dest_of(s.upstream.stream->socket());  // the origin address chosen (docs/threat-model.md)
  std::string id;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_await answer_error(s, Reason::overloaded, 503, version);
    co_return false;
  }

  boost::system::error_code ec;
  if (body_pending && beast::iequals(req[http::field::expect], "100-continue")) {
    // Honoured here: the decision is made and the origin is reachable.
    static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
    co_await asio::async_write(s.client, asio::buffer(k100.data(), k100.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  req.erase(http::field::expect);
  strip_hop_by_hop(req);
  add_via(req, version, s.settings->via_name);
  req.target(bsv(path));
  req.set(http::field::host, auth);
  req.version(11);

  const Millis idle = s.limits().idle_timeout;
  std::uint64_t up = 0, down = 0;
  int status = 0;
  bool ok = false, keep = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto& u = s.upstream;
    http::request_serializer<http::buffer_body> sr{req};
    if (!co_await relay_body<true>(s.client, s.buffer, p, *u.stream, sr, idle, up)) {
      // Either side broke off mid-request; tell the client if it still listens.
      status = 502;
      co_await send_page(s, version, 502, "<p>The request could not be forwarded.</p>\n", false);
      break;
    }

    std::optional<http::response_parser<http::buffer_body>> rp;
    bool header_ok = false;
    for (int interim = 0; interim < 8; ++interim) {
      rp.emplace();
      rp->body_limit(std::numeric_limits<std::uint64_t>::max());
      rp->header_limit(64 * 1024);
      if (req.method() == http::verb::head) rp->skip(true);
      u.stream->expires_after(idle);
      co_await http::async_read_header(*u.stream, u.buffer, *rp,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      int code = rp->get().result_int();
      if (code < 100 || code >= 200 || code == 101) {
        header_ok = true;
        break;
      }
      // 1xx interim responses go to the client as they are.
      http::response<http::empty_body> interim_res{rp->get().base()};
      strip_hop_by_hop(interim_res);
      co_await http::async_write(s.client, interim_res,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    if (!header_ok) {
      // A kept-alive upstream may have closed meanwhile: retry once on a new
      // connection when nothing of a body was sent.
      bool stale = reused && attempt == 0 && up == 0 && !body_pending &&
                   (ec == http::error::end_of_stream || ec == asio::error::eof ||
                    ec == asio::error::connection_reset);
      close_upstream(u);
      if (stale) {
        UpstreamResult ur(s.client.get_executor());
        UpstreamTarget target{host, hn.is_ip, port, std::nullopt, s.conn.info.client};
        if (s.conn.info.has_original_dst) target.fixed = s.conn.info.original_dst;
        co_await connect_upstream(s.conn.server->upstreams(), *s.rules, d, target,
                                  s.limits().connect_timeout, ur);
        if (ur.status == 0) {
          u.stream = std::make_unique<beast::tcp_stream>(std::move(ur.stream));
          u.key = key;
          u.opened_under = s.rules;
          reused = false;
          continue;
        }
      }
      log(LogLevel::warning, "upstream %s: %s", key.c_str(), ec.message().c_str());
      status = ec == beast::error::timeout ? 504 : 502;
      // Beast refuses conflicting framing (two lengths, a length beside
      // Transfer-Encoding) as a parse error: that is the origin's fault.
      const bool malformed =
          ec.category() == http::make_error_code(http::error::bad_content_length).category();
      auto page = status == 504 ? "The origin server did not answer in time."
                  : malformed   ? "The origin server sent a malformed response."
                                : "The origin server closed the connection.";
      co_await send_page(s, version, status, std::string("<p>") + page + "</p>\n", false);
      break;
    }

    auto& res = rp->get();
    if (!collapse_content_length(res)) {
      // Lengths that differ: no reading of this response is safe to relay,
      // and the connection's next response cannot be found (docs/threat-model.md).
      log(LogLevel::warning, "upstream %s: conflicting Content-Length", key.c_str());
      close_upstream(u);
      status = 502;
      co_await send_page(s, version, 502, "<p>The origin server sent a malformed response.</p>\n",
                         false);
      break;
    }
    status = res.result_int();
    const bool origin_keep = res.keep_alive() && !rp->need_eof() && res.result_int() != 101;
    keep = client_keep && !rp->need_eof() && res.result_int() != 101;
    strip_hop_by_hop(res);
    add_via(res, res.version(), s.settings->via_name);
    if (version == 10 && res.chunked()) {
      res.chunked(false);  // HTTP/1.0 clients read to the end instead
      keep = false;
    }
    res.version(version == 10 ? 10 : 11);
    res.keep_alive(keep);
    http::response_serializer<http::buffer_body> rs{res};
    ok = co_await relay_body<false>(*u.stream, u.buffer, *rp, s.client, rs, idle, down);
    u.reusable = ok && origin_keep;
    if (!u.reusable) close_upstream(u);
    break;
  }
  if (!ok) close_upstream(s.upstream);

  if (s.rt.audit) {
    submit_detached(
        *s.rt.audit,
        close_record(s.conn.info, id, r, d, status ? std::optional<int>(status) : std::nullopt, up,
                     down, started),
        s.client.get_executor());
  }
  co_return ok&& keep;
}

}  // namespace

}  // namespace gh
