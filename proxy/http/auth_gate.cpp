// README "Identity": 407 with the challenges in the configured order, 429 while
// throttled, 503 while the directory is down (on_backend_failure: block),
// each answered through the one local reply (http/local_reply.hpp).
#include "http/auth_gate.hpp"

#include "auth/authenticator.hpp"
#include "http/message_rules.hpp"
#include "http/request_target.hpp"
#include "policy/host.hpp"

namespace gh {
namespace {

Reason reason_of(AuthVerdict v) {
  switch (v) {
    case AuthVerdict::failed:
      return Reason::auth_failed;
    case AuthVerdict::throttled:
      return Reason::auth_throttled;
    case AuthVerdict::unavailable:
      return Reason::auth_unavailable;
    default:
      return Reason::auth_required;
  }
}

// What a refused request asked for, for its record (no user: none was proven).
struct Asked {
  std::string method, host, url;
  Request r;
};

void read_asked(const http::request_header<>& req, Asked& a) {
  a.method = std::string(req.method_string());
  a.r.method = a.method;
  const bool connect = req.method() == http::verb::connect;
  const RequestTarget t = parse_request_target(sv(req.target()), connect);
  HostName hn;
  if (t.form == TargetForm::invalid || canonicalize_host(t.host, a.host, &hn) != HostError::none)
    return;
  a.r.host = a.host;
  a.r.port = t.port;
  if (t.form == TargetForm::absolute) {
    a.url = http_url(a.host, hn.is_ip, t.port, t.path);
    a.r.url = a.url;
  }
}

// The challenge fields of a 407, in the configured order; Retry-After of a 429.
void add_fields(const AuthSettings& auth, const AuthAnswer& a, int status, LocalReply& r) {
  if (status == 429) r.fields.emplace_back("Retry-After", "60");
  if (status != 407) return;
  for (AuthScheme scheme : auth.schemes) {
    if (scheme == AuthScheme::negotiate) {
      r.fields.emplace_back("Proxy-Authenticate", a.negotiate_token.empty()
                                                      ? std::string("Negotiate")
                                                      : "Negotiate " + a.negotiate_token);
    } else {
      r.fields.emplace_back("Proxy-Authenticate",
                            "Basic realm=\"" + auth.realm + "\", charset=\"UTF-8\"");
    }
  }
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
      co_await s.rt.authenticator->check(s.settings, s.auth, s.conn.info.client, sv(header),
                                         s.rt.reload_requests.load(std::memory_order_relaxed));
  if (a.verdict == AuthVerdict::authenticated || a.verdict == AuthVerdict::anonymous)
    co_return AuthGate::proceed;

  Asked asked;
  read_asked(req, asked);
  LocalReply r;
  r.reason = reason_of(a.verdict);
  r.status = status_text(r.reason).status;
  r.request = &asked.r;
  r.version = req.version();
  // A body that was not read leaves the connection unusable for the next request.
  r.keep_alive = req.keep_alive() && p.is_done() && !s.rt.draining.load() && r.status != 503;
  add_fields(*s.settings->auth, a, r.status, r);
  const bool kept = co_await reply(s.reply_ctx(), std::move(r));
  co_return kept ? AuthGate::answered_keep : AuthGate::answered_close;
}

}  // namespace gh
