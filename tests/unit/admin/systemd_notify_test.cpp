// sd_notify messages arrive on $NOTIFY_SOCKET as systemd would see them.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "runtime/systemd_notify.hpp"

namespace {

struct NotifySocket {
  int fd = -1;
  std::string path;
  NotifySocket() {
    char dir[] = "/tmp/gh-notify-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    path = std::string(dir) + "/notify";
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd);
    unlink(path.c_str());
    rmdir(path.substr(0, path.rfind('/')).c_str());
  }
  std::string receive() {
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
};

}  // namespace

TEST_CASE("notifications reach NOTIFY_SOCKET") {
  NotifySocket s;
  CHECK(gh::systemd::notify_ready());
  CHECK(s.receive().rfind("READY=1\n", 0) == 0);
  CHECK(gh::systemd::notify_reloading());
  auto msg = s.receive();
  CHECK(msg.rfind("RELOADING=1\n", 0) == 0);
  CHECK(msg.find("MONOTONIC_USEC=") != std::string::npos);
  CHECK(gh::systemd::notify_reloaded());
  CHECK(s.receive().rfind("READY=1", 0) == 0);
  CHECK(gh::systemd::notify_stopping());
  CHECK(s.receive().rfind("STOPPING=1", 0) == 0);
  CHECK(gh::systemd::notify_status("hello"));
  CHECK(s.receive() == "STATUS=hello");
}

TEST_CASE("without NOTIFY_SOCKET the calls are harmless no-ops") {
  unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(gh::systemd::notify_ready());
  CHECK_FALSE(gh::systemd::notify_stopping());
}
