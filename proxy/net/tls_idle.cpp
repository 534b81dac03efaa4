#include "net/tls_idle.hpp"

#include "net/tls_socket.hpp"

namespace gh {

TlsIdleService::TlsIdleService(asio::execution_context& ctx)
    : asio::execution_context::service(ctx) {}

void TlsIdleService::waiting(TlsSocket& s) {
  s.idle_since_ = std::chrono::steady_clock::now();
  if (s.idle_listed_) return;
  s.idle_listed_ = true;
  s.idle_prev_ = nullptr;
  s.idle_next_ = head_;
  if (head_) head_->idle_prev_ = &s;
  head_ = &s;
  ++count_;
  arm(s.get_executor());
}

void TlsIdleService::woke(TlsSocket& s) noexcept {
  if (!s.idle_listed_) return;
  s.idle_listed_ = false;
  if (s.idle_prev_) s.idle_prev_->idle_next_ = s.idle_next_;
  if (s.idle_next_) s.idle_next_->idle_prev_ = s.idle_prev_;
  if (head_ == &s) head_ = s.idle_next_;
  s.idle_prev_ = s.idle_next_ = nullptr;
  --count_;
}

void TlsIdleService::arm(const asio::any_io_executor& ex) {
  if (armed_) return;
  if (!timer_) timer_.emplace(ex);
  armed_ = true;
  timer_->expires_after(kSweep);
  timer_->async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (ec) return;  // shut down (the service outlives every handler of its timer)
    sweep();
    if (head_) arm(timer_->get_executor());
  });
}

void TlsIdleService::sweep() {
  const auto cutoff = std::chrono::steady_clock::now() - kSweep;
  for (TlsSocket* s = head_; s;) {
    TlsSocket* next = s->idle_next_;
    if (s->idle_since_ <= cutoff) {
      s->release_buffers();
      woke(*s);
    }
    s = next;
  }
}

void TlsIdleService::shutdown() {
  // Before the io_context's other services: the timer goes while the timer
  // service it uses still exists; its pending wait is dropped, not run.
  timer_.reset();
  armed_ = false;
}

}  // namespace gh
