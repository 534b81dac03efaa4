// Dropping root after the listeners are bound (config `user:`).
#pragma once

#include <string>

namespace gh {

// Switches the process to `user` (its primary group and supplementary groups
// from the group database): setgroups, setgid, setuid, in that order, then
// checks that root cannot be regained (setuid(0) and setgid(0) must fail).
// Throws std::runtime_error naming the step that failed. Call it before any
// other thread starts: setuid() in glibc applies to every thread, but only
// through a signal broadcast that is best done single-threaded.
// Examples:
//   running as root, user "nobody"   -> uid/gid of nobody, no supplementary root groups
//   running as "nobody", user "nobody" -> no change, returns
//   running as "nobody", user "root" -> throws (cannot gain privileges)
//   unknown user                     -> throws
void drop_privileges(const std::string& user);

}  // namespace gh
