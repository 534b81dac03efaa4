// `gatehouse serve`: load the rules, open the audit log, bind the listeners,
// run until SIGTERM/SIGINT, then drain (README "Commands"; README "Running the proxy"; README
// "Operations guide"). g++ 12 reports Asio's awaitable frame operator delete as mismatched (a false
// positive on coroutine frames; GCC PR 109224).
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "admin/admin_server.hpp"
#include "admin/audit_probe.hpp"
#include "admin/privileges.hpp"
#include "audit/writer.hpp"
#include "auth/authenticator.hpp"
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "config/loader.hpp"
#include "config/pac.hpp"
#include "http/intercept_session.hpp"
#include "http/session.hpp"
#include "http/transparent_tls.hpp"
#include "net/server.hpp"
#include "runtime/reloader.hpp"
#include "runtime/systemd_notify.hpp"
#include "tls/ca_check.hpp"
#include "tls/interceptor.hpp"

namespace gh::cli {
namespace {

using namespace std::chrono_literals;

void raise_fd_limit() {
  // Every tunnel holds two sockets and two pipes; take all the kernel grants.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

unsigned thread_count() {
  if (const char* v = std::getenv("GATEHOUSE_THREADS")) {
    int n = std::atoi(v);
    if (n > 0 && n <= 256) return static_cast<unsigned>(n);
  }
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Stops accepting, lets requests and tunnels finish for up to drain_timeout,
// then closes what is left and gives their close records two seconds.
// Sessions that finish a request between two looks are closed at the next
// one (drain_idle), so it looks every 50 ms rather than waiting on an event.
asio::awaitable<void> drain(Server& server, Runtime& rt) {
  rt.draining = true;
  systemd::notify_stopping();
  server.stop_accepting();
  auto settings = rt.settings.load();
  const auto deadline = std::chrono::steady_clock::now() + settings->limits.drain_timeout;
  log(LogLevel::info, "draining: %llu connections open, up to %lld ms",
      static_cast<unsigned long long>(server.tracker().open()),
      static_cast<long long>(settings->limits.drain_timeout.count()));
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::optional<std::chrono::steady_clock::time_point> forced;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (server.tracker().open() == 0 || (forced && now >= *forced)) co_return;
    if (now >= deadline && !forced) {
      log(LogLevel::warning, "drain timeout: closing %llu connections",
          static_cast<unsigned long long>(server.tracker().open()));
      server.tracker().close_all();
      forced = now + 2s;  // time for their close records
    } else if (!forced) {
      server.tracker().drain_idle();  // keep-alive sessions between requests
    }
    timer.expires_after(50ms);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Runs `action` for every signal `set` receives, until the set is cancelled.
template <class Action>
asio::awaitable<void> each_signal(asio::signal_set& set, Action action) {
  for (;;) {
    boost::system::error_code ec;
    const int sig = co_await set.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    action(sig);
  }
}

}  // namespace

int serve(const ServeOptions& o) {
  ::signal(SIGPIPE, SIG_IGN);  // splice(2) to a closed peer must be an error, not a signal
  ::signal(SIGXFSZ, SIG_IGN);  // a full audit file is an error (EFBIG) to report, not death
  auto loaded = load_config(o.config, Clock::now());
  for (const auto& d : loaded.diagnostics) {
    std::fprintf(stderr, "%s\n", d.format().c_str());
  }
  if (!loaded.ok()) {
    log(LogLevel::error, "%s: rules have errors; not starting", o.config.c_str());
    return 1;
  }
  raise_fd_limit();

  Runtime rt;
  rt.started = Clock::now();
  // Always there, so that a reload may switch auth on (README "Identity").
  rt.authenticator = std::make_shared<Authenticator>(rt.metrics.auth);
  // README "HTTPS interception": the CA is judged as `check` does and read once, here.
  if (loaded.settings->tls_intercept.enabled) {
    auto ca = check_ca(loaded.settings->tls_intercept, Clock::now());
    for (const auto& d : ca) std::fprintf(stderr, "%s\n", d.format().c_str());
    std::string error;
    if (!has_errors(ca))
      rt.interceptor = Interceptor::create(loaded.settings->tls_intercept, error);
    if (!rt.interceptor) {
      if (!error.empty()) log(LogLevel::error, "tls_intercept: %s", error.c_str());
      log(LogLevel::error, "%s: tls_intercept cannot be used; not starting", o.config.c_str());
      return 1;
    }
  }
  install_rules(rt, loaded.rules, loaded.settings, Clock::now());
  const Settings& settings = *loaded.settings;

  std::unique_ptr<AuditWriter> audit;
  try {
    audit = std::make_unique<AuditWriter>(settings.audit);
    audit->enable_inline_writes();
  } catch (const std::exception& e) {
    log(LogLevel::error, "audit log: %s", e.what());
    return 3;
  }
  rt.audit = audit.get();

  SessionHandlers handlers{forward_session, transparent_tls_session, transparent_http_session,
                           refuse_connection};
  Server server(rt, handlers, event_model_from_env(), thread_count());
  asio::io_context main;
  std::unique_ptr<AdminServer> admin;
  try {
    server.bind(settings);
    if (settings.admin_address) {
      AdminContext ctx{&rt, [](const Settings& s) { return pac_text(s); },
                       audit_probe(audit.get())};
      admin = std::make_unique<AdminServer>(main.get_executor(), ctx,
                                            to_string(*settings.admin_address));
    }
    if (!settings.user.empty()) drop_privileges(settings.user);
  } catch (const std::exception& e) {
    log(LogLevel::error, "%s", e.what());
    return 3;
  }

  // Reload (SIGHUP, file watch) is the Reloader's: it swaps rt.rules/settings.
  Reloader reloader(rt, o.config);

  asio::signal_set stop_signals(main, SIGTERM, SIGINT);
  asio::signal_set hup(main, SIGHUP);
  asio::signal_set usr1(main, SIGUSR1);
  asio::co_spawn(main,
                 each_signal(hup,
                             [&](int) {
                               log(LogLevel::info, "SIGHUP: reloading rules");
                               reloader.request();
                             }),
                 asio::detached);
  asio::co_spawn(main,
                 each_signal(usr1,
                             [&](int) {
                               log(LogLevel::info, "SIGUSR1: rotating the audit log");
                               audit->rotate();  // asks the writer thread; does not wait for it
                             }),
                 asio::detached);
  auto stop = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    const int sig = co_await stop_signals.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    log(LogLevel::info, "signal %d: stopping", sig);
    if (admin) admin->stop();
    co_await drain(server, rt);
    hup.cancel();
    usr1.cancel();
    main.stop();
  };
  asio::co_spawn(main, stop(), asio::detached);

  server.start();
  for (const auto& a : server.bound_addresses()) log(LogLevel::info, "listening on %s", a.c_str());
  if (admin) {
    auto ep = admin->local_endpoint();
    log(LogLevel::info, "admin on %s:%u", ep.address().to_string().c_str(), ep.port());
  }
  log(LogLevel::info, "PAC file: http://%s/proxy.pac", pac_proxy(settings).c_str());
  systemd::notify_ready();

  main.run();

  server.stop();
  server.wait();
  reloader.stop();
  admin.reset();
  audit->stop();  // flushes; the writer logs the final seq and hash (the anchor)
  return 0;
}

}  // namespace gh::cli
