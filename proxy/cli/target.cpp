#include "cli/target.hpp"

#include <charconv>

#include "http/path_normalize.hpp"
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

// "host", "host:port", "[v6]:port", "[v6]", bare "v6" -> canonical host and port.
bool parse_authority(std::string_view a, std::uint16_t default_port, Target& t, std::string& err) {
  std::string_view host = a, port;
  if (!a.empty() && a.front() == '[') {
    const std::size_t close = a.find(']');
    if (close == std::string_view::npos)
      return err = "unbalanced '[' in '" + std::string(a) + "'", false;
    host = a.substr(0, close + 1);
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return err = "bad authority '" + std::string(a) + "'", false;
      port = rest.substr(1);
    }
  } else if (std::size_t colon = a.rfind(':');
             colon != std::string_view::npos && a.find(':') == colon) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  t.port = default_port;
  if (!port.empty() || (host.size() != a.size() && a.back() == ':')) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535)
      return err = "bad port '" + std::string(port) + "'", false;
    t.port = static_cast<std::uint16_t>(v);
  }
  HostName info;
  if (HostError e = canonicalize_host(host, t.host, &info); e != HostError::none)
    return err = "bad host '" + std::string(host) + "': " + std::string(to_string(e)), false;
  t.host_is_ip = info.is_ip;
  return true;
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
    std::string_view rest = s.substr(http ? 7 : 8);
    const std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    std::string_view path = end == std::string_view::npos ? "/" : rest.substr(end);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
      authority = authority.substr(at + 1);  // userinfo never reaches the proxy's decision
    if (!parse_authority(authority, http ? 80 : 443, t, err)) return std::nullopt;
    if (const std::size_t hash = path.find('#'); hash != std::string_view::npos)
      path = path.substr(0, hash);
    if (path.empty() || path.front() != '/') path = std::string_view("/");
    if (http) {
      // The proxy's own normalisation, so that explain sees the path URL
      // rules see (docs/threat-model.md).
      std::string normal;
      if (normalize_target(path, normal) != PathStatus::ok)
        return err = "bad percent-escape in '" + std::string(path) + "'", std::nullopt;
      t.method = "GET";
      t.url = "http://" + host_for_url(t) + (t.port != 80 ? ":" + std::to_string(t.port) : "") +
              normal;
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
  // A bare IPv6 address has several colons and no port.
  const bool bare_v6 = s.front() != '[' && s.find(':') != s.rfind(':');
  if (!parse_authority(bare_v6 ? "[" + std::string(s) + "]" : std::string(s), 443, t, err))
    return std::nullopt;
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
