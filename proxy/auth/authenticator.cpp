// README "Identity", step by step: exempt → Negotiate identity kept on the
// connection → Basic credentials already proven on the connection → throttle
// → the header → cache → backend on a worker.
#include "auth/authenticator.hpp"

#include <openssl/crypto.h>

#include "auth/htpasswd_check.hpp"
#include "auth/ldap_directory.hpp"
#include "auth/proxy_authorization.hpp"

namespace gh {
namespace {

using steady = std::chrono::steady_clock;

// What a worker reports back for one credential check.
struct Checked {
  BackendStatus status = BackendStatus::rejected;
  std::shared_ptr<const AuthIdentity> who;
  std::string output;  // Negotiate: token for the client
  bool complete = true;
};

void wipe(std::string& s) { OPENSSL_cleanse(s.data(), s.size()); }

std::string_view short_name(std::string_view user) { return user.substr(0, user.find('@')); }

BackendStatus check_basic(const AuthSettings& a, const std::string& user,
                          const std::string& password) {
  if (!a.htpasswd_path.empty()) {
    auto it = a.htpasswd.find(user);
    // An unknown user still costs one hash, so timing does not tell who exists.
    static const std::string kDummy =
        "$6$gatehousedummy$8l1zlpWcsK9uHDqU9Z5L3ZkMPdDW9eVH4r0VmlHc0aIPS2b7UV0xSxsC0uAdoDBWkp2i6U"
        "tV0xzTj2a0sVfYt/";
    const bool ok = htpasswd_matches(password, it != a.htpasswd.end() ? it->second : kDummy);
    return ok && it != a.htpasswd.end() ? BackendStatus::ok : BackendStatus::rejected;
  }
  if (!a.basic_ldap.url.empty())
    return ldap_check_password(a.basic_ldap, user, password, kBackendTimeout);
  return BackendStatus::rejected;
}

}  // namespace

Authenticator::Authenticator(AuthMetrics& metrics, std::size_t threads, std::size_t max_queued)
    : metrics_(metrics), workers_(threads, max_queued) {}

BackendStatus Authenticator::groups_of(const AuthSettings& a, std::string_view user,
                                       std::vector<std::string>& out) {
  out.clear();
  if (!a.groups_file_path.empty()) {
    auto it = a.groups_file.find(user);
    if (it == a.groups_file.end()) it = a.groups_file.find(short_name(user));
    if (it != a.groups_file.end()) out = it->second;
    return BackendStatus::ok;
  }
  if (!a.groups_ldap.url.empty()) {
    // A Kerberos principal names the directory entry by its part before '@'.
    const std::string_view name = short_name(user);
    return ldap_groups_of(a.groups_ldap, ldap_user_dn(a.basic_ldap, name), name, kBackendTimeout,
                          out);
  }
  return BackendStatus::ok;
}

AuthAnswer Authenticator::fail(const IpAddress& client, bool count_failure) {
  if (count_failure) throttle_.failure(client, steady::now());
  metrics_.count(AuthOutcome::failed);
  return AuthAnswer{AuthVerdict::failed, {}};
}

AuthAnswer Authenticator::backend_down(const AuthSettings& a, ConnectionAuth& conn) {
  conn.current.reset();
  if (a.on_backend_failure == OnBackendFailure::network) {
    metrics_.count(AuthOutcome::served_by_network);
    return AuthAnswer{AuthVerdict::anonymous, {}};
  }
  metrics_.count(AuthOutcome::unavailable);
  return AuthAnswer{AuthVerdict::unavailable, {}};
}

AuthGeneration Authenticator::generation_of(const AuthSettings& a, std::uint64_t reload_requests) {
  // The first request of a new generation frees the old entries (they could
  // not match anyway); a request still on the old settings may clear again,
  // which costs only re-verification.
  if (seen_fingerprint_.load(std::memory_order_relaxed) != a.fingerprint ||
      seen_reload_requests_.load(std::memory_order_relaxed) != reload_requests) {
    seen_fingerprint_.store(a.fingerprint, std::memory_order_relaxed);
    seen_reload_requests_.store(reload_requests, std::memory_order_relaxed);
    cache_.clear();
  }
  return AuthGeneration{a.fingerprint, reload_requests};
}

bool Authenticator::proven_on_connection(ConnectionAuth& conn, const AuthGeneration& gen,
                                         std::string_view header, steady::time_point now) {
  const std::optional<BasicProof>& p = conn.basic;
  if (!p || p->generation != gen || now >= p->expires || header.empty()) return false;
  if (!p->header.equals(header)) return false;
  conn.current = p->who;
  return true;
}

asio::awaitable<AuthAnswer> Authenticator::check(
    const std::shared_ptr<const Settings>& settings_ref, ConnectionAuth& conn,
    const IpAddress& client, std::string_view header, std::uint64_t reload_requests) {
  // Parameters by reference, copies as locals: g++ 12 mishandles by-value
  // coroutine parameters moved on into a co_await (a reference lost twice).
  const std::shared_ptr<const Settings> settings = settings_ref;
  const AuthSettings& a = *settings->auth;
  conn.current.reset();
  for (const Cidr& c : a.exempt) {
    if (c.contains(client)) {
      metrics_.count(AuthOutcome::exempt);
      co_return AuthAnswer{AuthVerdict::anonymous, {}};
    }
  }
  const AuthGeneration gen = generation_of(a, reload_requests);
  if (conn.negotiated) {  // one exchange per connection
    if (conn.negotiated_generation != gen) {
      AuthAnswer out = co_await regroup_negotiated(settings, conn, gen);
      co_return out;
    }
    conn.current = conn.negotiated;
    co_return AuthAnswer{AuthVerdict::authenticated, {}};
  }
  const steady::time_point now = steady::now();
  if (proven_on_connection(conn, gen, header, now)) {
    metrics_.count(AuthOutcome::ok_cached);
    co_return AuthAnswer{AuthVerdict::authenticated, {}};
  }
  conn.basic.reset();
  if (throttle_.throttled(client, now)) {
    metrics_.count(AuthOutcome::throttled);
    co_return AuthAnswer{AuthVerdict::throttled, {}};
  }
  ProxyCredentials cred = parse_proxy_authorization(header);
  if (cred.kind == CredentialKind::none) {
    metrics_.count(AuthOutcome::required);
    co_return AuthAnswer{AuthVerdict::required, {}};
  }
  if (cred.kind == CredentialKind::basic && a.offers(AuthScheme::basic)) {
    // What the connection will keep if these credentials prove good.
    BasicProof proof{HeldSecret(header), gen, now + a.cache_ttl, nullptr};
    AuthAnswer out = co_await check_basic_async(settings, conn, client, cred, proof);
    co_return out;
  }
  if (cred.kind == CredentialKind::negotiate && a.offers(AuthScheme::negotiate)) {
    AuthAnswer out = co_await check_negotiate_async(settings, conn, client, cred.token, gen);
    co_return out;
  }
  co_return fail(client, true);  // malformed, another scheme, or one not offered
}

asio::awaitable<AuthAnswer> Authenticator::check_basic_async(
    const std::shared_ptr<const Settings>& settings_ref, ConnectionAuth& conn,
    const IpAddress& client, ProxyCredentials& cred, BasicProof& proof) {
  const std::shared_ptr<const Settings> settings = settings_ref;
  const AuthSettings& a = *settings->auth;
  // No declaration in the if: g++ 12 destroys such a coroutine local twice.
  std::shared_ptr<const AuthIdentity> cached =
      cache_.find(cred.user, cred.password, proof.generation, steady::now(), &proof.expires);
  if (cached) {
    wipe(cred.password);
    metrics_.count(AuthOutcome::ok_cached);
    proof.who = cached;
    conn.basic = std::move(proof);
    conn.current = std::move(cached);
    co_return AuthAnswer{AuthVerdict::authenticated, {}};
  }
  auto creds = std::make_shared<ProxyCredentials>(std::move(cred));
  const std::function<Checked()> job = [settings, creds]() {
    Checked c;
    const AuthSettings& as = *settings->auth;
    c.status = check_basic(as, creds->user, creds->password);
    if (c.status != BackendStatus::ok) return c;
    auto who = std::make_shared<AuthIdentity>();
    who->user = creds->user;
    c.status = groups_of(as, creds->user, who->groups);
    c.who = std::move(who);
    return c;
  };
  std::optional<Checked> r = co_await run_on_workers<Checked>(workers_, job);
  AuthAnswer out;
  if (!r || r->status == BackendStatus::unavailable) {
    out = backend_down(a, conn);
  } else if (r->status == BackendStatus::rejected) {
    out = fail(client, true);
  } else {
    cache_.put(creds->user, creds->password, proof.generation, r->who, proof.expires);
    metrics_.count(AuthOutcome::ok_basic);
    proof.who = r->who;
    conn.basic = std::move(proof);
    conn.current = std::move(r->who);
    out = AuthAnswer{AuthVerdict::authenticated, {}};
  }
  wipe(creds->password);
  co_return out;
}

asio::awaitable<AuthAnswer> Authenticator::regroup_negotiated(
    const std::shared_ptr<const Settings>& settings_ref, ConnectionAuth& conn,
    const AuthGeneration& gen_ref) {
  // The principal stays proven (Kerberos said so); after a reload its groups,
  // and so its department, are looked up again rather than a new exchange.
  const std::shared_ptr<const Settings> settings = settings_ref;
  const AuthGeneration gen = gen_ref;
  auto user = std::make_shared<const std::string>(conn.negotiated->user);
  const std::function<Checked()> job = [settings, user]() {
    Checked c;
    auto who = std::make_shared<AuthIdentity>();
    who->user = *user;
    c.status = groups_of(*settings->auth, who->user, who->groups);
    c.who = std::move(who);
    return c;
  };
  std::optional<Checked> r = co_await run_on_workers<Checked>(workers_, job);
  if (!r || r->status != BackendStatus::ok) co_return backend_down(*settings->auth, conn);
  conn.negotiated = std::move(r->who);
  conn.negotiated_generation = gen;
  conn.current = conn.negotiated;
  co_return AuthAnswer{AuthVerdict::authenticated, {}};
}

asio::awaitable<AuthAnswer> Authenticator::check_negotiate_async(
    const std::shared_ptr<const Settings>& settings_ref, ConnectionAuth& conn,
    const IpAddress& client, std::string& token_in, const AuthGeneration& gen_ref) {
  const std::shared_ptr<const Settings> settings = settings_ref;
  const AuthGeneration gen = gen_ref;
  const AuthSettings& a = *settings->auth;
  if (!conn.gss) conn.gss = std::make_shared<GssAcceptor>();
  auto gss = conn.gss;
  auto token = std::make_shared<std::string>(std::move(token_in));
  const std::function<Checked()> job = [settings, gss, token]() {
    Checked c;
    const AuthSettings& as = *settings->auth;
    GssStep st = gss->step(as.keytab, *token);
    c.status = st.status;
    c.output = std::move(st.output);
    c.complete = st.complete;
    if (st.status != BackendStatus::ok || !st.complete) return c;
    auto who = std::make_shared<AuthIdentity>();
    who->user = std::move(st.principal);
    c.status = groups_of(as, who->user, who->groups);
    c.who = std::move(who);
    return c;
  };
  std::optional<Checked> r = co_await run_on_workers<Checked>(workers_, job);
  if (!r || r->status == BackendStatus::unavailable) co_return backend_down(a, conn);
  if (r->status == BackendStatus::rejected) {
    conn.gss.reset();
    co_return fail(client, true);
  }
  if (!r->complete) {
    metrics_.count(AuthOutcome::required);
    co_return AuthAnswer{AuthVerdict::required, encode_base64(r->output)};
  }
  conn.gss.reset();  // the context has done its job; the identity stays
  conn.negotiated = r->who;
  conn.negotiated_generation = gen;
  conn.current = std::move(r->who);
  metrics_.count(AuthOutcome::ok_negotiate);
  co_return AuthAnswer{AuthVerdict::authenticated, {}};
}

}  // namespace gh
