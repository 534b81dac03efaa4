// ConnectionTracker: max_connections and max_connections_per_client, with
// tickets that give their slot back.
#include <catch2/catch.hpp>

#include <vector>

#include "net/connection_tracker.hpp"

using namespace gh;

TEST_CASE("per-client and global limits") {
  ConnectionTracker t;
  LimitSettings limits;
  limits.max_connections = 4;
  limits.max_connections_per_client = 2;
  auto a = *IpAddress::parse("10.0.0.1");
  auto b = *IpAddress::parse("10.0.0.2");
  auto c = *IpAddress::parse("2001:db8::3");
  std::vector<ConnectionTracker::Ticket> held(6);
  REQUIRE(t.admit(a, limits, held[0]) == Admission::ok);
  REQUIRE(t.admit(a, limits, held[1]) == Admission::ok);
  ConnectionTracker::Ticket extra;
  REQUIRE(t.admit(a, limits, extra) == Admission::client_limit);
  REQUIRE(t.admit(b, limits, held[2]) == Admission::ok);
  REQUIRE(t.admit(c, limits, held[3]) == Admission::ok);
  REQUIRE(t.open() == 4);
  REQUIRE(t.admit(c, limits, held[4]) == Admission::overloaded);
  held[0] = ConnectionTracker::Ticket{};  // releases a's first slot
  REQUIRE(t.open() == 3);
  REQUIRE(t.admit(a, limits, held[5]) == Admission::ok);
}

TEST_CASE("drain reaches registered sessions on their executor") {
  ConnectionTracker t;
  LimitSettings limits;
  asio::io_context ioc;
  ConnectionTracker::Ticket ticket;
  REQUIRE(t.admit(*IpAddress::parse("10.0.0.1"), limits, ticket) == Admission::ok);
  auto live = std::make_shared<LiveConnection>();
  live->executor = ioc.get_executor();
  std::vector<bool> calls;
  live->stop = [&](bool force) { calls.push_back(force); };
  ticket.attach(live);
  t.drain_idle();
  t.close_all();
  ioc.run_for(std::chrono::seconds(5));
  REQUIRE(calls == std::vector<bool>{false, true});
  ticket = ConnectionTracker::Ticket{};
  t.close_all();  // a released session is no longer reached
  ioc.restart();
  ioc.run_for(std::chrono::seconds(1));
  REQUIRE(calls.size() == 2);
}
