// Connections refused before their session starts (net/server.hpp
// `Refusal`): audited and answered through the one local reply.
#include "http/session.hpp"

namespace gh {

asio::awaitable<void> refuse_connection(Connection& c, const Refusal& refusal) {
  Runtime& rt = c.server->runtime();
  const auto settings = rt.settings.load();
  const auto rules = rt.rules.load();
  beast::tcp_stream stream(std::move(c.socket));
  StreamSink sink(stream, settings->limits.idle_timeout);
  const ReplyContext ctx{rt, rules.get(), *settings, c.info, &sink};
  Request r;
  r.host = refusal.host;
  r.port = refusal.port;
  LocalReply reply_spec;
  reply_spec.status = refusal.status;
  reply_spec.reason = refusal.reason;
  reply_spec.request = &r;
  reply_spec.wire = refusal.page ? Wire::http : Wire::none;
  if (audit_refuses(rt, *settings)) {
    co_await reply_audit_unavailable(ctx, 11, reply_spec.wire);
  } else {
    co_await reply(ctx, reply_spec);
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  // The stream closes the connection here; the caller's socket was moved from.
}

}  // namespace gh
