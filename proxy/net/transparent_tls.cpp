// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "net/transparent_tls.hpp"

#include <chrono>

#include "net/audit_submit.hpp"
#include "net/hello_reader.hpp"
#include "net/intercept_flow.hpp"
#include "net/relay.hpp"
#include "net/upstream.hpp"
#include "policy/intercept_select.hpp"

namespace gh {

asio::awaitable<void> transparent_tls_session(Connection c) {
  using steady = std::chrono::steady_clock;
  const auto started = steady::now();
  Runtime& rt = c.server->runtime();
  auto settings = rt.settings.load();
  tcp::socket& client = c.socket;
  struct StopReset {
    LiveConnection& live;
    ~StopReset() { live.stop = nullptr; }
  } stop_reset{*c.live};

  auto hello = std::make_unique<HelloRead>();
  co_await read_client_hello(client, *hello, settings->limits.client_hello_timeout, c.prefix);
  if (hello->seen == TlsSeen::none) co_return;  // closed without a byte: nothing was asked

  auto rules = rt.rules.load();
  if (audit_blocks_requests(rt)) co_return;
  const std::string dst_text = c.info.original_dst.to_string();
  Request r;
  r.client = c.info.client;
  r.mode = Mode::transparent_tls;
  r.connect = true;
  r.port = c.info.original_port;
  if (c.info.has_original_dst) r.original_dst = c.info.original_dst;  // classified too (docs/threat-model.md)
  r.tls = hello->seen;                   // timeouts and non-TLS bytes are decided, not relayed
  const std::string sni = hello->sni;    // outlives the hello buffer
  if (r.tls == TlsSeen::sni) {
    r.host = sni;
    r.sni = sni;
  } else {
    r.host = dst_text;
  }
  const auto t0 = steady::now();
  Decision d = decide(*rules, r, Clock::now());
  rt.metrics.decision(*rules, d, steady::now() - t0);

  boost::system::error_code ec;
  UpstreamResult ur(client.get_executor());
  if (d.action == Action::allow) {
    UpstreamTarget target{r.host, r.tls != TlsSeen::sni, r.port, c.info.original_dst,
                          c.info.client};
    co_await connect_upstream(c.server->upstreams(), *rules, d, target,
                              settings->limits.connect_timeout, ur);
    if (ur.status != 0) d = ur.decision;
  }
  std::string id;
  // README "HTTPS interception": a blocked flow may get the block page over TLS.
  const bool page = d.action != Action::allow && rt.interceptor && rt.block_page_server &&
                    select_interception(*rules, d, r).choice == InterceptChoice::block_page;
  auto rec =
      decision_record(*rules, d, c.info, r,
                      d.action == Action::allow ? std::optional<int>(200) : std::nullopt, false);
  rec.intercepted = page;
  // Redirected to: the original destination, whether or not it was connected.
  const std::optional<std::string> dest =
      c.info.has_original_dst
          ? std::optional<std::string>(endpoint_text(c.info.original_dst, c.info.original_port))
          : std::nullopt;
  rec.dest = dest;
  bool written = co_await audit_and_wait(rt, std::move(rec), &id);
  if (!written && settings->audit.on_failure == OnFailure::block) {
    rt.metrics.audit_unavailable();
    co_return;
  }
  if (page) {
    InterceptFlow f{rt, c.info, rules, settings, *rt.interceptor};
    f.host = r.host;  // the SNI, else the original destination's address
    f.port = r.port;
    f.request = r;
    f.decision = d;
    f.ref = id;
    f.dest = dest;
    f.started = started;
    std::string prefix(reinterpret_cast<const char*>(hello->bytes.data()), hello->size);
    hello.reset();
    co_await rt.block_page_server(client, std::move(prefix), f);
    client.shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }
  if (d.action != Action::allow) {
    if (hello->tls) {
      co_await asio::async_write(client, asio::buffer(kTlsAccessDenied),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    client.shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }

  tcp::socket& origin = ur.stream.socket();
  std::uint64_t up = 0, down = 0;
  co_await asio::async_write(origin, asio::buffer(hello->bytes.data(), hello->size),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    up = hello->size;
    hello.reset();  // the tunnel keeps no copy of what it forwarded
    c.live->stop = [&client, &origin](bool force) {
      if (!force) return;
      boost::system::error_code e;
      client.shutdown(tcp::socket::shutdown_both, e);
      origin.shutdown(tcp::socket::shutdown_both, e);
      client.cancel(e);
      origin.cancel(e);
    };
    RelayResult rr = co_await relay(client, origin, settings->limits.idle_timeout);
    c.live->stop = nullptr;
    up += rr.bytes_up;
    down = rr.bytes_down;
  }

  if (rt.audit) {
    AuditRecord close = close_record(c.info, id, r, d, 200, up, down, started);
    close.dest = dest;
    submit_detached(*rt.audit, std::move(close), client.get_executor());
  }
}

}  // namespace gh
