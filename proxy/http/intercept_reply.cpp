#include "http/intercept_reply.hpp"

#include "http/pages.hpp"
#include "http/send.hpp"
#include "net/audit_submit.hpp"

namespace gh {
namespace {

struct ErrorText {
  int status;
  const char* title;
  const char* detail;
};

ErrorText error_text(Reason r) {
  switch (r) {
    case Reason::header_too_large:
      return {431, "Request Header Fields Too Large", "The request headers are too large."};
    case Reason::header_timeout:
      return {408, "Request Timeout", "The request did not arrive in time."};
    case Reason::upstream_cert_invalid:
      return {502, "Bad Gateway",
              "The site's certificate could not be verified, so the proxy did not connect."};
    default:
      return {400, "Bad Request", "The proxy could not understand the request."};
  }
}

std::string unavailable() {
  return intercepted_response(
      503, error_page(503, "Service Unavailable", "The audit log is unavailable.", ""));
}

}  // namespace

std::string intercepted_response(int status, std::string body) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::server, "gatehouse");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  std::string wire;
  http::serializer<false, http::string_body> sr{res};
  if (!drain_header(sr, wire)) return {};
  wire += res.body();
  return wire;
}

asio::awaitable<InterceptReply> record_intercepted_block(InterceptFlow& f, const Request& inner,
                                                         const Decision& d) {
  const RuleSet& rules = *f.rules;
  AuditRecord rec = decision_record(rules, d, f.conn, inner, 403, f.settings->audit.redact_query);
  rec.intercepted = true;
  rec.dest = std::nullopt;  // nothing was connected to
  InterceptReply out;
  const bool ok = co_await audit_and_wait(f.rt, std::move(rec), &out.id);
  if (!ok && f.settings->audit.on_failure == OnFailure::block) {
    f.rt.metrics.audit_unavailable();
    out.wire = unavailable();
    co_return out;
  }
  BlockPageInfo info;
  info.host = f.host;
  if (d.app != kNone) info.app = rules.apps[d.app].title;
  if (d.category != kNone) info.category = rules.categories[d.category].title;
  const auto dep = d.department != kNone ? d.department : department_of(rules, f.conn.client);
  if (dep != kNone) info.department = rules.departments[dep].name;
  info.reason = to_string(d.reason);
  info.record_id = out.id;
  info.contact = f.settings->block_page_contact;
  out.wire = intercepted_response(403, block_page(info));
  co_return out;
}

asio::awaitable<InterceptReply> record_intercepted_error(InterceptFlow& f, const Request& inner,
                                                         Reason r) {
  const ErrorText t = error_text(r);
  AuditRecord rec = deny_record(f.rules.get(), f.conn, r, t.status);
  rec.intercepted = true;
  if (!inner.method.empty()) rec.method = std::string(inner.method);
  rec.host = std::string(inner.host);
  rec.port = inner.port;
  InterceptReply out;
  const bool ok = co_await audit_and_wait(f.rt, std::move(rec), &out.id);
  if (!ok && f.settings->audit.on_failure == OnFailure::block) {
    f.rt.metrics.audit_unavailable();
    out.wire = unavailable();
    co_return out;
  }
  out.wire = intercepted_response(t.status, error_page(t.status, t.title, t.detail, out.id));
  co_return out;
}

}  // namespace gh
