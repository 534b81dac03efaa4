// The one path of every answer gatehouse writes itself (local_reply.hpp;
// docs/architecture.md "Local replies").
#include "http/local_reply.hpp"

#include <atomic>
#include <chrono>

#include "base/log.hpp"
#include "http/message_rules.hpp"
#include "http/pages.hpp"
#include "http/send.hpp"
#include "net/audit_submit.hpp"
#include "net/hello_reader.hpp"

namespace gh {
namespace {

constexpr StatusText kAuditUnavailable{503, "Service Unavailable", "The audit log is unavailable."};

// The record of a reply: the decision's, or a deny without one.
AuditRecord reply_record(const ReplyContext& ctx, const LocalReply& r) {
  std::optional<int> status;
  if (r.status != 0) status = r.status;
  if (r.decision && r.request && ctx.rules) {
    auto rec = decision_record(*ctx.rules, *r.decision, ctx.conn, *r.request, status,
                               ctx.settings.audit.redact_query);
    rec.dest = r.dest;
    return rec;
  }
  auto rec = deny_record(ctx.rules, ctx.conn, r.reason, r.status);
  rec.status = status;
  if (r.request) {
    const Request& q = *r.request;
    if (!q.method.empty()) rec.method = std::string(q.method);
    if (!q.host.empty()) rec.host = std::string(q.host);
    if (q.port != 0) rec.port = q.port;
    if (!q.url.empty())
      rec.url =
          std::string(ctx.settings.audit.redact_query ? q.url.substr(0, q.url.find('?')) : q.url);
    if (!q.user.empty()) rec.user = std::string(q.user);
  }
  rec.dest = r.dest;
  return rec;
}

// The page of a reply (a plain function: its locals stay off the frame).
std::string reply_page(const ReplyContext& ctx, const LocalReply& r, std::string_view id) {
  if (r.status != 403 || !r.decision || !ctx.rules) {
    auto t = status_text(r.reason);
    return error_page(r.status, t.title, r.detail.empty() ? t.detail : r.detail, id);
  }
  const RuleSet& rules = *ctx.rules;
  const Decision& d = *r.decision;
  BlockPageInfo info;
  if (r.request) info.host = r.request->host;
  if (d.app != kNone) info.app = rules.apps[d.app].title;
  if (d.category != kNone) info.category = rules.categories[d.category].title;
  auto dep = d.department != kNone ? d.department : department_of(rules, ctx.conn.client);
  if (dep != kNone) info.department = rules.departments[dep].name;
  info.reason = to_string(d.reason);
  info.record_id = id;
  info.contact = ctx.settings.block_page_contact;
  return block_page(info);
}

// Serialises an HTTP response with Beast and writes it through the sink.
asio::awaitable<bool> write_response(ReplySink& sink, unsigned version, int status,
                                     std::string body, std::string_view content_type,
                                     bool keep_alive, const LocalReply* r = nullptr) {
  http::response<http::string_body> res{static_cast<http::status>(status),
                                        version == 10 ? 10u : 11u};
  if (r)
    for (const auto& [name, value] : r->fields) res.insert(bsv(name), value);
  res.set(http::field::content_type, bsv(content_type));
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::server, "gatehouse");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  std::string head;
  head.reserve(256);
  http::serializer<false, http::string_body> sr{res};
  if (!drain_header(sr, head)) co_return false;
  co_return co_await sink.write(head, res.body());
}

constexpr std::string_view kHtml = "text/html; charset=utf-8";

std::string_view alert_bytes() {
  return {reinterpret_cast<const char*>(kTlsAccessDenied.data()), kTlsAccessDenied.size()};
}

}  // namespace

asio::awaitable<bool> StreamSink::write(std::string_view head, std::string_view body) {
  return send_all(stream_, head, body, idle_);
}

StatusText status_text(Reason r) noexcept {
  switch (r) {
    case Reason::bad_request:
      return {400, "Bad Request", "The proxy could not understand the request."};
    case Reason::header_timeout:
      return {408, "Request Timeout", "The request headers did not arrive in time."};
    case Reason::header_too_large:
      return {431, "Request Header Fields Too Large", "The request headers are too large."};
    case Reason::upstream_refused:
      return {502, "Bad Gateway", "The origin server refused the connection."};
    case Reason::upstream_unresolvable:
      return {502, "Bad Gateway", "The origin server's name does not resolve."};
    case Reason::upstream_timeout:
      return {504, "Gateway Timeout", "The origin server did not answer in time."};
    case Reason::overloaded:
      return {503, "Service Unavailable", "The proxy is overloaded; retry later."};
    case Reason::client_limit:
      return {503, "Service Unavailable", "Too many connections from your address."};
    case Reason::loop_detected:
      return {508, "Loop Detected", "The request has passed through this proxy already."};
    case Reason::upstream_cert_invalid:
      return {502, "Bad Gateway",
              "The site's certificate could not be verified, so the proxy did not connect."};
    case Reason::auth_required:
      return {407, "Proxy Authentication Required", "Sign in to use the web gateway."};
    case Reason::auth_failed:
      return {407, "Proxy Authentication Required", "The credentials given were not accepted."};
    case Reason::auth_throttled:
      return {429, "Too Many Requests",
              "Too many failed sign-ins from your address; try again in a minute."};
    case Reason::auth_unavailable:
      return {503, "Service Unavailable",
              "The directory that checks sign-ins cannot be reached; try again later."};
    default:
      return {403, "Forbidden", "The request is not allowed."};
  }
}

bool audit_refuses(const Runtime& rt, const Settings& settings) noexcept {
  return rt.audit && rt.audit->failed() && settings.audit.on_failure == OnFailure::block;
}

asio::awaitable<bool> reply(ReplyContext ctx, LocalReply r) {
  std::string id;
  bool written = true;
  if (r.audit) {
    AuditRecord rec = reply_record(ctx, r);
    rec.intercepted = r.intercepted;
    written = co_await audit_and_wait(ctx.rt, std::move(rec), &id);
  }
  if (!written && ctx.settings.audit.on_failure == OnFailure::block) {
    // Fail closed: nothing is answered that is not on record.
    co_await reply_audit_unavailable(ctx, r.version, r.wire);
    if (r.id_out) r.id_out->clear();
    co_return false;
  }
  if (!written) id.clear();  // on_failure: allow: answered, but no reference to quote
  if (r.id_out) *r.id_out = id;
  ctx.rt.metrics.local_reply(r.status);
  switch (r.wire) {
    case Wire::none:
      co_return false;
    case Wire::tls_alert:
      if (ctx.sink) co_await ctx.sink->write(alert_bytes(), {});
      co_return false;
    case Wire::http:
      break;
  }
  if (!ctx.sink) co_return false;
  std::string page = reply_page(ctx, r, id);
  const bool ok = co_await write_response(*ctx.sink, r.version, r.status, std::move(page), kHtml,
                                          r.keep_alive, &r);
  co_return ok&& r.keep_alive;
}

asio::awaitable<void> reply_audit_unavailable(ReplyContext ctx, unsigned version, Wire wire) {
  ctx.rt.metrics.audit_unavailable();
  ctx.rt.metrics.local_reply(kAuditUnavailable.status);
  // One log line per second at most, whatever the request rate.
  static std::atomic<std::int64_t> last_log{0};
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  auto prev = last_log.load(std::memory_order_relaxed);
  if (now != prev && last_log.compare_exchange_strong(prev, now)) {
    log(LogLevel::error, "audit log unavailable: answering 503 (on_failure: block)");
  }
  if (!ctx.sink || wire == Wire::none) co_return;
  if (wire == Wire::tls_alert) {
    co_await ctx.sink->write(alert_bytes(), {});
    co_return;
  }
  const auto& t = kAuditUnavailable;
  co_await write_response(*ctx.sink, version, t.status, error_page(t.status, t.title, t.detail, ""),
                          kHtml, false);
}

asio::awaitable<bool> reply_document(ReplyContext ctx, unsigned version, std::string body,
                                     std::string_view content_type, bool keep_alive) {
  ctx.rt.metrics.local_reply(200);
  if (!ctx.sink) co_return false;
  const bool ok =
      co_await write_response(*ctx.sink, version, 200, std::move(body), content_type, keep_alive);
  co_return ok&& keep_alive;
}

}  // namespace gh
