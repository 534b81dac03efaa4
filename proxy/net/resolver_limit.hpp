// How many DNS lookups may be in flight: per client address and in all
// (issue 10 class 6: one client asking for names that never answer must not
// take every lookup slot). A Slot is an RAII claim; over a limit, acquire()
// gives an empty one and the request is answered 503 `overloaded`.
// Thread-safe (one mutex); cache and hosts-file answers take no slot.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "policy/ip_address.hpp"

namespace gh {

class LookupLimit {
 public:
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : owner_(o.owner_), client_(o.client_) { o.owner_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }
    explicit operator bool() const noexcept { return owner_ != nullptr; }
    void release() noexcept;

   private:
    friend class LookupLimit;
    LookupLimit* owner_ = nullptr;
    IpAddress client_;
  };

  LookupLimit(std::uint32_t per_client, std::uint32_t total)
      : per_client_(per_client), total_(total) {}

  Slot acquire(const IpAddress& client);
  std::uint32_t in_flight(const IpAddress& client) const;
  std::uint32_t in_flight() const;

 private:
  struct Hash {
    std::size_t operator()(const IpAddress& a) const noexcept;
  };
  void give_back(const IpAddress& client) noexcept;

  const std::uint32_t per_client_;
  const std::uint32_t total_;
  mutable std::mutex mu_;
  std::uint32_t used_ = 0;
  std::unordered_map<IpAddress, std::uint32_t, Hash> by_client_;
};

}  // namespace gh
