// A redirected TLS connection: read the ClientHello, decide on its SNI (or
// the original destination), then relay to the original destination or
// refuse with an alert (README "Transparent mode").
#include "http/transparent_tls.hpp"

#include <chrono>

#include "http/decision.hpp"
#include "http/intercept_flow.hpp"
#include "http/inspect_session.hpp"
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
  r.sni = sni;  // empty unless the hello named a host
  r.host = has_sni(r) ? std::string_view(sni) : std::string_view(dst_text);
  return r;
}

// The decrypted flow of a transparent hello decided as `d` (README "HTTPS
// interception"): the leaf names the SNI, else the original destination's address.
InterceptFlow transparent_flow(Runtime& rt, const Connection& c,
                               std::shared_ptr<const RuleSet> rules,
                               std::shared_ptr<const Settings> settings, const Request& r,
                               const Decision& d, const std::string& ref,
                               std::optional<std::string> dest) {
  InterceptFlow f{rt, c.info, std::move(rules), std::move(settings), *rt.interceptor};
  f.host = r.host;
  f.port = r.port;
  f.request = r;
  f.decision = d;
  f.ref = ref;
  f.dest = std::move(dest);
  return f;
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
  const Wire refusal_wire = hello->tls ? Wire::tls_alert : Wire::none;
  if (audit_refuses(rt, *settings)) {
    co_await reply_audit_unavailable(ctx, 11, refusal_wire);
    co_return;
  }
  const std::string dst_text = c.info.original_dst.to_string();
  const std::string sni = hello->sni;  // outlives the hello buffer
  const Request r = hello_request(c, *hello, sni, dst_text);
  Decision d = decide_and_count(rt, *rules, r);
  UpstreamResult ur(client.get_executor());
  if (d.action == Action::allow) {
    UpstreamTarget target{r.host, !has_sni(r), r.port, c.info.original_dst,
                          c.info.client};
    co_await connect_upstream(c.server->upstreams(), *rules, d, target,
                              settings->limits.connect_timeout, ur);
    if (ur.status != 0) d = ur.decision;
  }
  // Redirected to: the original destination, whether or not it was connected.
  const std::optional<std::string> dest =
      c.info.has_original_dst
          ? std::optional<std::string>(endpoint_text(c.info.original_dst, c.info.original_port))
          : std::nullopt;
  if (d.action != Action::allow) {
    // README "HTTPS interception": a blocked flow may get the block page over TLS.
    const bool page =
        rt.interceptor && select_interception(*rules, d, r).choice == InterceptChoice::block_page;
    LocalReply refusal = refusal_of(d, r, 0);
    refusal.wire = page ? Wire::none : refusal_wire;
    refusal.dest = dest;
    refusal.intercepted = page;
    std::string id;
    refusal.id_out = &id;
    co_await reply(ctx, std::move(refusal));
    if (page && !id.empty()) {
      InterceptFlow f = transparent_flow(rt, c, rules, settings, r, d, id, dest);
      f.started = started;
      std::string prefix(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
      hello.reset();
      co_await serve_block_page(client.socket(), std::move(prefix), f);
    }
    boost::system::error_code ec;
    client.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }
  InterceptSelection sel;
  if (rt.interceptor) sel = select_interception(*rules, d, r);
  const bool inspect = sel.choice == InterceptChoice::inspect;
  std::string id;
  auto rec = decision_record(*rules, d, c.info, r, 200, false);
  rec.dest = dest;
  rec.intercepted = inspect;
  if (!co_await audit_and_wait(rt, std::move(rec), &id) &&
      settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(ctx, 11, refusal_wire);
    co_return;
  }

  std::uint64_t up = 0, down = 0;
  if (inspect) {
    InterceptFlow f = transparent_flow(rt, c, rules, settings, r, d, id, dest);
    f.started = started;
    std::string prefix(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
    hello.reset();
    const InspectedBytes b = co_await serve_inspected(client.socket(), std::move(prefix), f,
                                                      std::move(ur.stream), std::move(sel.headers));
    AuditRecord close = close_record(c.info, id, r, d, 200, b.up, b.down, started);
    close.dest = dest;
    submit_close(rt, std::move(close), client.get_executor());
    co_return;
  }
  tcp::socket& origin = ur.stream.socket();
  const std::string_view first(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
  const bool sent = co_await send_first_bytes(origin, first, {}, up);
  hello.reset();  // the tunnel keeps no copy of what it forwarded
  if (sent) {
    RelayResult rr =
        co_await relay_tunnel(*c.live, client.socket(), origin, settings->limits.idle_timeout);
    up += rr.bytes_up;
    down = rr.bytes_down;
  }
  AuditRecord close = close_record(c.info, id, r, d, 200, up, down, started);
  close.dest = dest;
  submit_close(rt, std::move(close), client.get_executor());
}

}  // namespace gh
