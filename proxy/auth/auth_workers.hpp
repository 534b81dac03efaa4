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
template <class R>
asio::awaitable<std::optional<R>> run_on_workers(AuthWorkers& pool, std::function<R()> fn) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(std::optional<R>)>(
      [&pool, ex](auto handler, std::function<R()> job) {
        using Handler = decltype(handler);
        // Shared: std::function needs a copyable callable, the handler is move-only.
        auto h = std::make_shared<std::optional<Handler>>(std::move(handler));
        auto finish = [h, ex](std::optional<R> r) {
          asio::post(ex, [h, r = std::move(r)]() mutable { std::move (**h)(std::move(r)); });
        };
        if (!pool.try_post([finish, job = std::move(job)] { finish(job()); }))
          finish(std::nullopt);
      },
      asio::use_awaitable, std::move(fn));
}

}  // namespace gh
