#include "http/intercept_session.hpp"

#include <array>
#include <boost/asio/ssl.hpp>

#include "http/decision.hpp"
#include "http/intercepted_url.hpp"
#include "http/local_reply.hpp"
#include "http/prefixed_stream.hpp"
#include "net/audit_submit.hpp"

namespace gh {
namespace {

using TlsStream = asio::ssl::stream<PrefixedSocket>;
using steady = std::chrono::steady_clock;

// Closes the socket when the deadline passes (the handshake and the request
// head share limits.header_timeout). Cancelled on destruction; the handler
// touches the socket only when the wait really expired.
class Deadline {
 public:
  Deadline(tcp::socket& s, Millis after)
      : timer_(s.get_executor()), state_(std::make_shared<State>()) {
    timer_.expires_after(after);
    timer_.async_wait([state = state_, socket = &s](boost::system::error_code ec) {
      if (ec || state->done) return;
      state->expired = true;
      boost::system::error_code e;
      socket->cancel(e);
      socket->shutdown(tcp::socket::shutdown_both, e);
    });
  }
  ~Deadline() { disarm(); }
  void disarm() {
    state_->done = true;
    timer_.cancel();
  }
  bool expired() const { return state_->expired; }

 private:
  struct State {
    bool done = false, expired = false;
  };
  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

// The close record of a flow the client never completed a handshake for.
void record_handshake_failure(InterceptFlow& f, const asio::any_io_executor& ex) {
  if (!f.rt.audit) return;
  Decision d = f.decision;
  d.action = Action::deny;
  d.reason = Reason::tls_handshake_failed;
  d.approval = kNone;
  AuditRecord rec = close_record(f.conn, f.ref, f.request, d, std::nullopt, 0, 0, f.started);
  rec.dest = f.dest;
  submit_detached(*f.rt.audit, std::move(rec), ex);
}

// Local replies inside a decrypted flow (http/local_reply.hpp): the page
// goes out over TLS, then TLS is closed politely.
class TlsSink final : public ReplySink {
 public:
  explicit TlsSink(TlsStream& tls) : tls_(tls) {}
  asio::awaitable<bool> write(std::string_view head, std::string_view body) override {
    boost::system::error_code ec;
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(head.data(), head.size()),
                                                 asio::buffer(body.data(), body.size())};
    co_await asio::async_write(tls_, bufs, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await tls_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

 private:
  TlsStream& tls_;
};

}  // namespace

asio::awaitable<void> serve_block_page(tcp::socket& client, std::string prefix, InterceptFlow& f) {
  InterceptMetrics& m = intercept_metrics();
  const auto ex = client.get_executor();
  auto leaf = f.interceptor.leaves().get(f.host, Clock::now());
  if (!leaf) {
    m.handshake(HandshakeOutcome::no_leaf);
    record_handshake_failure(f, ex);
    co_return;
  }
  // The stream takes its own reference to the context; the wrapper gives its one back.
  SSL_CTX_up_ref(f.interceptor.client_facing());
  std::optional<TlsStream> tls;
  {
    asio::ssl::context ctx(f.interceptor.client_facing());
    tls.emplace(PrefixedSocket(client, std::move(prefix)), ctx);
  }
  if (!use_leaf(tls->native_handle(), *leaf)) {
    m.handshake(HandshakeOutcome::no_leaf);
    record_handshake_failure(f, ex);
    co_return;
  }
  const LimitSettings& limits = f.settings->limits;
  Deadline deadline(client, limits.header_timeout);
  boost::system::error_code ec;
  co_await tls->async_handshake(asio::ssl::stream_base::server,
                                asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    m.handshake(deadline.expired() ? HandshakeOutcome::timeout : HandshakeOutcome::failed);
    record_handshake_failure(f, ex);
    co_return;
  }
  m.handshake(HandshakeOutcome::ok);

  // One request head, with the forward listener's limits.
  beast::flat_buffer buffer;
  http::request_parser<http::buffer_body> parser;
  // At most 64 KiB here: Beast throws (inside the read, out of the event
  // loop) for a field longer than 65,535 bytes, and a page request needs less.
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_header_bytes, 0xffff)));
  co_await http::async_read_header(*tls, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  const bool timed_out = deadline.expired();
  deadline.disarm();

  Request inner;
  inner.client = f.conn.client;
  inner.mode = f.request.mode;
  inner.host = f.host;
  inner.port = f.port;
  std::string method, url;
  Reason failure = Reason::uncategorized;
  if (timed_out) {
    // On record; no answer: the deadline shut the socket.
    LocalReply r;
    r.reason = Reason::header_timeout;
    r.status = 408;
    r.request = &inner;
    r.intercepted = true;
    r.wire = Wire::none;
    const ReplyContext silent{f.rt, f.rules.get(), *f.settings, f.conn, nullptr};
    co_await reply(silent, std::move(r));
    co_return;
  }
  if (ec == http::error::header_limit) {
    failure = Reason::header_too_large;
  } else if (ec) {
    // A client that closed without a request has asked nothing more.
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated)
      co_return;
    failure = Reason::bad_request;
  } else {
    method = std::string(parser.get().method_string());
    url = intercepted_url(
        f.host, f.port,
        std::string_view(parser.get().target().data(), parser.get().target().size()));
    if (url.empty()) failure = Reason::bad_request;
  }
  inner.method = method;
  inner.url = url;

  TlsSink sink(*tls);
  const ReplyContext ctx{f.rt, f.rules.get(), *f.settings, f.conn, &sink};
  Deadline closing(client, limits.header_timeout);  // a reader that never reads cannot hold us
  if (failure != Reason::uncategorized) {
    LocalReply r;
    r.reason = failure;
    r.status = status_text(failure).status;
    r.request = &inner;
    r.intercepted = true;
    co_await reply(ctx, std::move(r));
    co_return;
  }
  // Decided with its URL (URL rules apply); the flow was blocked, so the page is
  // shown whatever the inner decision adds: the stricter of the two is recorded.
  Decision d = decide_and_count(f.rt, *f.rules, inner);
  if (d.action == Action::allow) d = f.decision;
  LocalReply r = refusal_of(d, inner, 403);
  r.intercepted = true;
  co_await reply(ctx, std::move(r));
}

}  // namespace gh
