// A small fixed pool of threads for the blocking parts of authentication
// (crypt_r, libldap, GSSAPI), so that no event loop ever waits for a
// directory (README "Identity"). The queue is bounded: when it is full the
// job is refused at once and the request is answered as "backend unavailable"
// instead of piling up behind a dead directory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace gh {

class AuthWorkers {
 public:
  AuthWorkers(std::size_t threads, std::size_t max_queued);
  ~AuthWorkers();  // finishes the running jobs, drops the queued ones, joins
  AuthWorkers(const AuthWorkers&) = delete;
  AuthWorkers& operator=(const AuthWorkers&) = delete;

  // False (and the job is not run) when the queue is full or the pool stops.
  bool try_post(std::function<void()> job);

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Runs `fn` on the pool and resumes the calling coroutine on its own
// executor with the result; nullopt when the pool refused the job.
// Callers pass a named std::function, and nothing non-trivial is a temporary
// of the co_await expression: g++ 12 destroys such temporaries twice.
template <class R>
asio::awaitable<std::optional<R>> run_on_workers(AuthWorkers& pool, const std::function<R()>& fn) {
  auto ex = co_await asio::this_coro::executor;
  auto job = std::make_shared<std::function<R()>>(fn);
  auto init = [&pool, ex, job](auto handler) {
    using Handler = decltype(handler);
    // Shared: std::function needs a copyable callable, the handler is move-only.
    auto h = std::make_shared<std::optional<Handler>>(std::move(handler));
    auto finish = [h, ex](std::optional<R> r) {
      asio::post(ex, [h, r = std::move(r)]() mutable { std::move (**h)(std::move(r)); });
    };
    if (!pool.try_post([finish, job] { finish((*job)()); })) finish(std::nullopt);
  };
  std::optional<R> result =
      co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(std::optional<R>)>(
          init, asio::use_awaitable);
  co_return result;
}

}  // namespace gh
