#include "policy/destination_guard.hpp"

#include <algorithm>

namespace gh {
namespace {

IpAddress v6_loopback() noexcept {
  IpAddress a;
  a.bytes[15] = 1;
  return a;
}

bool is_unspecified(const IpAddress& a) noexcept {
  static const IpAddress v4_any = IpAddress::v4(0);
  static const IpAddress v6_any{};
  return a == v4_any || a == v6_any;
}

Decision denied(const Decision& d, Reason why) noexcept {
  Decision out = d;
  out.action = Action::deny;
  out.reason = why;
  out.approval = kNone;
  return out;
}

}  // namespace

bool OwnEndpoints::reaches_us(const IpAddress& a, std::uint16_t port) const noexcept {
  // Connecting to 0.0.0.0 / :: reaches this machine's loopback.
  const IpAddress target =
      is_unspecified(a) ? (a.is_v4() ? IpAddress::v4(0x7f000001) : v6_loopback()) : a;
  for (const Exact& e : exact)
    if (e.port == port && e.address == target) return true;
  if (std::find(any_ports.begin(), any_ports.end(), port) == any_ports.end()) return false;
  // A wildcard listener answers on every local address, including all of
  // 127.0.0.0/8 (the kernel delivers any loopback address locally).
  const auto& b = target.bytes;
  if (target.is_v4() && b[12] == 127) return true;
  if (target == v6_loopback()) return true;
  return std::find(local_addresses.begin(), local_addresses.end(), target) != local_addresses.end();
}

bool passes_private_guard(const RuleSet& rules, const IpAddress& a) noexcept {
  return !rules.policy.block_private_destinations || !a.is_private() ||
         rules.private_allowed.lookup(a).has_value();
}

DestinationChoice filter_destinations(const RuleSet& rules, const Decision& d,
                                      std::span<const IpAddress> resolved, std::uint16_t port,
                                      const OwnEndpoints& own) {
  DestinationChoice out{d, {}};
  if (d.action != Action::allow) return out;
  bool looped = false;
  for (const IpAddress& a : resolved) {
    if (own.reaches_us(a, port)) {
      looped = true;
      continue;
    }
    if (passes_private_guard(rules, a)) out.allowed.push_back(a);
  }
  if (!out.allowed.empty() || resolved.empty()) return out;
  // Nothing left: name the more specific cause when one of them was us.
  out.decision = denied(d, looped ? Reason::loop_detected : Reason::private_destination);
  return out;
}

}  // namespace gh
