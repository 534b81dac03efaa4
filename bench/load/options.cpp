#include "options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

namespace gh::load {

std::optional<Endpoint> parse_endpoint(const std::string& text) {
  // "host:port" or "[v6]:port"
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    return Endpoint{text.substr(1, close - 1), text.substr(close + 2)};
  }
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  return Endpoint{text.substr(0, colon), text.substr(colon + 1)};
}

std::optional<Url> parse_url(const std::string& text) {
  Url url;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    url.https = true;
    rest = text.substr(8);
  } else {
    return std::nullopt;
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) url.path = rest.substr(slash);
  auto ep = parse_endpoint(authority);
  if (!ep) {
    if (authority.empty() || authority.find(':') != std::string::npos) return std::nullopt;
    ep = Endpoint{authority, url.https ? "443" : "80"};
  }
  url.origin = *ep;
  return url;
}

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::get:
      return "get";
    case Mode::connect:
      return "connect";
    case Mode::tunnel:
      return "tunnel";
    case Mode::idle:
      return "idle";
    case Mode::https:
      return "https";
  }
  return "?";
}

std::optional<Options> parse_options(int argc, char** argv, int* exit_code) {
  Options o;
  std::string proxy;
  CLI::App app{
      "gatehouse end-to-end load generator. Modes:\n"
      "  get      GET --url (absolute-form through --proxy, origin-form without)\n"
      "  connect  CONNECT --target through --proxy, read the answer\n"
      "  tunnel   download --url in a loop, through a CONNECT tunnel (or direct)\n"
      "  idle     open --connections CONNECT tunnels to --target and hold them\n"
      "  https    GET https --url through a CONNECT to --proxy, TLS with SNI inside\n"
      "           (--new-connection: one CONNECT per GET; --ready-file: one GET, then hold)\n"
      "Prints one JSON line per run."};
  const std::map<std::string, Mode> modes{{"get", Mode::get},
                                          {"connect", Mode::connect},
                                          {"tunnel", Mode::tunnel},
                                          {"idle", Mode::idle},
                                          {"https", Mode::https}};
  app.add_option("--mode", o.mode, "get | connect | tunnel | idle | https")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
  app.add_option("--proxy", proxy, "proxy host:port (omit to go direct)");
  app.add_option("--url", o.url, "get/tunnel: http(s)://host:port/path");
  app.add_option("--target", o.target, "connect/idle: host:port to CONNECT to");
  app.add_flag("--new-connection", o.new_connection, "one TCP connection per request");
  app.add_option("-c,--connections", o.connections, "concurrent connections")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("-d,--duration", o.duration_s, "seconds (bound)")->check(CLI::Range(0.1, 3600.0));
  app.add_option("-n,--max-requests", o.max_requests, "request count (bound)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--expect-status", o.expect_status, "count any other status as an error");
  app.add_option("--timeout", o.timeout_s, "seconds per operation")->check(CLI::Range(0.1, 600.0));
  app.add_option("--ramp-parallel", o.ramp_parallel, "idle: tunnels opened at once")
      ->check(CLI::Range(1u, 4096u));
  app.add_option("--ready-file", o.ready_file, "idle: file written when all tunnels are open");
  app.add_option("--label", o.label, "free text copied into the JSON line");
  app.add_option("--proxy-user", o.proxy_user,
                 "get/connect: USER:PASSWORD sent as Proxy-Authorization: Basic on every request");
  app.add_option("--negotiate", o.negotiate_spn,
                 "get/connect: SPN (HTTP@host): a new GSSAPI context per connection, its "
                 "token on the connection's first request (KRB5CCNAME holds the ticket)");
  app.add_option("--serve-403", o.serve_403_port,
                 "run a trivial server on 127.0.0.1:PORT answering 403 (the ceiling)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e) == 0 ? 0 : 2;
    return std::nullopt;
  }
  auto usage = [&](const std::string& msg) {
    std::cerr << "load: " << msg << "\n";
    *exit_code = 2;
    return std::nullopt;
  };
  if (!proxy.empty()) {
    o.proxy = parse_endpoint(proxy);
    if (!o.proxy) return usage("bad --proxy " + proxy);
  }
  if (o.serve_403_port != 0) return o;
  if ((o.mode == Mode::get || o.mode == Mode::tunnel || o.mode == Mode::https) &&
      !parse_url(o.url)) {
    return usage("--url http(s)://host:port/path is required for this mode");
  }
  if (o.mode == Mode::get && parse_url(o.url)->https) {
    return usage("get mode speaks plain HTTP; use tunnel mode for https");
  }
  if (!o.proxy_user.empty() && !o.negotiate_spn.empty())
    return usage("--proxy-user and --negotiate: one or the other");
  if ((!o.proxy_user.empty() || !o.negotiate_spn.empty()) &&
      (!o.proxy || (o.mode != Mode::get && o.mode != Mode::connect)))
    return usage("--proxy-user and --negotiate need --proxy and mode get or connect");
  if (!o.proxy_user.empty() && o.proxy_user.find(':') == std::string::npos)
    return usage("--proxy-user USER:PASSWORD");
  if (o.mode == Mode::https && (!parse_url(o.url)->https || !o.proxy)) {
    return usage("https mode needs --url https://host:port/path and --proxy");
  }
  if (o.mode == Mode::connect || o.mode == Mode::idle) {
    if (!parse_endpoint(o.target)) return usage("--target host:port is required for this mode");
    if (!o.proxy) return usage("this mode needs --proxy");
  }
  return o;
}

}  // namespace gh::load
