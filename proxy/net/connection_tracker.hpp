// Counts live connections (max_connections, max_connections_per_client) and
// knows every live session so a drain can close the idle ones and, when
// drain_timeout is over, all of them (Asio's HTTP server "connection manager").
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "config/settings.hpp"
#include "net/asio.hpp"
#include "policy/ip_address.hpp"

namespace gh {

// One live session's handle. `stop(force)` runs on the session's executor:
// force=false closes the connection only if it waits for a new request;
// force=true closes it whatever it is doing.
struct LiveConnection {
  asio::any_io_executor executor;
  std::function<void(bool force)> stop;
};

enum class Admission : unsigned char { ok, overloaded, client_limit };

class ConnectionTracker {
 public:
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept { *this = std::move(o); }
    Ticket& operator=(Ticket&& o) noexcept;
    ~Ticket();
    // Registers the session for drain; the handle is held weakly.
    void attach(const std::shared_ptr<LiveConnection>& live);

   private:
    friend class ConnectionTracker;
    ConnectionTracker* tracker_ = nullptr;
    IpAddress client_;
    std::list<std::weak_ptr<LiveConnection>>::iterator pos_;
    bool registered_ = false;
  };

  // Counts the connection if within limits; the ticket releases it.
  Admission admit(const IpAddress& client, const LimitSettings& limits, Ticket& ticket);
  std::uint64_t open() const;

  void drain_idle();  // close sessions waiting for a request
  void close_all();   // close everything

 private:
  struct Hash {
    std::size_t operator()(const IpAddress& a) const noexcept;
  };
  void release(Ticket& t);
  void each(bool force);

  mutable std::mutex mu_;
  std::uint64_t open_ = 0;
  std::unordered_map<IpAddress, std::uint32_t, Hash> per_client_;
  std::list<std::weak_ptr<LiveConnection>> live_;
};

}  // namespace gh
