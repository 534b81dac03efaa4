#include "net/upstream.hpp"

#include <chrono>

namespace gh {

tcp::endpoint to_endpoint(const IpAddress& a, std::uint16_t port) {
  if (a.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy(a.bytes.begin() + 12, a.bytes.end(), b.begin());
    return tcp::endpoint(asio::ip::address_v4(b), port);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy(a.bytes.begin(), a.bytes.end(), b.begin());
  return tcp::endpoint(asio::ip::address_v6(b), port);
}

asio::awaitable<void> connect_upstream(UpstreamContext& ctx, const RuleSet& rules,
                                       const Decision& allowed, const UpstreamTarget& target,
                                       Millis timeout, UpstreamResult& out) {
  auto deny = [&](Reason r, int status) {
    out.decision = allowed;
    out.decision.action = Action::deny;
    out.decision.reason = r;
    out.status = status;
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  std::vector<IpAddress> addresses;
  if (target.fixed) {
    addresses.push_back(*target.fixed);
  } else if (target.host_is_ip) {
    auto ip = IpAddress::parse(target.host);
    if (!ip) {
      deny(Reason::upstream_unresolvable, 502);
      co_return;
    }
    addresses.push_back(*ip);
  } else {
    std::string host(target.host);
    auto r = ctx.resolver.answer_now(host);  // hosts file and cache: no suspension
    if (!r) {
      r = co_await ctx.resolver.async_resolve(std::move(host), target.client, timeout,
                                              asio::use_awaitable);
    }
    switch (r->status) {
      case ResolveStatus::ok:
        addresses = std::move(r->addresses);
        break;
      case ResolveStatus::timeout:
        deny(Reason::upstream_timeout, 504);
        co_return;
      case ResolveStatus::overloaded:
        deny(Reason::overloaded, 503);
        co_return;
      case ResolveStatus::unresolvable:
        deny(Reason::upstream_unresolvable, 502);
        co_return;
    }
  }

  // Only addresses that pass the guard, never our own listeners (docs/threat-model.md).
  DestinationChoice choice = filter_destinations(rules, allowed, addresses, target.port, ctx.own);
  out.decision = std::move(choice.decision);
  if (out.decision.action != Action::allow) {
    out.status = 403;
    co_return;
  }

  boost::system::error_code ec;
  bool timed_out = false;
  for (const auto& a : choice.allowed) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left <= Millis(0)) {
      timed_out = true;
      break;
    }
    out.stream.expires_after(left);
    const tcp::endpoint ep = to_endpoint(a, target.port);
    co_await out.stream.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      out.connected = ep;
      out.stream.expires_never();
      out.stream.socket().set_option(tcp::no_delay(true), ec);
      out.status = 0;
      co_return;
    }
    if (ec == beast::error::timeout) timed_out = true;
  }
  if (timed_out) {
    deny(Reason::upstream_timeout, 504);
  } else {
    deny(Reason::upstream_refused, 502);
  }
}

}  // namespace gh
