// Record buffers of decrypted connections that wait for their peer, freed
// once the wait has lasted a moment (README "HTTPS interception", bench/RESULTS.md
// "Memory per idle intercepted connection").
//
// Freeing them before every wait (SSL_MODE_RELEASE_BUFFERS) keeps idle
// connections small, but a busy keep-alive connection then allocates and frees
// two 17 KiB buffers a request per side, and that churn through malloc's bins
// cost about a tenth of the CPU of an inspected request. So a TlsSocket keeps
// its buffers while it is busy and joins this list when it starts to wait; a
// sweep every kSweep frees the buffers of every member that has waited at
// least that long. One list per io_context (each event loop is one thread,
// net/server.cpp), made on first use as an Asio service, so its timer is
// stopped before the io_context's own services go.
#pragma once

#include <chrono>
#include <optional>

#include "net/asio.hpp"

namespace gh {

class TlsSocket;

class TlsIdleService : public asio::execution_context::service {
 public:
  using key_type = TlsIdleService;
  static inline asio::execution_context::id id;
  static constexpr std::chrono::milliseconds kSweep{100};

  explicit TlsIdleService(asio::execution_context& ctx);

  // `s` waits for its peer (or rests between requests) from now on.
  void waiting(TlsSocket& s);
  // `s` is busy again, or gone.
  void woke(TlsSocket& s) noexcept;
  // For tests: how many sockets wait.
  std::size_t members() const noexcept { return count_; }

 private:
  void shutdown() override;
  void arm(const asio::any_io_executor& ex);
  void sweep();

  std::optional<asio::steady_timer> timer_;  // on the first member's executor
  bool armed_ = false;
  TlsSocket* head_ = nullptr;  // intrusive list through TlsSocket::idle_prev_/idle_next_
  std::size_t count_ = 0;
};

}  // namespace gh
