#include "cli/target.hpp"

#include <charconv>

#include "http/path_normalize.hpp"
#include "http/request_target.hpp"
#include "policy/host.hpp"

namespace gh::cli {
namespace {

bool lower_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// The host of a parsed request target, canonical as the proxy makes it.
bool canonical_host(const RequestTarget& rt, Target& t, std::string& err) {
  HostName info;
  if (HostError e = canonicalize_host(rt.host, t.host, &info); e != HostError::none)
    return err = "bad host '" + std::string(rt.host) + "': " + std::string(to_string(e)), false;
  t.host_is_ip = info.is_ip;
  t.port = rt.port;
  return true;
}

// A CONNECT's authority, read by the proxy's own request-target code; a bare
// host means port 443, a bare IPv6 address gets its brackets.
bool parse_connect(std::string_view s, Target& t, std::string& err) {
  std::string text(s);
  const bool bare_v6 = s.front() != '[' && s.find(':') != s.rfind(':');
  if (bare_v6)
    text = "[" + text + "]:443";
  else if (s.front() == '[' ? s.back() == ']' : s.find(':') == std::string_view::npos)
    text += ":443";
  const RequestTarget rt = parse_request_target(text, true);
  if (rt.form != TargetForm::authority || rt.port == 0)
    return err = "the proxy would refuse 'CONNECT " + text + "' (400)", false;
  return canonical_host(rt, t, err);
}

std::string host_for_url(const Target& t) {
  return t.host_is_ip && t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
}

Request request_of(const Target& t, const IpAddress& client, bool with_tls) {
  Request r;
  r.client = client;
  r.mode = t.mode;
  r.connect = t.connect;
  r.method = t.method;
  r.host = t.host;
  r.port = t.port;
  r.url = t.url;
  r.user = t.user;
  r.groups = t.groups;
  if (with_tls) {
    r.tls = t.tls;
    r.sni = t.sni;
  }
  return r;
}

}  // namespace

std::optional<Target> parse_target(std::string_view s, std::string& err) {
  Target t;
  if (s.empty()) return err = "empty target", std::nullopt;
  if (lower_prefix(s, "sni:")) {
    std::string_view name = s.substr(4);
    HostName info;
    if (HostError e = canonicalize_host(name, t.sni, &info); e != HostError::none)
      return err = "bad SNI '" + std::string(name) + "': " + std::string(to_string(e)),
             std::nullopt;
    if (info.is_ip) return err = "an SNI names a host, not an address", std::nullopt;
    t.mode = Mode::transparent_tls;
    t.connect = true;
    t.port = 443;
    t.tls = TlsSeen::sni;
    t.shown = "transparent TLS ClientHello, SNI " + t.sni;
    return t;
  }
  const bool http = lower_prefix(s, "http://"), https = lower_prefix(s, "https://");
  if (http || https) {
    // The proxy's own reading of an absolute-form target (http/request_target.hpp),
    // so that explain decides what the proxy would decide.
    const RequestTarget rt = parse_request_target(s, false);
    if (rt.form != TargetForm::absolute)
      return err = "the proxy would refuse the target '" + std::string(s) + "' (400)", std::nullopt;
    if (!canonical_host(rt, t, err)) return std::nullopt;
    if (http) {
      // The proxy's own normalisation, so that explain sees the path URL
      // rules see (docs/threat-model.md).
      std::string normal;
      if (normalize_target(rt.path, normal) != PathStatus::ok)
        return err = "bad percent-escape in '" + std::string(rt.path) + "'", std::nullopt;
      t.method = "GET";
      t.url = http_url(t.host, t.host_is_ip, t.port, normal);
      t.shown = "GET " + t.url;
      return t;
    }
    t.connect = true;
    t.method = "CONNECT";
    t.then_tls = true;
    // Clients send no SNI for an IP literal.
    t.tls = t.host_is_ip ? TlsSeen::no_sni : TlsSeen::sni;
    if (!t.host_is_ip) t.sni = t.host;
    t.shown = "CONNECT " + host_for_url(t) + ":" + std::to_string(t.port) +
              (t.host_is_ip ? ", ClientHello without SNI" : ", then SNI " + t.sni);
    return t;
  }
  if (s.find("://") != std::string_view::npos)
    return err = "unsupported scheme in '" + std::string(s) + "' (use http:// or https://)",
           std::nullopt;
  if (!parse_connect(s, t, err)) return std::nullopt;
  t.connect = true;
  t.method = "CONNECT";
  t.shown = "CONNECT " + host_for_url(t) + ":" + std::to_string(t.port);
  return t;
}

TargetDecision decide_target(const RuleSet& r, const Target& t, const IpAddress& client,
                             TimePoint at) {
  // As the proxy does it: decide on what is visible first; only an allowed
  // CONNECT gets to show its ClientHello.
  TargetDecision out;
  out.two_steps = t.then_tls;
  out.first = decide(r, request_of(t, client, !out.two_steps), at);
  out.final = out.first;
  if (out.two_steps && out.first.action == Action::allow)
    out.final = decide(r, request_of(t, client, true), at);
  return out;
}

}  // namespace gh::cli
