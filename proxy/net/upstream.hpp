// Connecting to the origin of an allowed request (SPEC §5 step 7, §6):
// resolve off the loop (IP literals and transparent destinations skip it),
// apply the private-destination guard, connect within connect_timeout.
// Failures come back as a deny decision with the status to answer.
#pragma once

#include <optional>
#include <string_view>

#include "net/asio.hpp"
#include "net/resolver.hpp"
#include "policy/decide.hpp"

namespace gh {

struct UpstreamResult {
  Decision decision;  // the allowed decision, or a deny with the failure reason
  int status = 0;     // 0 on success; else 403/502/503/504 to answer
  beast::tcp_stream stream;
  explicit UpstreamResult(asio::any_io_executor ex) : stream(std::move(ex)) {}
};

struct UpstreamTarget {
  std::string_view host;  // canonical name or IP text
  bool host_is_ip = false;
  std::uint16_t port = 0;
  std::optional<IpAddress> fixed;  // transparent mode: the original destination
};

asio::awaitable<void> connect_upstream(ResolverPool& resolver, const RuleSet& rules,
                                       const Decision& allowed, const UpstreamTarget& target,
                                       Millis timeout, UpstreamResult& out);

tcp::endpoint to_endpoint(const IpAddress& a, std::uint16_t port);

}  // namespace gh
