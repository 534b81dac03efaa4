// A flow gatehouse decrypts (README "HTTPS interception"), as the listener that
// decided it hands it over: forward CONNECT (http/) and transparent TLS (net/)
// alike. The TLS session itself lives in http/ (Beast, the pages); net/ reaches
// it through Runtime::block_page_server, so the library arrows stay one-way.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "net/conn_info.hpp"
#include "policy/decide.hpp"

namespace gh {

struct Runtime;
class Interceptor;

struct InterceptFlow {
  InterceptFlow(Runtime& r, const ConnInfo& c, std::shared_ptr<const RuleSet> rs,
                std::shared_ptr<const Settings> st, Interceptor& ic)
      : rt(r), conn(c), rules(std::move(rs)), settings(std::move(st)), interceptor(ic) {}

  Runtime& rt;
  const ConnInfo& conn;
  std::shared_ptr<const RuleSet> rules;
  std::shared_ptr<const Settings> settings;
  Interceptor& interceptor;
  std::string host;  // the leaf's name: the SNI, else the CONNECT host or original address
  std::uint16_t port = 443;
  Request request;    // what the flow was decided on (its views outlive the flow)
  Decision decision;  // the decision that chose interception
  std::string ref;    // id of the flow's decision record (close records name it)
  std::optional<std::string> dest;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// The flow of a hello decided as `d` on `r` (recorded as `ref`): the leaf
// names what the client asked for, the SNI (plain or an ECH hello's outer
// one), else the CONNECT host or the original destination's address.
inline InterceptFlow intercept_flow(Runtime& rt, const ConnInfo& c,
                                    std::shared_ptr<const RuleSet> rules,
                                    std::shared_ptr<const Settings> settings, Interceptor& ic,
                                    const Request& r, const Decision& d, std::string ref,
                                    std::optional<std::string> dest) {
  InterceptFlow f{rt, c, std::move(rules), std::move(settings), ic};
  f.host = std::string(has_sni(r) ? r.sni : r.host);
  f.port = r.port;
  f.request = r;
  f.decision = d;
  f.ref = std::move(ref);
  f.dest = std::move(dest);
  return f;
}

// serve_block_page() of http/intercept_session.hpp. `prefix`: the bytes already
// read from the client (the ClientHello and anything behind it).
using BlockPageServer = asio::awaitable<void> (*)(tcp::socket& client, std::string prefix,
                                                  InterceptFlow& flow);

}  // namespace gh
