#include "http/intercept_tls.hpp"

#include <array>

#include "http/intercepted_url.hpp"
#include "http/send.hpp"
#include "net/audit_submit.hpp"
#include "tls/interceptor.hpp"

namespace gh {
namespace {

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

}  // namespace

asio::awaitable<bool> TlsSink::write(std::string_view head, std::string_view body) {
  if (!co_await send_all(tls_, head, body, idle_)) co_return false;
  boost::system::error_code ec;
  auto& lowest = beast::get_lowest_layer(tls_);
  lowest.expires_after(idle_);
  co_await tls_.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  lowest.expires_never();
  co_return !ec;
}

asio::awaitable<std::unique_ptr<TlsStream>> accept_client_tls(tcp::socket& client,
                                                              std::string prefix,
                                                              InterceptFlow& f) {
  InterceptMetrics& m = intercept_metrics();
  const auto ex = client.get_executor();
  auto leaf = f.interceptor.leaves().get(f.host, Clock::now());
  if (!leaf) {
    m.handshake(HandshakeOutcome::no_leaf);
    record_handshake_failure(f, ex);
    co_return nullptr;
  }
  SSL* ssl = SSL_new(f.interceptor.client_facing());
  if (!ssl) {
    m.handshake(HandshakeOutcome::failed);
    record_handshake_failure(f, ex);
    co_return nullptr;
  }
  auto tls = std::make_unique<TlsStream>(client, ssl, std::move(prefix));
  // A block page is one request on a connection that then closes: TLS 1.3
  // session tickets (two by default, each sealed and sent after the
  // handshake) would cost CPU on every page and resume nothing we want kept.
  if (f.decision.action != Action::allow) SSL_set_num_tickets(tls->native_handle(), 0);
  if (!use_leaf(tls->native_handle(), *leaf)) {
    m.handshake(HandshakeOutcome::no_leaf);
    record_handshake_failure(f, ex);
    co_return nullptr;
  }
  SocketDeadline& lowest = tls->next_layer();
  lowest.expires_after(f.settings->limits.header_timeout);
  boost::system::error_code ec;
  co_await tls->async_handshake(asio::ssl::stream_base::server,
                                asio::redirect_error(asio::use_awaitable, ec));
  const bool expired = lowest.expired();
  lowest.expires_never();
  if (ec) {
    m.handshake(expired ? HandshakeOutcome::timeout : HandshakeOutcome::failed);
    record_handshake_failure(f, ex);
    co_return nullptr;
  }
  m.handshake(HandshakeOutcome::ok);
  co_return tls;
}

asio::awaitable<InnerHead> read_inner_head(TlsStream& tls, beast::flat_buffer& buffer,
                                           ClientParser& parser, std::uint64_t max_header_bytes,
                                           Millis timeout) {
  // At most 64 KiB here: Beast throws (inside the read, out of the event
  // loop) for a field longer than 65,535 bytes.
  parser.header_limit(
      static_cast<std::uint32_t>(std::min<std::uint64_t>(max_header_bytes, 0xffff)));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  SocketDeadline& lowest = tls.next_layer();
  lowest.expires_after(timeout);
  boost::system::error_code ec;
  co_await http::async_read_header(tls, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  const bool expired = lowest.expired();
  lowest.expires_never();
  if (!ec) co_return InnerHead::ok;
  if (expired) co_return buffer.size() == 0 ? InnerHead::closed : InnerHead::timeout;
  if (ec == http::error::header_limit) co_return InnerHead::too_large;
  // A client that closed between requests has asked nothing more.
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::ssl::error::stream_truncated)
    co_return buffer.size() == 0 ? InnerHead::closed : InnerHead::bad;
  co_return InnerHead::bad;
}

Reason inner_request(const InterceptFlow& f, const ClientParser* parser, std::string& method,
                     std::string& url, Request& inner) {
  inner = f.request;  // client, mode, identity, original destination
  inner.connect = false;
  inner.host = f.host;
  inner.port = f.port;
  inner.tls = TlsSeen::none;  // the hello was decided on already
  inner.sni = {};
  if (!parser) return Reason::bad_request;
  const auto& req = parser->get();
  method = std::string(req.method_string());
  url = intercepted_url(f.host, f.port, std::string_view(req.target().data(), req.target().size()));
  inner.method = method;
  inner.url = url;
  return url.empty() ? Reason::bad_request : Reason::uncategorized;
}

Reason inner_head_reason(InnerHead h) noexcept {
  return h == InnerHead::timeout     ? Reason::header_timeout
         : h == InnerHead::too_large ? Reason::header_too_large
                                     : Reason::bad_request;
}

}  // namespace gh
