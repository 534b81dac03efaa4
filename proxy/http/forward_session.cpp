// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "config/pac.hpp"
#include "http/message_rules.hpp"
#include "http/pages.hpp"
#include "http/request_target.hpp"
#include "http/send.hpp"
#include "http/session.hpp"
#include "log.hpp"
#include "net/audit_submit.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

enum class Head : unsigned char { ok, closed, timeout, too_large, bad };

struct StatusText {
  int status;
  std::string_view title;
  std::string_view detail;
};

StatusText status_for(Reason r) {
  switch (r) {
    case Reason::bad_request:
      return {400, "Bad Request", "The proxy could not understand the request."};
    case Reason::header_timeout:
      return {408, "Request Timeout", "The request headers did not arrive in time."};
    case Reason::header_too_large:
      return {431, "Request Header Fields Too Large", "The request headers are too large."};
    case Reason::upstream_refused:
      return {502, "Bad Gateway", "The origin server refused the connection."};
    case Reason::upstream_unresolvable:
      return {502, "Bad Gateway", "The origin server's name does not resolve."};
    case Reason::upstream_timeout:
      return {504, "Gateway Timeout", "The origin server did not answer in time."};
    case Reason::overloaded:
      return {503, "Service Unavailable", "The proxy is overloaded; retry later."};
    case Reason::client_limit:
      return {503, "Service Unavailable", "Too many connections from your address."};
    case Reason::loop_detected:
      return {508, "Loop Detected", "The request has passed through this proxy already."};
    default:
      return {403, "Forbidden", "The request is not allowed."};
  }
}

// Reads one request head within the session's deadline. Beast parses it;
// scan_head refuses what Beast would accept but a peer might read otherwise.
asio::awaitable<Head> read_head_bytes(Session& s, ClientParser& p) {
  const HeadWatch& w = *s.head_watch;
  const std::size_t max = s.limits().max_header_bytes;
  std::size_t scanned = 0;
  for (;;) {
    // Tolerate blank lines between requests (RFC 9112 §2.2).
    while (s.buffer.size() >= 2 &&
           std::string_view(static_cast<const char*>(s.buffer.data().data()), 2) == "\r\n") {
      s.buffer.consume(2);
      scanned = 0;
    }
    std::string_view data(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
    std::size_t end = 0;
    switch (scan_head(data, scanned, end)) {
      case HeadScan::bad:
        co_return Head::bad;
      case HeadScan::complete: {
        if (end > max) co_return Head::too_large;
        boost::system::error_code ec;
        std::size_t used = p.put(asio::buffer(data.data(), end), ec);
        if (ec == http::error::header_limit) co_return Head::too_large;
        if (ec || !p.is_header_done()) co_return Head::bad;
        s.buffer.consume(used);
        co_return Head::ok;
      }
      case HeadScan::incomplete:
        break;
    }
    scanned = data.size();
    if (data.size() > max) co_return Head::too_large;
    if (steady::now() >= s.head_deadline) co_return Head::timeout;
    if (w.expired) co_return s.buffer.size() == 0 && s.idle ? Head::closed : Head::timeout;
    // An asynchronous read, not recv(2) plus a readiness wait: Asio tries the
    // read at once, and when it must wait, the descriptor stays registered
    // for input, where a readiness wait re-registers it (one epoll_ctl per
    // request; bench/RESULTS.md, 2026-12-05). The header timer cancels it.
    boost::system::error_code ec;
    std::size_t want = std::min<std::size_t>(8192, max + 4 - data.size());
    std::size_t got = co_await s.client.socket().async_read_some(
        s.buffer.prepare(want), asio::redirect_error(asio::use_awaitable, ec));
    s.buffer.commit(got);
    if (!ec) continue;
    if (w.expired) co_return s.buffer.size() == 0 && s.idle ? Head::closed : Head::timeout;
    // End of stream: the client closed; else the connection failed.
    co_return s.buffer.size() == 0 ? Head::closed : Head::bad;
  }
}

// The header deadline cancels the read instead of closing the socket (as
// tcp_stream's expiry would), so the client can still be told 408. One timer
// per connection, armed at most once per header timeout: a keep-alive
// request only moves the deadline, it costs no timer operation.
void arm_head_watch(const std::shared_ptr<HeadWatch>& w) {
  w->armed = true;
  w->timer.expires_at(w->deadline);
  w->timer.async_wait([w](const boost::system::error_code& ec) {
    w->armed = false;
    if (ec || w->gone || !w->reading) return;
    if (steady::now() >= w->deadline) {
      w->expired = true;
      boost::system::error_code ignored;
      w->socket->cancel(ignored);
      return;
    }
    arm_head_watch(w);  // the deadline moved on: a later request is being read
  });
}

asio::awaitable<Head> read_head(Session& s, ClientParser& p) {
  HeadWatch& w = *s.head_watch;
  w.deadline = s.head_deadline;
  w.reading = true;
  if (!w.armed) arm_head_watch(s.head_watch);
  Head h = co_await read_head_bytes(s, p);
  w.reading = false;
  co_return h;
}

bool is_pac_path(std::string_view path) {
  auto q = path.find('?');
  path = path.substr(0, q);
  return path == "/proxy.pac" || path == "/wpad.dat";
}

// Requests the forward port answers itself (the PAC file, the 400 for other
// origin-form targets) are subject to clients.allow like every request that
// reaches decide() (docs/threat-model.md): a client outside it learns nothing, not even
// the PAC file, and is on record.
asio::awaitable<void> refuse_client(Session& s, const http::request_header<>& req) {
  Decision d;
  d.action = Action::deny;
  d.reason = Reason::client_not_allowed;
  d.department = department_of(*s.rules, s.conn.info.client);
  s.rt.metrics.decision(*s.rules, d, steady::duration::zero());
  const std::string method(req.method_string());
  Request r;
  r.client = s.conn.info.client;
  r.mode = s.conn.info.mode;
  r.method = method;
  co_await answer_refusal(s, d, r, 403, req.version(), false);
}

asio::awaitable<void> session_loop(Connection c) {
  Session s(c, std::move(c.socket));
  // However the session ends, drain must not reach into its frame afterwards.
  struct StopReset {
    LiveConnection& live;
    ~StopReset() { live.stop = nullptr; }
  } stop_reset{*c.live};
  // Drain closes a session only between requests; force closes it anyway.
  c.live->stop = [&s](bool force) {
    if (force || s.idle) {
      s.closing = true;
      boost::system::error_code ec;
      s.client.socket().shutdown(tcp::socket::shutdown_both, ec);
      s.client.cancel();
      if (s.upstream.stream) s.upstream.stream->cancel();
    }
  };
  auto prefix = c.prefix;
  if (!prefix.empty()) {
    auto b = s.buffer.prepare(prefix.size());
    std::memcpy(b.data(), prefix.data(), prefix.size());
    s.buffer.commit(prefix.size());
  }
  s.settings = s.rt.settings.load();
  s.head_deadline = steady::now() + s.limits().header_timeout;

  for (bool first = true; !s.closing; first = false) {
    if (!first && s.rt.draining.load() && s.buffer.size() == 0) break;
    std::optional<ClientParser> parser;
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(
        std::min<std::uint64_t>(s.limits().max_header_bytes, 0xffffffffu)));
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    s.idle = !first;
    Head h = co_await read_head(s, *parser);
    s.idle = false;
    // A request starts here: one rules snapshot for its whole life.
    s.rules = s.rt.rules.load();
    s.settings = s.rt.settings.load();
    if (h == Head::closed || s.closing) break;
    if (h != Head::ok) {
      Reason r = h == Head::timeout     ? Reason::header_timeout
                 : h == Head::too_large ? Reason::header_too_large
                                        : Reason::bad_request;
      co_await answer_error(s, r, status_for(r).status, 11);
      break;
    }
    auto& req = parser->get();
    if (audit_blocks_requests(s.rt)) {
      co_await send_page(
          s, req.version(), 503,
          error_page(503, "Service Unavailable", "The audit log is unavailable.", ""), false);
      break;
    }
    // Framing any peer could read otherwise: refused; a repeated length is
    // collapsed into one header before anything is forwarded.
    if (ambiguous_framing(req) || !collapse_content_length(req)) {
      co_await answer_error(s, Reason::bad_request, 400, req.version());
      break;
    }
    bool keep = false;
    const bool is_connect = req.method() == http::verb::connect;
    if (is_connect && c.info.mode == Mode::forward) {
      if (!co_await connect_tunnel(s, *parser)) break;
      s.head_deadline = steady::now() + s.limits().header_timeout;
      continue;
    }
    auto target = parse_request_target(sv(req.target()), is_connect);
    if (c.info.mode == Mode::transparent_http && target.form != TargetForm::origin) {
      // Redirected traffic goes to its original destination: an absolute
      // target would name another host than the one classified (docs/threat-model.md).
      co_await answer_error(s, Reason::bad_request, 400, req.version());
      break;
    }
    const bool to_decide =
        target.form == TargetForm::absolute && beast::iequals(bsv(target.scheme), "http");
    if (c.info.mode == Mode::forward && !to_decide &&
        !s.rules->clients_allow.lookup(c.info.client)) {
      co_await refuse_client(s, req);
      break;
    }
    if (c.info.mode == Mode::transparent_http) {
      // Redirected traffic: the origin is the original destination, the
      // host to classify is the Host header.
      auto host_hdr = req[http::field::host];
      const std::string synthetic = "http://" + std::string(host_hdr) + std::string(target.path);
      auto host_target = parse_request_target(synthetic, false);
      if (host_hdr.empty() || host_target.form != TargetForm::absolute) {
        co_await answer_error(s, Reason::bad_request, 400, req.version());
        break;
      }
      std::string host(host_target.host);
      std::string path(target.path);
      keep = co_await forward_http(s, *parser, host, false, c.info.original_port, path);
    } else if (target.form == TargetForm::origin && c.info.mode == Mode::forward &&
               (req.method() == http::verb::get || req.method() == http::verb::head) &&
               is_pac_path(target.path)) {
      keep = co_await send_page(s, req.version(), 200, pac_text(*s.settings),
                                req.keep_alive() && parser->is_done(),
                                "application/x-ns-proxy-autoconfig");
    } else if (to_decide) {
      std::string host(target.host);
      std::string path(target.path);
      keep = co_await forward_http(s, *parser, host, false, target.port, path);
    } else {
      co_await answer_error(s, Reason::bad_request, 400, req.version());
      break;
    }
    if (!keep) break;
    s.head_deadline = steady::now() + s.limits().header_timeout;
  }
  boost::system::error_code ec;
  s.client.socket().shutdown(tcp::socket::shutdown_send, ec);
  c.live->stop = nullptr;
  if (!s.rt.draining.load()) park_upstream(s.upstream);
}

}  // namespace

Session::Session(Connection& c, tcp::socket sock)
    : conn(c), rt(c.server->runtime()), client(std::move(sock)) {
  head_watch = std::make_shared<HeadWatch>(client.get_executor(), &client.socket());
}

void Session::stop_head_watch() {
  if (!head_watch) return;
  head_watch->gone = true;
  head_watch->timer.cancel();  // its handler holds the last reference
  head_watch.reset();
}

Session::~Session() { stop_head_watch(); }

asio::awaitable<bool> write_client(Session& s, std::string_view data) {
  return send_all(s.client, data, s.limits().idle_timeout);
}

asio::awaitable<bool> send_page(Session& s, unsigned version, int status, std::string body,
                                bool keep_alive, std::string_view content_type) {
  http::response<http::string_body> res{static_cast<http::status>(status),
                                        version == 10 ? 10u : 11u};
  res.set(http::field::content_type, bsv(content_type));
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::server, "gatehouse");
  res.body() = std::move(body);
  res.keep_alive(keep_alive && !s.closing);
  res.prepare_payload();
  // Beast serialises the head; head and body go out in one sendmsg(2).
  std::string head;
  head.reserve(256);
  http::serializer<false, http::string_body> sr{res};
  bool ok = drain_header(sr, head) &&
            co_await send_all(s.client, head, res.body(), s.limits().idle_timeout);
  co_return ok&& keep_alive;
}

asio::awaitable<void> answer_error(Session& s, Reason reason, int status, unsigned version) {
  auto rec = deny_record(s.rules.get(), s.conn.info, reason, status);
  std::string id;
  bool ok = co_await audit_and_wait(s.rt, std::move(rec), &id);
  auto t = status_for(reason);
  if (!ok && s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    status = 503;
    t = {503, "Service Unavailable", "The audit log is unavailable."};
    id.clear();
  }
  co_await send_page(s, version, status, error_page(status, t.title, t.detail, id), false);
}

namespace {

// The page of a refusal (a plain function: its locals stay off the frame).
std::string refusal_page(const Session& s, const Decision& d, const Request& req, int status,
                         std::string_view id) {
  if (status != 403) {
    auto t = status_for(d.reason);
    return error_page(status, t.title, t.detail, id);
  }
  const RuleSet& rules = *s.rules;
  BlockPageInfo info;
  info.host = req.host;
  if (d.app != kNone) info.app = rules.apps[d.app].title;
  if (d.category != kNone) info.category = rules.categories[d.category].title;
  auto dep = d.department != kNone ? d.department : department_of(rules, s.conn.info.client);
  if (dep != kNone) info.department = rules.departments[dep].name;
  info.reason = to_string(d.reason);
  info.record_id = id;
  info.contact = s.settings->block_page_contact;
  return block_page(info);
}

}  // namespace

asio::awaitable<bool> answer_refusal(Session& s, const Decision& d, const Request& req, int status,
                                     unsigned version, bool keep_alive) {
  const RuleSet& rules = *s.rules;
  auto rec = decision_record(rules, d, s.conn.info, req, status, s.settings->audit.redact_query);
  std::string id;
  bool ok = co_await audit_and_wait(s.rt, std::move(rec), &id);
  if (!ok && s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_await send_page(s, version, 503,
                       error_page(503, "Service Unavailable", "The audit log is unavailable.", ""),
                       false);
    co_return false;
  }
  co_return co_await send_page(s, version, status, refusal_page(s, d, req, status, id), keep_alive);
}

asio::awaitable<void> forward_session(Connection c) { co_await session_loop(std::move(c)); }
asio::awaitable<void> transparent_http_session(Connection c) {
  co_await session_loop(std::move(c));
}

}  // namespace gh
