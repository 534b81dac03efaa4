#include "http/intercept_session.hpp"

#include <boost/asio/ssl.hpp>

#include "http/intercept_reply.hpp"
#include "http/intercepted_url.hpp"
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

// Writes `wire` and closes TLS politely, within the remaining deadline.
asio::awaitable<void> finish(TlsStream& tls, const std::string& wire) {
  boost::system::error_code ec;
  co_await asio::async_write(tls, asio::buffer(wire),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

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
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_header_bytes, 0xffffffffu)));
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
    co_await record_intercepted_error(f, inner, Reason::header_timeout);
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

  InterceptReply reply;
  if (failure != Reason::uncategorized) {
    reply = co_await record_intercepted_error(f, inner, failure);
  } else {
    // Decided with its URL (URL rules apply); the flow was blocked, so the page is shown
    // whatever the inner decision adds: the stricter of the two is recorded.
    Decision d = decide(*f.rules, inner, Clock::now());
    if (d.action == Action::allow) d = f.decision;
    reply = co_await record_intercepted_block(f, inner, d);
  }
  Deadline closing(client, limits.header_timeout);  // a reader that never reads cannot hold us
  co_await finish(*tls, reply.wire);
}

}  // namespace gh
