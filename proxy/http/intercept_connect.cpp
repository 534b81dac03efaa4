#include "http/intercept_connect.hpp"

#include <algorithm>
#include <chrono>

#include "http/decision.hpp"
#include "http/intercept_session.hpp"
#include "net/audit_submit.hpp"

namespace gh {

InterceptChoice intercept_choice(const Session& s, const Decision& d, const Request& r) {
  if (!s.rt.interceptor) return InterceptChoice::splice;
  return select_interception(*s.rules, d, r).choice;
}

namespace {

// The flow of a tunnel whose hello was decided as `d` on `r2`.
InterceptFlow tunnel_flow(Session& s, const Request& r2, const Decision& d, const std::string& ref,
                          std::optional<std::string> dest) {
  return intercept_flow(s.rt, s.conn.info, s.rules, s.settings, *s.rt.interceptor, r2, d, ref,
                        std::move(dest));
}

// The hello and any bytes behind it, for the handshake; the connection
// reads no more proxy requests.
std::string take_prefix(Session& s, const HelloRead& hello) {
  std::string prefix(reinterpret_cast<const char*>(hello.bytes.data()), hello.size);
  prefix.append(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  s.buffer.consume(s.buffer.size());
  s.stop_reading_heads();
  return prefix;
}

}  // namespace

asio::awaitable<void> tunnel_block_page(Session& s, const HelloRead& hello, const Request& r2,
                                        const Decision& final_d, const std::string& ref,
                                        std::optional<std::string> dest) {
  InterceptFlow f = tunnel_flow(s, r2, final_d, ref, std::move(dest));
  co_await serve_block_page(s.client.socket(), take_prefix(s, hello), f);
}

asio::awaitable<InspectedBytes> tunnel_inspect(Session& s, std::unique_ptr<HelloRead> hello,
                                               const Request& r2, const Decision& final_d,
                                               const std::string& ref,
                                               std::optional<std::string> dest,
                                               beast::tcp_stream origin,
                                               std::vector<const HeaderRule*> headers) {
  InterceptFlow f = tunnel_flow(s, r2, final_d, ref, std::move(dest));
  std::string prefix = take_prefix(s, *hello);
  // A decrypted flow may stay open for hours: it keeps neither the 16 KiB
  // hello buffer nor the session's read buffer.
  hello.reset();
  s.buffer.shrink_to_fit();
  co_return co_await serve_inspected(s.client.socket(), std::move(prefix), f, std::move(origin),
                                     std::move(headers));
}

asio::awaitable<void> connect_block_page(Session& s, const Decision& d, const Request& r,
                                         unsigned version) {
  s.stop_reading_heads();  // whatever happens, the connection ends with this flow
  auto rec = decision_record(*s.rules, d, s.conn.info, r, 200, false);
  rec.intercepted = true;
  std::string id;
  if (!co_await audit_and_wait(s.rt, std::move(rec), &id) &&
      s.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(s.reply_ctx(), version);
    co_return;
  }
  if (!co_await write_client(s, "HTTP/1.1 200 Connection established\r\n\r\n")) co_return;

  std::string_view pipelined(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
  auto hello = std::make_unique<HelloRead>();
  co_await read_client_hello(s.client.socket(), *hello, s.limits().client_hello_timeout, pipelined);
  s.buffer.consume(std::min(pipelined.size(), HelloRead::kMax));
  if (hello->seen == TlsSeen::none) co_return;  // closed without a byte

  Request r2 = r;
  r2.tls = hello->seen;
  r2.sni = hello->sni;
  const Decision final_d = decide_and_count(s.rt, *s.rules, r2);
  const bool page = intercept_choice(s, final_d, r2) == InterceptChoice::block_page;
  if (final_d.action == Action::allow || !page) {
    // Allowed by its SNI, ECH, an unreadable hello, `never` by SNI: recorded
    // and refused as before interception existed (the authority was blocked).
    LocalReply refusal = refusal_of(final_d, r2, 0);
    refusal.wire = hello->tls ? Wire::tls_alert : Wire::none;
    co_await reply(s.reply_ctx(), std::move(refusal));
    co_return;
  }
  auto rec2 = decision_record(*s.rules, final_d, s.conn.info, r2, std::nullopt, false);
  rec2.intercepted = true;
  if (!co_await audit_and_wait(s.rt, std::move(rec2), nullptr) &&
      s.settings->audit.on_failure == OnFailure::block) {
    co_await reply_audit_unavailable(s.reply_ctx(), version, Wire::tls_alert);
    co_return;
  }
  co_await tunnel_block_page(s, *hello, r2, final_d, id, std::nullopt);
}

}  // namespace gh
