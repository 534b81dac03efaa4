#include "runtime/reloader.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include "base/log.hpp"
#include "config/loader.hpp"
#include "runtime/file_watch.hpp"
#include "runtime/systemd_notify.hpp"

namespace gh {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

void install_rules(Runtime& rt, std::shared_ptr<const RuleSet> rules,
                   std::shared_ptr<const Settings> settings, TimePoint now) {
  const RuleSet& r = *rules;
  // Settings first: a request that sees the new rules also sees their settings.
  rt.settings.store(std::move(settings));
  rt.rules.store(std::move(rules));
  rt.metrics.rules_loaded(r, now);
}

struct Reloader::Impl {
  Runtime& rt;
  std::string config_path;
  Options options;
  int wake_fd = -1;  // eventfd: request() and stop()
  std::atomic<bool> stopping{false};
  std::atomic<bool> requested{false};
  std::mutex reload_mu;  // one reload at a time
  std::unique_ptr<FileWatch> watch;
  // Rule sets swapped out but maybe still used by requests in flight; freed
  // here once nobody else holds them, so a big table is never freed on an
  // event loop.
  std::deque<std::shared_ptr<const RuleSet>> retired;
  std::mutex retired_mu;
  std::thread thread;

  Impl(Runtime& r, std::string path, Options o) : rt(r), config_path(std::move(path)), options(o) {}

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  std::vector<std::string> files_to_watch(const Settings* s) const {
    std::vector<std::string> files{config_path};
    if (s) files.insert(files.end(), s->watched_files.begin(), s->watched_files.end());
    return files;
  }

  void free_retired() {
    std::deque<std::shared_ptr<const RuleSet>> drop;
    {
      std::lock_guard lock(retired_mu);
      for (auto it = retired.begin(); it != retired.end();) {
        // use_count() == 1: unreachable from Runtime and no request holds it.
        if (it->use_count() == 1) {
          drop.push_back(std::move(*it));
          it = retired.erase(it);
        } else {
          ++it;
        }
      }
    }
    // `drop` is destroyed here, on the reload thread (or reload_now's caller).
  }

  void warn_restart_only(const Settings& old_s, const Settings& new_s) {
    auto same_listeners = [&] {
      if (old_s.listeners.size() != new_s.listeners.size()) return false;
      for (std::size_t i = 0; i < old_s.listeners.size(); ++i) {
        const auto& a = old_s.listeners[i];
        const auto& b = new_s.listeners[i];
        if (a.address != b.address || a.mode != b.mode || a.proxy_protocol != b.proxy_protocol)
          return false;
      }
      return true;
    };
    if (!same_listeners()) log(LogLevel::warning, "reload: listen: changes take effect on restart");
    if (old_s.admin_address != new_s.admin_address)
      log(LogLevel::warning, "reload: admin.address: change takes effect on restart");
    if (old_s.audit.path != new_s.audit.path)
      log(LogLevel::warning, "reload: audit.path: change takes effect on restart");
    if (old_s.user != new_s.user)
      log(LogLevel::warning, "reload: user: change takes effect on restart");
  }

  bool reload(const std::string& why) {
    std::lock_guard lock(reload_mu);
    systemd::notify_reloading();
    log(LogLevel::info, "reload: %s: loading %s", why.c_str(), config_path.c_str());
    auto t0 = Steady::now();
    LoadResult result;
    try {
      result = load_config(config_path, Clock::now());
    } catch (const std::exception& e) {
      // A loader that throws (memory, a limit it did not turn into a
      // diagnostic) must not end a serving process: the reload is refused.
      result = LoadResult{};
      Diagnostic d;
      d.file = config_path;
      d.severity = Severity::error;
      d.message = std::string("loading the rules failed: ") + e.what();
      result.diagnostics.push_back(std::move(d));
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - t0).count();
    std::size_t errors = 0;
    for (const auto& d : result.diagnostics) {
      bool is_error = d.severity == Severity::error;
      errors += is_error ? 1 : 0;
      log(is_error ? LogLevel::error : LogLevel::warning, "reload: %s", d.format().c_str());
    }
    if (!result.ok()) {
      rt.metrics.reload(false);
      log(LogLevel::error, "reload: rejected (%zu error%s); the previous rules stay in force",
          errors, errors == 1 ? "" : "s");
      systemd::notify_reloaded();
      systemd::notify_status("serving; last reload rejected (" + std::to_string(errors) +
                             " errors)");
      return false;
    }
    auto old_settings = rt.settings.load();
    if (old_settings) warn_restart_only(*old_settings, *result.settings);
    auto old_rules = rt.rules.load();
    std::size_t entries = result.rules->entries.size();
    std::size_t files = result.rules->files.size();
    install_rules(rt, result.rules, result.settings, Clock::now());
    rt.metrics.reload(true);
    if (old_rules) {
      std::lock_guard rl(retired_mu);
      retired.push_back(std::move(old_rules));
    }
    if (watch) {
      try {
        watch->set(files_to_watch(result.settings.get()));
      } catch (const std::exception& e) {
        log(LogLevel::warning, "reload: watch: %s", e.what());
      }
    }
    log(LogLevel::info, "reload: ok: %zu rules from %zu files in %lld ms", entries, files,
        static_cast<long long>(ms));
    systemd::notify_reloaded();
    free_retired();
    return true;
  }

  void run() {
    // Signals belong to the event loops' signal_set; this thread yields the
    // CPU to them (nice +10) so a big reload does not stall traffic.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
    pthread_setname_np(pthread_self(), "gh-reload");

    // A burst of file events: reload once it has been quiet for `debounce`.
    bool pending = false;
    Steady::time_point due{}, first{};
    std::string why;
    while (!stopping.load()) {
      int timeout = 1000;  // also the period for freeing retired rule sets
      if (pending) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - Steady::now());
        timeout = static_cast<int>(std::clamp<long long>(left.count(), 0, 1000));
      }
      pollfd fds[2] = {{wake_fd, POLLIN, 0}, {watch ? watch->fd() : -1, POLLIN, 0}};
      int n = ::poll(fds, 2, timeout);
      if (n < 0 && errno != EINTR) {
        log(LogLevel::error, "reload: poll: %s", std::strerror(errno));
        std::this_thread::sleep_for(100ms);
        continue;
      }
      if (stopping.load()) break;
      if (fds[0].revents & POLLIN) {
        std::uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd, &v, sizeof v);
      }
      if (watch && (fds[1].revents & POLLIN)) {
        std::string name;
        bool changed;
        {
          std::lock_guard lock(reload_mu);  // reload_now() may be re-arming the watch
          changed = watch->consume(&name);
        }
        if (changed) {
          auto now = Steady::now();
          if (!pending) {
            pending = true;
            first = now;
            why = "changed: " + name;
          }
          // Quiet for `debounce`, but never postpone a burst beyond 10x that.
          due = std::min(now + options.debounce, first + options.debounce * 10);
        }
      }
      if (requested.exchange(false)) {
        pending = false;
        reload("SIGHUP");
      } else if (pending && Steady::now() >= due) {
        pending = false;
        reload(why);
      }
      free_retired();
    }
  }
};

Reloader::Reloader(Runtime& rt, std::string config_path, Options options)
    : impl_(std::make_unique<Impl>(rt, std::move(config_path), options)) {
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  if (options.watch_files) {
    try {
      impl_->watch = std::make_unique<FileWatch>();
      auto s = rt.settings.load();
      impl_->watch->set(impl_->files_to_watch(s.get()));
    } catch (const std::exception& e) {
      // Reload on SIGHUP still works; say why file changes will not.
      log(LogLevel::warning, "reload: not watching files: %s", e.what());
      impl_->watch.reset();
    }
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

Reloader::~Reloader() {
  stop();
  ::close(impl_->wake_fd);
}

void Reloader::request() {
  impl_->rt.reload_requests.fetch_add(1, std::memory_order_relaxed);
  impl_->requested.store(true);
  impl_->wake();
}

bool Reloader::reload_now(const std::string& why) { return impl_->reload(why); }

void Reloader::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace gh
