// A redirected TLS connection: read the ClientHello, decide on its SNI (or
// the original destination), then relay to the original destination or
// refuse with an alert (README "Transparent mode").
#include "http/transparent_tls.hpp"

#include <chrono>

#include "http/decision.hpp"
#include "http/inspect_session.hpp"
#include "http/intercept_flow.hpp"
#include "http/intercept_session.hpp"
#include "http/local_reply.hpp"
#include "http/tunnel_relay.hpp"
#include "net/audit_submit.hpp"
#include "net/hello_reader.hpp"
#include "net/upstream.hpp"
#include "policy/intercept_select.hpp"
#include "tls/interceptor.hpp"

namespace gh {
namespace {

// The request a hello makes on a transparent listener. `sni` must outlive it.
Request hello_request(const Connection& c, const HelloRead& hello, const std::string& sni,
                      const std::string& dst_text) {
  Request r;
  r.client = c.info.client;
  r.mode = Mode::transparent_tls;
  r.connect = true;
  r.port = c.info.original_port;
  if (c.info.has_original_dst)
    r.original_dst = c.info.original_dst;  // classified too (docs/threat-model.md)
  r.tls = hello.seen;                      // timeouts and non-TLS bytes are decided, not relayed
  r.sni = sni;                             // empty unless the hello named a host
  r.host = has_sni(r) ? std::string_view(sni) : std::string_view(dst_text);
  return r;
}

// One redirected TLS connection after its hello was decided.
struct Redirected {
  Connection& c;
  Runtime& rt;
  std::shared_ptr<const Settings> settings;
  std::shared_ptr<const RuleSet> rules;
  beast::tcp_stream& client;
  const ReplyContext& ctx;
  std::unique_ptr<HelloRead>& hello;
  const Request& r;
  Decision d;
  std::optional<std::string> dest;  // the original destination, connected or not
  std::chrono::steady_clock::time_point started;

  InterceptFlow flow(const std::string& id) const {
    InterceptFlow f = intercept_flow(rt, c.info, rules, settings, *rt.interceptor, r, d, id, dest);
    f.started = started;
    return f;
  }
  // The hello, handed to the TLS handshake of a decrypted flow.
  std::string take_hello() {
    std::string prefix(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
    hello.reset();
    return prefix;
  }
};

// A refused hello: the alert (or a close), or, when interception says so,
// the block page over TLS (README "HTTPS interception"). On record either way.
asio::awaitable<void> refuse_redirected(Redirected& x) {
  const bool page = x.rt.interceptor &&
                    select_interception(*x.rules, x.d, x.r).choice == InterceptChoice::block_page;
  LocalReply refusal = refusal_of(x.d, x.r, 0);
  refusal.wire = page ? Wire::none : x.hello->tls ? Wire::tls_alert : Wire::none;
  refusal.dest = x.dest;
  refusal.intercepted = page;
  std::string id;
  refusal.id_out = &id;
  co_await reply(x.ctx, std::move(refusal));
  if (page && !id.empty()) {
    InterceptFlow f = x.flow(id);
    co_await serve_block_page(x.client.socket(), x.take_hello(), f);
  }
  boost::system::error_code ec;
  x.client.socket().shutdown(tcp::socket::shutdown_both, ec);
}

// An allowed hello: on record, then decrypted (inspect) or relayed to the
// origin `ur` connected to; the close record at the end.
asio::awaitable<void> pass_redirected(Redirected& x, UpstreamResult& ur) {
  InterceptSelection sel;
  if (x.rt.interceptor) sel = select_interception(*x.rules, x.d, x.r);
  const bool inspect = sel.choice == InterceptChoice::inspect;
  std::string id;
  auto rec = decision_record(*x.rules, x.d, x.c.info, x.r, 200, false);
  rec.dest = x.dest;
  rec.intercepted = inspect;
  if (!co_await audit_and_wait(x.rt, std::move(rec), &id) &&
      x.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(x.ctx, 11, x.hello->tls ? Wire::tls_alert : Wire::none);
    co_return;
  }
  std::uint64_t up = 0, down = 0;
  if (inspect) {
    InterceptFlow f = x.flow(id);
    const InspectedBytes b = co_await serve_inspected(x.client.socket(), x.take_hello(), f,
                                                      std::move(ur.stream), std::move(sel.headers));
    up = b.up;
    down = b.down;
  } else {
    tcp::socket& origin = ur.stream.socket();
    const std::string_view first(reinterpret_cast<const char*>(x.hello->bytes.data()),
                                 x.hello->size);
    const bool sent = co_await send_first_bytes(origin, first, {}, up);
    x.hello.reset();  // the tunnel keeps no copy of what it forwarded
    if (sent) {
      RelayResult rr = co_await relay_tunnel(*x.c.live, x.client.socket(), origin,
                                             x.settings->limits.idle_timeout);
      up += rr.bytes_up;
      down = rr.bytes_down;
    }
  }
  AuditRecord close = close_record(x.c.info, id, x.r, x.d, 200, up, down, x.started);
  close.dest = x.dest;
  submit_close(x.rt, std::move(close), x.client.get_executor());
}

}  // namespace

asio::awaitable<void> transparent_tls_session(Connection c) {
  const auto started = std::chrono::steady_clock::now();
  Runtime& rt = c.server->runtime();
  auto settings = rt.settings.load();
  beast::tcp_stream client(std::move(c.socket));
  StreamSink sink(client, settings->limits.idle_timeout);
  struct StopReset {
    LiveConnection& live;
    ~StopReset() { live.stop = nullptr; }
  } stop_reset{*c.live};

  auto hello = std::make_unique<HelloRead>();
  co_await read_client_hello(client.socket(), *hello, settings->limits.client_hello_timeout,
                             c.prefix);
  if (hello->seen == TlsSeen::none) co_return;  // closed without a byte: nothing was asked

  auto rules = rt.rules.load();
  const ReplyContext ctx{rt, rules.get(), *settings, c.info, &sink};
  if (audit_refuses(rt, *settings)) {
    co_await reply_audit_unavailable(ctx, 11, hello->tls ? Wire::tls_alert : Wire::none);
    co_return;
  }
  const std::string dst_text = c.info.original_dst.to_string();
  const std::string sni = hello->sni;  // outlives the hello buffer
  const Request r = hello_request(c, *hello, sni, dst_text);
  Redirected x{c,
               rt,
               settings,
               rules,
               client,
               ctx,
               hello,
               r,
               decide_and_count(rt, *rules, r),
               std::nullopt,
               started};
  if (c.info.has_original_dst) x.dest = endpoint_text(c.info.original_dst, c.info.original_port);
  UpstreamResult ur(client.get_executor());
  if (x.d.action == Action::allow) {
    UpstreamTarget target{r.host, !has_sni(r), r.port, c.info.original_dst, c.info.client};
    co_await connect_upstream(c.server->upstreams(), *rules, x.d, target,
                              settings->limits.connect_timeout, ur);
    if (ur.status != 0) x.d = ur.decision;
  }
  if (x.d.action != Action::allow) {
    co_await refuse_redirected(x);
  } else {
    co_await pass_redirected(x, ur);
  }
}

}  // namespace gh
