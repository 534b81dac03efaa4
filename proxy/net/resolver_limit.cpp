#include "net/resolver_limit.hpp"

#include <cstring>
#include <string_view>

namespace gh {

LookupLimit::Slot& LookupLimit::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    client_ = o.client_;
    o.owner_ = nullptr;
  }
  return *this;
}

void LookupLimit::Slot::release() noexcept {
  if (owner_) owner_->give_back(client_);
  owner_ = nullptr;
}

std::size_t LookupLimit::Hash::operator()(const IpAddress& a) const noexcept {
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()));
}

LookupLimit::Slot LookupLimit::acquire(const IpAddress& client) {
  std::lock_guard lock(mu_);
  if (used_ >= total_) return {};
  std::uint32_t& mine = by_client_[client];
  if (mine >= per_client_) {
    if (mine == 0) by_client_.erase(client);
    return {};
  }
  ++mine;
  ++used_;
  Slot s;
  s.owner_ = this;
  s.client_ = client;
  return s;
}

void LookupLimit::give_back(const IpAddress& client) noexcept {
  std::lock_guard lock(mu_);
  --used_;
  auto it = by_client_.find(client);
  if (it != by_client_.end() && --it->second == 0) by_client_.erase(it);
}

std::uint32_t LookupLimit::in_flight(const IpAddress& client) const {
  std::lock_guard lock(mu_);
  auto it = by_client_.find(client);
  return it == by_client_.end() ? 0 : it->second;
}

std::uint32_t LookupLimit::in_flight() const {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace gh
