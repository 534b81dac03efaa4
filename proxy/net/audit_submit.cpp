#include "net/audit_submit.hpp"

#include <atomic>
#include <chrono>

#include "base/log.hpp"
#include "runtime/runtime.hpp"

namespace gh {
namespace {

std::optional<std::string> opt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return std::string(s);
}

std::string redacted(std::string_view url) {
  auto q = url.find('?');
  return std::string(url.substr(0, q));
}

}  // namespace

void schedule_audit_write(AuditWriter& writer, const asio::any_io_executor& ex) {
  // Per thread: with one io_context per thread, per event loop.
  thread_local std::atomic<bool> scheduled{false};
  if (scheduled.exchange(true, std::memory_order_relaxed)) return;
  asio::post(ex, [&writer, flag = &scheduled] {
    flag->store(false, std::memory_order_relaxed);
    writer.write_queued();
  });
}

void submit_detached(AuditWriter& writer, AuditRecord rec, const asio::any_io_executor& ex) {
  writer.enqueue(std::move(rec), {});
  schedule_audit_write(writer, ex);
}

std::string endpoint_text(const IpAddress& a, std::uint16_t port) {
  std::string s = a.is_v4() ? a.to_string() : "[" + a.to_string() + "]";
  s += ':';
  s += std::to_string(port);
  return s;
}

std::string endpoint_dest(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v6() && !a.to_v6().is_v4_mapped())
    return "[" + a.to_string() + "]:" + std::to_string(ep.port());
  const auto v4 = a.is_v6() ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()) : a.to_v4();
  return v4.to_string() + ":" + std::to_string(ep.port());
}

std::optional<std::string> dest_of(const tcp::socket& origin) {
  boost::system::error_code ec;
  const tcp::endpoint ep = origin.remote_endpoint(ec);
  if (ec) return std::nullopt;
  return endpoint_dest(ep);
}

AuditRecord decision_record(const RuleSet& rules, const Decision& d, const ConnInfo& c,
                            const Request& req, std::optional<int> status, bool redact_query) {
  AuditRecord r;
  r.event = AuditEvent::decision;
  r.client = c.client_text;
  r.department = opt(department_id(rules, d));
  r.user = opt(req.user);  // README "Identity"; null when anonymous
  r.listener = c.listener;
  r.method = opt(req.method);
  r.host = opt(req.host);
  if (req.port != 0) r.port = req.port;
  if (has_sni(req)) r.sni = opt(req.sni);
  if (!req.url.empty()) r.url = redact_query ? redacted(req.url) : std::string(req.url);
  r.category = opt(category_id(rules, d));
  r.app = opt(app_id(rules, d));
  r.action = d.action;
  r.reason = d.reason;
  if (d.rule != kNone) r.rule = rules.location(d.rule);
  r.approval = opt(approval_id(rules, d));
  r.status = status;
  return r;
}

AuditRecord close_record(const ConnInfo& c, std::string_view ref, const Request& req,
                         const Decision& d, std::optional<int> status, std::uint64_t bytes_up,
                         std::uint64_t bytes_down, std::chrono::steady_clock::time_point started) {
  AuditRecord r;
  r.event = AuditEvent::close;
  r.client = c.client_text;
  r.listener = c.listener;
  r.ref = opt(ref);
  r.user = opt(req.user);
  r.method = opt(req.method);
  r.host = opt(req.host);
  if (req.port != 0) r.port = req.port;
  if (has_sni(req)) r.sni = opt(req.sni);
  r.action = d.action;
  r.reason = d.reason;
  r.status = status;
  r.bytes_up = bytes_up;
  r.bytes_down = bytes_down;
  r.duration_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count());
  return r;
}

AuditRecord deny_record(const RuleSet* rules, const ConnInfo& c, Reason reason, int status) {
  AuditRecord r;
  r.event = AuditEvent::decision;
  r.client = c.client_text;
  if (rules) {
    auto dep = department_of(*rules, c.client);
    if (dep != kNone) r.department = rules->departments[dep].id;
  }
  r.listener = c.listener;
  r.action = Action::deny;
  r.reason = reason;
  r.status = status;
  return r;
}

void submit_close(Runtime& rt, AuditRecord rec, const asio::any_io_executor& ex) {
  if (rt.audit) submit_detached(*rt.audit, std::move(rec), ex);
}

asio::awaitable<bool> audit_and_wait(Runtime& rt, AuditRecord&& rec, std::string* id_out) {
  if (!rt.audit) co_return false;
  co_return co_await async_audit(*rt.audit, std::move(rec), id_out, asio::use_awaitable);
}

}  // namespace gh
