// sd_notify(3) for Type=notify units. Without $NOTIFY_SOCKET (not under
// systemd) every call is a no-op that returns false.
#pragma once

#include <string>

namespace gh::systemd {

bool notify_ready();      // READY=1: every listener is bound and rules are loaded
bool notify_reloading();  // RELOADING=1 (+ MONOTONIC_USEC): a reload started
bool notify_reloaded();   // READY=1 again after a reload, whatever its result
bool notify_stopping();   // STOPPING=1: draining began
bool notify_status(const std::string& status);  // STATUS=...: free text for systemctl status

}  // namespace gh::systemd
