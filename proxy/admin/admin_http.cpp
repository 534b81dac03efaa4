#include "admin/admin_http.hpp"

#include "runtime/runtime.hpp"

namespace gh {
namespace {

std::string_view path_of(std::string_view target) noexcept {
  auto q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

AdminResponse text(http::status status, std::string body, const AdminRequest& req,
                   std::string_view type = "text/plain; charset=utf-8") {
  AdminResponse res{status, req.version()};
  res.set(http::field::server, "gatehouse");
  res.set(http::field::content_type, beast::string_view(type.data(), type.size()));
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();  // Content-Length stays
  return res;
}

// Why the proxy is not ready, or empty if it is.
std::string not_ready_reason(const AdminContext& ctx, const Metrics::AuditGauge& audit) {
  const Runtime& rt = *ctx.runtime;
  if (rt.rules.load() == nullptr) return "no rules loaded";
  if (audit.failed) return "audit log failing";
  if (rt.draining.load()) return "draining";
  return {};
}

}  // namespace

bool is_pac_target(std::string_view target) noexcept {
  auto p = path_of(target);
  return p == "/proxy.pac" || p == "/wpad.dat";
}

AdminResponse pac_response(std::string body, const AdminRequest& req) {
  return text(http::status::ok, std::move(body), req, kPacMimeType);
}

AdminResponse admin_response(const AdminContext& ctx, const AdminRequest& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = text(http::status::method_not_allowed, "method not allowed\n", req);
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  std::string_view target(req.target().data(), req.target().size());
  std::string_view path = path_of(target);
  Metrics::AuditGauge audit = ctx.audit ? ctx.audit() : Metrics::AuditGauge{};

  if (path == "/metrics") {
    return text(http::status::ok, ctx.runtime->metrics.render(audit, Clock::now()), req,
                kMetricsMimeType);
  }
  if (path == "/healthz") return text(http::status::ok, "ok\n", req);
  if (path == "/readyz") {
    std::string why = not_ready_reason(ctx, audit);
    if (why.empty()) return text(http::status::ok, "ready\n", req);
    return text(http::status::service_unavailable, "not ready: " + why + "\n", req);
  }
  if (is_pac_target(target)) {
    auto settings = ctx.runtime->settings.load();
    if (ctx.pac && settings) return pac_response(ctx.pac(*settings), req);
  }
  return text(http::status::not_found, "not found\n", req);
}

}  // namespace gh
