// README "Identity": 407 with the challenges in the configured order, 429 while
// throttled, 503 while the directory is down (on_backend_failure: block).
// g++ 12 reports Asio's awaitable frame operator delete as mismatched
// (a false positive on coroutine frames; GCC PR 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "http/auth_gate.hpp"

#include "auth/authenticator.hpp"
#include "http/message_rules.hpp"
#include "http/pages.hpp"
#include "http/request_target.hpp"
#include "net/audit_submit.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

struct Refusal {
  int status;
  Reason reason;
  std::string_view title;
  std::string_view detail;
};

Refusal refusal_of(AuthVerdict v) {
  switch (v) {
    case AuthVerdict::failed:
      return {407, Reason::auth_failed, "Proxy Authentication Required",
              "The credentials given were not accepted."};
    case AuthVerdict::throttled:
      return {429, Reason::auth_throttled, "Too Many Requests",
              "Too many failed sign-ins from your address; try again in a minute."};
    case AuthVerdict::unavailable:
      return {503, Reason::auth_unavailable, "Service Unavailable",
              "The directory that checks sign-ins cannot be reached; try again later."};
    default:
      return {407, Reason::auth_required, "Proxy Authentication Required",
              "Sign in to use the web gateway."};
  }
}

// The audit record of a refused request: what the request asked for, no user.
AuditRecord refusal_record(const Session& s, const http::request_header<>& req, const Refusal& r) {
  AuditRecord rec = deny_record(s.rules.get(), s.conn.info, r.reason, r.status);
  rec.method = std::string(req.method_string());
  const bool connect = req.method() == http::verb::connect;
  const RequestTarget t = parse_request_target(sv(req.target()), connect);
  std::string host;
  if (t.form != TargetForm::invalid && canonicalize_host(t.host, host) == HostError::none) {
    rec.host = host;
    rec.port = t.port;
    if (t.form == TargetForm::absolute) {
      const bool v6 = host.find(':') != std::string::npos;
      std::string url = "http://" + (v6 ? "[" + host + "]" : host);
      if (t.port != 80) url += ":" + std::to_string(t.port);
      rec.url = url + std::string(t.path);
    }
  }
  return rec;
}

std::string response_head(const Session& s, const Refusal& r, const AuthAnswer& a,
                          std::size_t body_size, bool keep) {
  const AuthSettings& auth = *s.settings->auth;
  std::string h = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(r.title) + "\r\n";
  if (r.status == 407) {
    for (AuthScheme scheme : auth.schemes) {
      if (scheme == AuthScheme::negotiate) {
        h += "Proxy-Authenticate: Negotiate";
        if (!a.negotiate_token.empty()) h += " " + a.negotiate_token;
        h += "\r\n";
      } else {
        h += "Proxy-Authenticate: Basic realm=\"" + auth.realm + "\", charset=\"UTF-8\"\r\n";
      }
    }
  }
  if (r.status == 429) h += "Retry-After: 60\r\n";
  h += "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nServer: gatehouse\r\n";
  h += "Content-Length: " + std::to_string(body_size) + "\r\n";
  h += keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return h;
}

}  // namespace

void apply_identity(const Session& s, Request& r) noexcept {
  if (!s.auth.current) return;
  r.user = s.auth.current->user;
  r.groups = s.auth.current->groups;
}

asio::awaitable<AuthGate> authenticate_request(Session& s, ClientParser& p) {
  s.auth.current.reset();
  if (!s.settings->auth || !s.rt.authenticator) co_return AuthGate::proceed;
  auto& req = p.get();
  // Only proxied requests are asked: the PAC file (origin form) is fetched
  // before a browser knows it has a proxy; clients outside clients.allow get
  // their client-not-allowed from decide(), not a challenge.
  const bool connect = req.method() == http::verb::connect;
  if (!connect && parse_request_target(sv(req.target()), false).form != TargetForm::absolute)
    co_return AuthGate::proceed;
  if (!s.rules->clients_allow.lookup(s.conn.info.client)) co_return AuthGate::proceed;

  const auto header = req[http::field::proxy_authorization];
  AuthAnswer a =
      co_await s.rt.authenticator->check(s.settings, s.auth, s.conn.info.client, sv(header));
  if (a.verdict == AuthVerdict::authenticated || a.verdict == AuthVerdict::anonymous)
    co_return AuthGate::proceed;

  const Refusal r = refusal_of(a.verdict);
  std::string id;
  const bool audited = co_await audit_and_wait(s.rt, refusal_record(s, req, r), &id);
  if (!audited && s.settings->audit.on_failure == OnFailure::block) {
    s.rt.metrics.audit_unavailable();
    co_await send_page(s, req.version(), 503,
                       error_page(503, "Service Unavailable", "The audit log is unavailable.", ""),
                       false);
    co_return AuthGate::answered_close;
  }
  // A body that was not read leaves the connection unusable for the next request.
  const bool keep =
      req.keep_alive() && p.is_done() && !s.rt.draining.load() && !s.closing && r.status != 503;
  const std::string body = error_page(r.status, r.title, r.detail, id);
  const std::string head = response_head(s, r, a, body.size(), keep);
  if (!co_await write_client(s, head + body)) co_return AuthGate::answered_close;
  co_return keep ? AuthGate::answered_keep : AuthGate::answered_close;
}

}  // namespace gh
