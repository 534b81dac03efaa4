#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "base/log.hpp"
#include "config/pac.hpp"
#include "http/auth_gate.hpp"
#include "http/message_rules.hpp"
#include "http/pages.hpp"
#include "http/request_target.hpp"
#include "http/send.hpp"
#include "http/session.hpp"
#include "net/audit_submit.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

enum class Head : unsigned char { ok, closed, timeout, too_large, bad };

// The deadline passed while a head was read: a kept-alive connection that
// sent nothing more is closed silently, anything else gets its 408.
Head expiry(const Session& s) {
  return s.buffer.size() == 0 && s.phase() == Phase::idle ? Head::closed : Head::timeout;
}

// Reads one request head within the session's deadline. Beast parses it;
// scan_head refuses what Beast would accept but a peer might read otherwise.
asio::awaitable<Head> read_head_bytes(Session& s, ClientParser& p) {
  const SessionClock& clock = *s.clock;
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
        std::size_t used = 0;
        try {
          used = p.put(asio::buffer(data.data(), end), ec);
        } catch (const std::length_error&) {
          // Beast keeps a field's name and value lengths in 16 bits and throws
          // for a longer one (max_header_bytes may allow it): too large.
          co_return Head::too_large;
        }
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
    if (clock.expired()) co_return expiry(s);
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
    if (clock.phase == Phase::closing) co_return Head::closed;
    if (clock.expired()) co_return expiry(s);
    // End of stream: the client closed; else the connection failed.
    co_return s.buffer.size() == 0 ? Head::closed : Head::bad;
  }
}

// The deadline cancels the read instead of closing the socket (as
// tcp_stream's expiry would), so the client can still be told 408.
void wait_deadline(const std::shared_ptr<SessionClock>& c) {
  c->timer_waiting = true;
  c->timer.expires_at(c->deadline);
  c->timer.async_wait([c](const boost::system::error_code& ec) {
    c->timer_waiting = false;
    if (ec || !c->socket || !c->reading_head()) return;
    if (c->expired()) {
      boost::system::error_code ignored;
      c->socket->cancel(ignored);
      return;
    }
    wait_deadline(c);  // the deadline moved on: a later request is being read
  });
}

// Reads the next request head; `phase` is first_head or idle.
asio::awaitable<Head> read_head(Session& s, ClientParser& p, Phase phase) {
  s.clock->deadline = steady::now() + s.limits().header_timeout;
  s.set_phase(phase);
  if (!s.clock->timer_waiting) wait_deadline(s.clock);
  Head h = co_await read_head_bytes(s, p);
  if (s.phase() != Phase::closing) s.set_phase(Phase::handling);
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
  co_await reply_refusal(s.reply_ctx(), d, r, 403, req.version(), false);
}

// transparent-http: the origin is the original destination, the host to
// classify is the Host header; an absolute target would name another host
// than the one classified (docs/threat-model.md).
asio::awaitable<bool> transparent_request(Session& s, ClientParser& p, const RequestTarget& t) {
  auto& req = p.get();
  auto host_hdr = req[http::field::host];
  const std::string synthetic = "http://" + std::string(host_hdr) + std::string(t.path);
  auto host_target = parse_request_target(synthetic, false);
  if (t.form != TargetForm::origin || host_hdr.empty() ||
      host_target.form != TargetForm::absolute) {
    co_await reply_error(s.reply_ctx(), Reason::bad_request, 400, req.version());
    co_return false;
  }
  const std::string host(host_target.host), path(t.path);
  co_return co_await forward_http(s, p, host, false, s.conn.info.original_port, path);
}

// One request whose head was read; true when the connection goes on.
asio::awaitable<bool> handle_request(Session& s, ClientParser& p) {
  auto& req = p.get();
  const unsigned version = req.version();
  // Framing any peer could read otherwise: refused; a repeated length is
  // collapsed into one header before anything is forwarded.
  if (ambiguous_framing(req) || !collapse_content_length(req)) {
    co_await reply_error(s.reply_ctx(), Reason::bad_request, 400, version);
    co_return false;
  }
  const Mode mode = s.conn.info.mode;
  if (mode == Mode::forward) {  // README "Identity": before any decision, CONNECT too
    const AuthGate g = co_await authenticate_request(s, p);
    if (g == AuthGate::answered_close) co_return false;
    if (g == AuthGate::answered_keep) co_return true;
  }
  const bool is_connect = req.method() == http::verb::connect;
  if (is_connect && mode == Mode::forward) co_return co_await connect_tunnel(s, p);
  auto target = parse_request_target(sv(req.target()), is_connect);
  if (mode == Mode::transparent_http) co_return co_await transparent_request(s, p, target);
  const bool to_decide =
      target.form == TargetForm::absolute && beast::iequals(bsv(target.scheme), "http");
  if (!to_decide && !s.rules->clients_allow.lookup(s.conn.info.client)) {
    co_await refuse_client(s, req);
    co_return false;
  }
  if (to_decide) {
    const std::string host(target.host), path(target.path);
    co_return co_await forward_http(s, p, host, false, target.port, path);
  }
  if (target.form == TargetForm::origin && is_pac_path(target.path) &&
      (req.method() == http::verb::get || req.method() == http::verb::head)) {
    co_return co_await reply_document(s.reply_ctx(), version, pac_text(*s.settings),
                                      "application/x-ns-proxy-autoconfig",
                                      req.keep_alive() && p.is_done());
  }
  co_await reply_error(s.reply_ctx(), Reason::bad_request, 400, version);
  co_return false;
}

Reason head_reason(Head h) {
  return h == Head::timeout     ? Reason::header_timeout
         : h == Head::too_large ? Reason::header_too_large
                                : Reason::bad_request;
}

// The request loop of one connection: read a head, handle it, until the
// client, an error, drain or a tunnel ends it (docs/architecture.md).
asio::awaitable<void> session_loop(Connection c) {
  Session s(c, std::move(c.socket));
  // However the session ends, drain must not reach into its frame afterwards.
  struct StopReset {
    LiveConnection& live;
    ~StopReset() { live.stop = nullptr; }
  } stop_reset{*c.live};
  // Drain closes a session only between requests; force closes it anyway.
  c.live->stop = [&s](bool force) {
    if (!force && s.phase() != Phase::idle) return;
    s.set_phase(Phase::closing);
    boost::system::error_code ec;
    s.client.socket().shutdown(tcp::socket::shutdown_both, ec);
    s.client.cancel();
    if (s.upstream.stream) s.upstream.stream->cancel();
  };
  s.buffer.commit(asio::buffer_copy(s.buffer.prepare(c.prefix.size()), asio::buffer(c.prefix)));
  s.settings = s.rt.settings.load();
  for (Phase next = Phase::first_head; s.phase() != Phase::closing; next = Phase::idle) {
    if (next == Phase::idle && s.rt.draining.load() && s.buffer.size() == 0) break;
    ClientParser parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::uint64_t>(s.limits().max_header_bytes, 0xffffffffu)));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    Head h = co_await read_head(s, parser, next);
    // A request starts here: one rules snapshot for its whole life.
    s.rules = s.rt.rules.load();
    s.settings = s.rt.settings.load();
    if (h == Head::closed || s.phase() == Phase::closing) break;
    const unsigned version = h == Head::ok ? parser.get().version() : 11;
    if (audit_refuses(s.rt, *s.settings)) {
      co_await reply_audit_unavailable(s.reply_ctx(), version);
      break;
    }
    if (h != Head::ok) {
      const Reason r = head_reason(h);
      co_await reply_error(s.reply_ctx(), r, status_text(r).status, version);
      break;
    }
    if (!co_await handle_request(s, parser) || s.phase() == Phase::tunnel) break;
  }
  boost::system::error_code ec;
  s.client.socket().shutdown(tcp::socket::shutdown_send, ec);
  c.live->stop = nullptr;
  if (!s.rt.draining.load()) park_upstream(s.upstream);
}

}  // namespace

Session::Session(Connection& c, tcp::socket sock)
    : conn(c), rt(c.server->runtime()), client(std::move(sock)), sink(client, Millis(300'000)) {
  clock = std::make_shared<SessionClock>(client.get_executor(), &client.socket());
}

void Session::stop_reading_heads() {
  if (clock->phase != Phase::closing) clock->phase = Phase::tunnel;
  clock->socket = nullptr;
  clock->timer.cancel();  // its handler holds the clock until it runs
}

Session::~Session() {
  clock->socket = nullptr;
  clock->timer.cancel();
}

asio::awaitable<bool> write_client(Session& s, std::string_view data) {
  return send_all(s.client, data, s.limits().idle_timeout);
}

asio::awaitable<void> forward_session(Connection c) { co_await session_loop(std::move(c)); }
asio::awaitable<void> transparent_http_session(Connection c) {
  co_await session_loop(std::move(c));
}

}  // namespace gh
