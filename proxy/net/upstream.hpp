// Connecting to the origin of an allowed request (README "Decisions" step 7, "Running the proxy";
// docs/threat-model.md): resolve (IP literals and transparent destinations skip it), keep only the
// addresses that pass the destination guard and are not gatehouse's own
// listeners (policy/destination_guard.hpp), connect to those in order within
// connect_timeout. Failures come back as a deny decision with the status to
// answer.
#pragma once

#include <optional>
#include <string_view>

#include "net/asio.hpp"
#include "net/resolver.hpp"
#include "policy/decide.hpp"
#include "policy/destination_guard.hpp"

namespace gh {

// What every upstream connection needs besides the request: the resolver and
// the listening endpoints it must never connect back to. One per Server.
struct UpstreamContext {
  Resolver& resolver;
  OwnEndpoints own;  // filled by Server::bind(); read-only once serving
};

struct UpstreamResult {
  Decision decision;  // the allowed decision, or a deny with the failure reason
  int status = 0;     // 0 on success; else 403/502/503/504 to answer
  beast::tcp_stream stream;
  // The address actually connected to (audit `dest`); nullopt when none was.
  std::optional<tcp::endpoint> connected;
  explicit UpstreamResult(asio::any_io_executor ex) : stream(std::move(ex)) {}
};

struct UpstreamTarget {
  std::string_view host;  // canonical name or IP text
  bool host_is_ip = false;
  std::uint16_t port = 0;
  std::optional<IpAddress> fixed;  // transparent mode: the original destination
  IpAddress client{};              // whose lookup this is (resolver.max_per_client)
};

asio::awaitable<void> connect_upstream(UpstreamContext& ctx, const RuleSet& rules,
                                       const Decision& allowed, const UpstreamTarget& target,
                                       Millis timeout, UpstreamResult& out);

tcp::endpoint to_endpoint(const IpAddress& a, std::uint16_t port);

}  // namespace gh
