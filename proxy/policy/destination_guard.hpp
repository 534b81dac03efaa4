// Which of a name's addresses gatehouse may connect to (README "Decisions" step 7, §18).
// Pure: the caller resolves and connects; this only filters.
//
// Two refusals, checked per address, in this order:
//   loop-detected        the address:port is one of gatehouse's own listeners
//                        (issue 10 class 8: a transparent listener whose
//                        original destination is itself spawned 512 nested
//                        connections); applies even with the guard off;
//   private-destination  the address is special (special_addresses.hpp), the
//                        guard is on and no allowed app's networks: cover it.
// Only the survivors are connected to, in resolver order: a name with a
// loopback and a public address reaches the public one or nothing (issue 10
// class 3: the old guard denied only when every address was private, then
// connected to the loopback one first).
//
// Examples (guard on, listener on 127.0.0.1:3128, port 80 unless given):
//   {127.0.0.1, 93.184.216.34}   -> allow, {93.184.216.34}
//   {127.0.0.1, 10.0.0.1}        -> deny private-destination, {}
//   {127.0.0.1}:3128             -> deny loop-detected, {}
//   {127.0.0.2} with 127.0.0.2/32 in an allowed app's networks -> allow, {127.0.0.2}
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "policy/decide.hpp"

namespace gh {

// gatehouse's own listening endpoints, known after bind().
struct OwnEndpoints {
  struct Exact {
    IpAddress address;
    std::uint16_t port = 0;
  };
  std::vector<Exact> exact;                // listeners bound to one address
  std::vector<std::uint16_t> any_ports;    // listeners bound to 0.0.0.0 or ::
  std::vector<IpAddress> local_addresses;  // this machine's, for any_ports

  // True when a connection to a:port would reach one of our listeners.
  // 0.0.0.0 and :: count as local (Linux connects them to loopback).
  bool reaches_us(const IpAddress& a, std::uint16_t port) const noexcept;
};

struct DestinationChoice {
  Decision decision;               // `d` unchanged, or a deny with its reason
  std::vector<IpAddress> allowed;  // the addresses to try, in resolver order
};

// `d` that is not an allow passes through with no addresses.
DestinationChoice filter_destinations(const RuleSet& rules, const Decision& d,
                                      std::span<const IpAddress> resolved, std::uint16_t port,
                                      const OwnEndpoints& own);

// The private-destination half for one address: true when it may be used.
bool passes_private_guard(const RuleSet& rules, const IpAddress& a) noexcept;

}  // namespace gh
