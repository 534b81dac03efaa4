// The admin listener's answers, as a pure function of the request and the
// live state (no sockets), so the forward listener can reuse the PAC part
// and tests can call it directly.
//
//   GET /metrics            -> 200 Prometheus text format 0.0.4
//   GET /healthz            -> 200 "ok" while the process answers
//   GET /readyz             -> 200 "ready"; 503 before rules load, while the
//                              audit writer is failed, or while draining
//   GET /proxy.pac, /wpad.dat -> 200 application/x-ns-proxy-autoconfig
//   other paths             -> 404; other methods -> 405
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "runtime/metrics.hpp"
#include "runtime/runtime.hpp"

namespace gh {

// config/pac.hpp's pac_text(const Settings&); injected so admin/ does not
// depend on who writes the PAC generator.
using PacText = std::function<std::string(const Settings&)>;
// Reads the audit writer's state for /metrics and /readyz.
using AuditProbe = std::function<Metrics::AuditGauge()>;

struct AdminContext {
  Runtime* runtime = nullptr;
  PacText pac;       // empty: /proxy.pac answers 404
  AuditProbe audit;  // empty: an all-zero, healthy gauge
};

using AdminRequest = http::request<http::string_body>;
using AdminResponse = http::response<http::string_body>;

AdminResponse admin_response(const AdminContext& ctx, const AdminRequest& req);

// "/proxy.pac" or "/wpad.dat", with or without a query string.
bool is_pac_target(std::string_view target) noexcept;

// The PAC answer for a request (HEAD gets the headers only); shared with the
// forward listener.
AdminResponse pac_response(std::string body, const AdminRequest& req);

inline constexpr std::string_view kPacMimeType = "application/x-ns-proxy-autoconfig";
inline constexpr std::string_view kMetricsMimeType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace gh
