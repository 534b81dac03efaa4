#include "http/intercept_session.hpp"

#include "http/decision.hpp"
#include "http/intercept_tls.hpp"
#include "http/local_reply.hpp"

namespace gh {

asio::awaitable<void> serve_block_page(tcp::socket& client, std::string prefix, InterceptFlow& f) {
  auto tls = co_await accept_client_tls(client, std::move(prefix), f);
  if (!tls) co_return;
  const LimitSettings& limits = f.settings->limits;
  beast::flat_buffer buffer;
  ClientParser parser;
  const InnerHead h = co_await read_inner_head(*tls, buffer, parser, limits.max_header_bytes,
                                               limits.header_timeout);
  if (h == InnerHead::closed) co_return;  // asked nothing

  Request inner;
  std::string method, url;
  const bool read = h == InnerHead::ok;
  const Reason target_failure = inner_request(f, read ? &parser : nullptr, method, url, inner);
  const Reason failure = read ? target_failure : inner_head_reason(h);
  TlsSink sink(*tls, limits.idle_timeout);
  // A head that never came: on record, no answer (the client is not reading).
  const ReplyContext ctx{f.rt, f.rules.get(), *f.settings, f.conn,
                         h == InnerHead::timeout ? nullptr : &sink};
  if (failure != Reason::uncategorized) {
    LocalReply r;
    r.reason = failure;
    r.status = status_text(failure).status;
    r.request = &inner;
    r.intercepted = true;
    if (h == InnerHead::timeout) r.wire = Wire::none;
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
