// drop_privileges() runs in a forked child so the test process keeps its ids.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "admin/privileges.hpp"

namespace {

// Runs `body` in a child; returns its exit status (0 = all checks passed).
template <typename F>
int in_child(F body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

}  // namespace

TEST_CASE("an unknown user is refused") {
  CHECK_THROWS_AS(gh::drop_privileges("no-such-user-gatehouse-test"), std::runtime_error);
}

TEST_CASE("as root: drop to nobody and root cannot be regained") {
  if (geteuid() != 0) {
    WARN("not root: skipped");
    return;
  }
  const passwd* nobody = getpwnam("nobody");
  REQUIRE(nobody != nullptr);
  uid_t want_uid = nobody->pw_uid;
  gid_t want_gid = nobody->pw_gid;
  int rc = in_child([&] {
    try {
      gh::drop_privileges("nobody");
    } catch (...) {
      return 1;
    }
    if (getuid() != want_uid || geteuid() != want_uid) return 2;
    if (getgid() != want_gid || getegid() != want_gid) return 3;
    if (setuid(0) == 0 || seteuid(0) == 0) return 4;
    gid_t groups[64];
    int n = getgroups(64, groups);
    for (int i = 0; i < n; ++i)
      if (groups[i] == 0) return 5;
    return 0;
  });
  CHECK(rc == 0);
}

TEST_CASE("not root: becoming another user is refused, staying oneself is fine") {
  if (geteuid() == 0) {
    // Exercise the non-root branch in a child that first drops to nobody.
    int rc = in_child([] {
      try {
        gh::drop_privileges("nobody");
      } catch (...) {
        return 1;
      }
      try {
        gh::drop_privileges("root");
        return 2;
      } catch (const std::runtime_error&) {
      }
      try {
        gh::drop_privileges("nobody");  // already nobody: no-op
      } catch (...) {
        return 3;
      }
      return 0;
    });
    CHECK(rc == 0);
  } else {
    CHECK_THROWS_AS(gh::drop_privileges("root"), std::runtime_error);
  }
}
