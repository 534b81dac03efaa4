// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "http/intercept_connect.hpp"

#include <algorithm>
#include <chrono>

#include "http/intercept_session.hpp"
#include "net/audit_submit.hpp"

namespace gh {

InterceptChoice intercept_choice(const Session& s, const Decision& d, const Request& r) {
  if (!s.rt.interceptor) return InterceptChoice::splice;
  return select_interception(*s.rules, d, r).choice;
}

asio::awaitable<void> tunnel_block_page(Session& s, const HelloRead& hello, const Request& r2,
                                        const Decision& final_d, const std::string& ref,
                                        std::optional<std::string> dest) {
  InterceptFlow f{s.rt, s.conn.info, s.rules, s.settings, *s.rt.interceptor};
  // The leaf names what the browser asked for: the SNI, else the CONNECT host.
  f.host = std::string(r2.tls == TlsSeen::sni && !r2.sni.empty() ? r2.sni : r2.host);
  f.port = r2.port;
  f.request = r2;
  f.decision = final_d;
  f.ref = ref;
  f.dest = std::move(dest);
  std::string prefix(reinterpret_cast<const char*>(hello.bytes.data()), hello.size);
  prefix.append(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  s.buffer.consume(s.buffer.size());
  s.stop_head_watch();  // this connection reads no more proxy requests
  co_await serve_block_page(s.client.socket(), std::move(prefix), f);
  s.closing = true;
}

asio::awaitable<void> connect_block_page(Session& s, const Decision& d, const Request& r,
                                         unsigned version) {
  s.closing = true;  // whatever happens, the connection ends with this flow
  auto rec = decision_record(*s.rules, d, s.conn.info, r, 200, false);
  rec.intercepted = true;
  std::string id;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_await answer_error(s, Reason::overloaded, 503, version);
    co_return;
  }
  static constexpr std::string_view k200 = "HTTP/1.1 200 Connection established\r\n\r\n";
  if (!co_await write_client(s, k200)) co_return;

  std::string_view pipelined(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  auto hello = std::make_unique<HelloRead>();
  co_await read_client_hello(s.client.socket(), *hello, s.limits().client_hello_timeout, pipelined);
  s.buffer.consume(std::min(pipelined.size(), HelloRead::kMax));
  if (hello->seen == TlsSeen::none) co_return;  // closed without a byte

  Request r2 = r;
  r2.tls = hello->seen;
  r2.sni = hello->sni;
  const auto t0 = std::chrono::steady_clock::now();
  Decision final_d = decide(*s.rules, r2, Clock::now());
  s.rt.metrics.decision(*s.rules, final_d, std::chrono::steady_clock::now() - t0);
  const bool page = intercept_choice(s, final_d, r2) == InterceptChoice::block_page;
  auto rec2 = decision_record(
      *s.rules, final_d, s.conn.info, r2,
      final_d.action == Action::allow ? std::optional<int>(200) : std::nullopt, false);
  rec2.intercepted = page;
  const bool written = co_await audit_and_wait(s.rt, std::move(rec2), nullptr);
  if (!written && s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_return;
  }
  if (page) {
    co_await tunnel_block_page(s, *hello, r2, final_d, id, std::nullopt);
    co_return;
  }
  // ECH, an unreadable hello, `never` by SNI: refused as before interception existed.
  if (hello->tls) {
    boost::system::error_code ec;
    co_await asio::async_write(s.client.socket(), asio::buffer(kTlsAccessDenied),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace gh
