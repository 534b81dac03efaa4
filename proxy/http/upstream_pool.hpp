// Idle keep-alive connections to origins, kept per event-loop thread and
// shared by all client connections of that loop (as Squid's server-side
// persistent connections): a client that opens a new connection per request
// does not cost the origin a new TCP connection each time.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "net/asio.hpp"
#include "policy/rule_set.hpp"

namespace gh {

class UpstreamPool {
 public:
  static constexpr std::size_t kMaxIdle = 64;  // per thread
  static constexpr std::chrono::seconds kMaxAge{15};

  // This thread's pool.
  static UpstreamPool& local();

  // An idle connection to `key` opened under `rules` (the private-destination
  // check of README "Decisions" step 7 ran against those rules), or null.
  // Its origin address for the audit record (Upstream::dest) goes to `dest`.
  std::unique_ptr<beast::tcp_stream> take(const std::string& key,
                                          const std::shared_ptr<const RuleSet>& rules,
                                          std::optional<std::string>& dest);
  // Keeps a connection whose response ended cleanly (nothing unread).
  void put(std::string key, std::unique_ptr<beast::tcp_stream> stream,
           std::weak_ptr<const RuleSet> rules, std::optional<std::string> dest);
  std::size_t size() const { return idle_.size(); }

 private:
  struct Entry {
    std::string key;
    std::unique_ptr<beast::tcp_stream> stream;
    std::weak_ptr<const RuleSet> rules;
    std::chrono::steady_clock::time_point since;
    std::optional<std::string> dest;
  };
  void expire(std::chrono::steady_clock::time_point now);
  std::deque<Entry> idle_;  // oldest first
};

}  // namespace gh
