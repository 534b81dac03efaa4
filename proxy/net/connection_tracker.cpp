#include "net/connection_tracker.hpp"

#include <cstring>
#include <vector>

namespace gh {

std::size_t ConnectionTracker::Hash::operator()(const IpAddress& a) const noexcept {
  std::uint64_t hi, lo;
  std::memcpy(&hi, a.bytes.data(), 8);
  std::memcpy(&lo, a.bytes.data() + 8, 8);
  return std::hash<std::uint64_t>{}(hi * 0x9e3779b97f4a7c15ull ^ lo);
}

ConnectionTracker::Ticket& ConnectionTracker::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    if (tracker_) tracker_->release(*this);
    tracker_ = o.tracker_;
    client_ = o.client_;
    pos_ = o.pos_;
    registered_ = o.registered_;
    o.tracker_ = nullptr;
    o.registered_ = false;
  }
  return *this;
}

ConnectionTracker::Ticket::~Ticket() {
  if (tracker_) tracker_->release(*this);
}

void ConnectionTracker::Ticket::attach(const std::shared_ptr<LiveConnection>& live) {
  if (!tracker_ || registered_) return;
  std::lock_guard lock(tracker_->mu_);
  pos_ = tracker_->live_.insert(tracker_->live_.end(), live);
  registered_ = true;
}

Admission ConnectionTracker::admit(const IpAddress& client, const LimitSettings& limits,
                                   Ticket& ticket) {
  std::lock_guard lock(mu_);
  if (open_ >= limits.max_connections) return Admission::overloaded;
  auto& n = per_client_[client];
  if (n >= limits.max_connections_per_client) {
    if (n == 0) per_client_.erase(client);
    return Admission::client_limit;
  }
  ++n;
  ++open_;
  ticket.tracker_ = this;
  ticket.client_ = client;
  return Admission::ok;
}

void ConnectionTracker::release(Ticket& t) {
  std::lock_guard lock(mu_);
  if (t.registered_) live_.erase(t.pos_);
  t.registered_ = false;
  auto it = per_client_.find(t.client_);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
  --open_;
  t.tracker_ = nullptr;
}

std::uint64_t ConnectionTracker::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

void ConnectionTracker::each(bool force) {
  std::vector<std::shared_ptr<LiveConnection>> targets;
  {
    std::lock_guard lock(mu_);
    for (auto& w : live_) {
      if (auto p = w.lock()) targets.push_back(std::move(p));
    }
  }
  for (auto& p : targets) {
    asio::post(p->executor, [p, force] {
      if (p->stop) p->stop(force);
    });
  }
}

void ConnectionTracker::drain_idle() { each(false); }
void ConnectionTracker::close_all() { each(true); }

}  // namespace gh
