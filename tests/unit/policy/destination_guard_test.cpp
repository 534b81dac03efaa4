// filter_destinations(): connect only to addresses that pass the guard, and
// never to gatehouse's own listeners (issue 10 classes 3 and 8), no sockets.
#include <catch2/catch.hpp>

#include <vector>

#include "policy/destination_guard.hpp"

using namespace gh;

namespace {

IpAddress ip(const char* t) { return *IpAddress::parse(t); }

RuleSet rules(bool guard) {
  RuleSet r;
  r.policy.block_private_destinations = guard;
  return r;
}

Decision allowed() { return Decision{}; }

}  // namespace

TEST_CASE("a name with a loopback and a public address reaches only the public one", "[guard]") {
  auto r = rules(true);
  const IpAddress addrs[] = {ip("127.0.0.1"), ip("93.184.216.34"), ip("10.0.0.1")};
  auto c = filter_destinations(r, allowed(), addrs, 80, {});
  CHECK(c.decision.action == Action::allow);
  CHECK(c.allowed == std::vector<IpAddress>{ip("93.184.216.34")});
}

TEST_CASE("no address passes: deny private-destination", "[guard]") {
  auto r = rules(true);
  const IpAddress addrs[] = {ip("127.0.0.1"), ip("::1"), ip("64:ff9b::a00:1"),
                             ip("2002:c0a8:101::1"), ip("169.254.169.254")};
  auto c = filter_destinations(r, allowed(), addrs, 443, {});
  CHECK(c.decision.action == Action::deny);
  CHECK(c.decision.reason == Reason::private_destination);
  CHECK(c.allowed.empty());
}

TEST_CASE("an allowed app's networks let its private addresses through, only those", "[guard]") {
  auto r = rules(true);
  r.private_allowed.insert(*Cidr::parse("127.0.0.2/32"), 0);
  const IpAddress addrs[] = {ip("127.0.0.1"), ip("127.0.0.2"), ip("127.0.0.3")};
  auto c = filter_destinations(r, allowed(), addrs, 80, {});
  CHECK(c.decision.action == Action::allow);
  CHECK(c.allowed == std::vector<IpAddress>{ip("127.0.0.2")});
}

TEST_CASE("guard off: every address stays, in resolver order", "[guard]") {
  auto r = rules(false);
  const IpAddress addrs[] = {ip("127.0.0.1"), ip("93.184.216.34")};
  auto c = filter_destinations(r, allowed(), addrs, 80, {});
  CHECK(c.decision.action == Action::allow);
  CHECK(c.allowed == std::vector<IpAddress>{ip("127.0.0.1"), ip("93.184.216.34")});
}

TEST_CASE("a refused decision stays as it was, with no address", "[guard]") {
  auto r = rules(true);
  Decision b;
  b.action = Action::block;
  b.reason = Reason::category_blocked;
  const IpAddress addrs[] = {ip("93.184.216.34")};
  auto c = filter_destinations(r, b, addrs, 80, {});
  CHECK(c.decision.reason == Reason::category_blocked);
  CHECK(c.allowed.empty());
}

TEST_CASE("own listener on one address: that ip:port is a loop, others are not", "[guard][loop]") {
  auto r = rules(false);  // the loop check does not depend on the guard
  OwnEndpoints own;
  own.exact.push_back({ip("127.0.0.1"), 3128});
  CHECK(own.reaches_us(ip("127.0.0.1"), 3128));
  CHECK(own.reaches_us(ip("0.0.0.0"), 3128));  // Linux connects 0.0.0.0 to loopback
  CHECK_FALSE(own.reaches_us(ip("127.0.0.1"), 3129));
  CHECK_FALSE(own.reaches_us(ip("127.0.0.2"), 3128));

  const IpAddress only_us[] = {ip("127.0.0.1")};
  auto c = filter_destinations(r, allowed(), only_us, 3128, own);
  CHECK(c.decision.action == Action::deny);
  CHECK(c.decision.reason == Reason::loop_detected);
  CHECK(c.allowed.empty());

  const IpAddress us_and_other[] = {ip("127.0.0.1"), ip("127.0.0.2")};
  c = filter_destinations(r, allowed(), us_and_other, 3128, own);
  CHECK(c.decision.action == Action::allow);
  CHECK(c.allowed == std::vector<IpAddress>{ip("127.0.0.2")});
}

TEST_CASE("wildcard listener: every local address on its port is a loop", "[guard][loop]") {
  auto r = rules(false);
  OwnEndpoints own;
  own.any_ports.push_back(3129);
  own.local_addresses = {ip("192.0.2.10"), ip("2001:db8::10")};
  for (const char* a : {"127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "::", "192.0.2.10",
                        "2001:db8::10", "::ffff:127.0.0.1"}) {
    INFO(a);
    CHECK(own.reaches_us(ip(a), 3129));
  }
  CHECK_FALSE(own.reaches_us(ip("192.0.2.11"), 3129));
  CHECK_FALSE(own.reaches_us(ip("192.0.2.10"), 3128));
}

TEST_CASE("loop and private together: the loop is named", "[guard][loop]") {
  auto r = rules(true);
  OwnEndpoints own;
  own.exact.push_back({ip("127.0.0.1"), 3128});
  const IpAddress addrs[] = {ip("127.0.0.1"), ip("10.0.0.1")};
  auto c = filter_destinations(r, allowed(), addrs, 3128, own);
  CHECK(c.decision.reason == Reason::loop_detected);
  const IpAddress priv[] = {ip("10.0.0.1")};
  CHECK(filter_destinations(r, allowed(), priv, 3128, own).decision.reason ==
        Reason::private_destination);
}

TEST_CASE("check_destination agrees: deny only when none passes", "[guard]") {
  auto r = rules(true);
  const IpAddress mixed[] = {ip("127.0.0.1"), ip("93.184.216.34")};
  const IpAddress priv[] = {ip("127.0.0.1"), ip("::127.0.0.1")};
  CHECK(check_destination(r, allowed(), mixed).action == Action::allow);
  CHECK(check_destination(r, allowed(), priv).reason == Reason::private_destination);
}

TEST_CASE("loop-detected has its name", "[guard][loop]") {
  CHECK(to_string(Reason::loop_detected) == "loop-detected");
  Reason x{};
  CHECK(parse_reason("loop-detected", x));
  CHECK(x == Reason::loop_detected);
}
