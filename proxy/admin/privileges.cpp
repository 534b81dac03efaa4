#include "admin/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace gh {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error("drop privileges: " + what + ": " + std::strerror(err));
}

}  // namespace

void drop_privileges(const std::string& user) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0) fail("getpwnam(" + user + ")", rc);
  if (found == nullptr) throw std::runtime_error("drop privileges: unknown user '" + user + "'");
  const uid_t uid = pw.pw_uid;
  const gid_t gid = pw.pw_gid;

  if (geteuid() == uid && getuid() == uid && getgid() == gid && getegid() == gid) return;
  if (geteuid() != 0) {
    throw std::runtime_error("drop privileges: not root, cannot become '" + user + "'");
  }

  // Supplementary groups of the user; fall back to just the primary group.
  std::vector<gid_t> groups(64);
  int n = static_cast<int>(groups.size());
  if (getgrouplist(user.c_str(), gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<std::size_t>(n));
    if (getgrouplist(user.c_str(), gid, groups.data(), &n) < 0) {
      n = 1;
      groups.assign(1, gid);
    }
  }
  groups.resize(static_cast<std::size_t>(n));
  if (setgroups(groups.size(), groups.data()) != 0) fail("setgroups", errno);
  if (setresgid(gid, gid, gid) != 0) fail("setgid", errno);
  if (setresuid(uid, uid, uid) != 0) fail("setuid", errno);

  // Verify: real, effective and saved ids are the user's; root is gone for good.
  uid_t ru, eu, su;
  gid_t rg, eg, sg;
  if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid)
    throw std::runtime_error("drop privileges: uid did not change");
  if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid)
    throw std::runtime_error("drop privileges: gid did not change");
  if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
    throw std::runtime_error("drop privileges: root could be regained");
  if (gid != 0 && uid != 0 && (setgid(0) == 0 || setegid(0) == 0))
    throw std::runtime_error("drop privileges: group root could be regained");
}

}  // namespace gh
