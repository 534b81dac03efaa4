#include "runtime/systemd_notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace gh::systemd {
namespace {

bool send(const std::string& state) {
  // unset_environment = 0: reloads later in the process life notify again.
  return sd_notify(0, state.c_str()) > 0;
}

}  // namespace

bool notify_ready() { return send("READY=1\nSTATUS=serving"); }

bool notify_reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1'000'000ull +
                            static_cast<unsigned long long>(ts.tv_nsec) / 1000ull;
  // MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) match the reload;
  // older versions ignore it.
  return send("RELOADING=1\nSTATUS=reloading rules\nMONOTONIC_USEC=" + std::to_string(usec));
}

bool notify_reloaded() { return send("READY=1\nSTATUS=serving"); }

bool notify_stopping() { return send("STOPPING=1\nSTATUS=draining"); }

bool notify_status(const std::string& status) { return send("STATUS=" + status); }

}  // namespace gh::systemd
