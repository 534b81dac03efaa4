#include "http/upstream_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace gh {
namespace {

// The origin closed (or sent something unasked) while the connection sat idle.
bool still_idle(beast::tcp_stream& s) {
  char byte;
  ssize_t n = ::recv(s.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool same_rules(const std::weak_ptr<const RuleSet>& w, const std::shared_ptr<const RuleSet>& r) {
  return !w.expired() && !w.owner_before(r) && !r.owner_before(w);
}

}  // namespace

UpstreamPool& UpstreamPool::local() {
  thread_local UpstreamPool pool;
  return pool;
}

void UpstreamPool::expire(std::chrono::steady_clock::time_point now) {
  while (!idle_.empty() && now - idle_.front().since > kMaxAge) idle_.pop_front();
}

std::unique_ptr<beast::tcp_stream> UpstreamPool::take(const std::string& key,
                                                      const std::shared_ptr<const RuleSet>& rules,
                                                      std::optional<std::string>& dest) {
  expire(std::chrono::steady_clock::now());
  for (auto it = idle_.end(); it != idle_.begin();) {  // newest first
    --it;
    if (it->key != key) continue;
    if (!same_rules(it->rules, rules) || !still_idle(*it->stream)) {
      it = idle_.erase(it);
      continue;
    }
    auto s = std::move(it->stream);
    dest = std::move(it->dest);
    idle_.erase(it);
    return s;
  }
  return nullptr;
}

void UpstreamPool::put(std::string key, std::unique_ptr<beast::tcp_stream> stream,
                       std::weak_ptr<const RuleSet> rules, std::optional<std::string> dest) {
  const auto now = std::chrono::steady_clock::now();
  expire(now);
  if (idle_.size() >= kMaxIdle) idle_.pop_front();
  stream->expires_never();
  idle_.push_back(Entry{std::move(key), std::move(stream), std::move(rules), now, std::move(dest)});
}

}  // namespace gh
