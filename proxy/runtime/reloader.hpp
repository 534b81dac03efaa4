// Rule reload (README "Operations guide"): on request (SIGHUP) and when any file the config
// names changes (inotify, Kubernetes ConfigMap symlink swaps included,
// debounced). The new rule set is built on the Reloader's own thread, at a
// lower CPU priority than the event loops, then swapped into Runtime::rules
// and Runtime::settings atomically; requests in flight keep the snapshot they
// took. A tree with any error is rejected whole: the old rules stay, every
// diagnostic is logged with file:line:col, and the failure is counted.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/runtime.hpp"

namespace gh {

// Publishes a loaded rule set (start-up and reload): stores settings and
// rules into `rt` and records them in the metrics.
void install_rules(Runtime& rt, std::shared_ptr<const RuleSet> rules,
                   std::shared_ptr<const Settings> settings, TimePoint now);

class Reloader {
 public:
  struct Options {
    std::chrono::milliseconds debounce{200};  // quiet time after the last file event
    bool watch_files = true;                  // inotify on Settings::watched_files
  };

  // Starts the reload thread and watches the files of rt.settings (and
  // `config_path` itself). `rt` must outlive the Reloader.
  Reloader(Runtime& rt, std::string config_path, Options options);
  Reloader(Runtime& rt, std::string config_path)
      : Reloader(rt, std::move(config_path), Options{}) {}
  ~Reloader();  // stop()
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Asks for a reload (SIGHUP); returns at once. Requests that arrive while
  // one is pending are merged. Safe from any thread (not from a raw signal
  // handler: call it from an asio::signal_set handler).
  void request();

  // Loads, validates and swaps on the calling thread; true if the new rules
  // are in force. Serialised with the reload thread.
  bool reload_now(const std::string& why);

  void stop();  // ends the thread; idempotent

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gh
