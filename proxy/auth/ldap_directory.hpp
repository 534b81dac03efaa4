// Blocking calls to an LDAP directory (OpenLDAP's libldap). They run on the
// auth worker pool, never on an event loop; each has a network and an
// operation timeout, so a slow directory holds a worker for at most `timeout`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "auth/backend_status.hpp"
#include "config/auth_settings.hpp"

namespace gh {

// Basic against LDAP: a simple bind as the user (user_dn with {user} escaped
// per RFC 4514). An empty password is refused before any bind: LDAP treats
// it as an anonymous bind that "succeeds" (RFC 4513 §5.1.2).
BackendStatus ldap_check_password(const LdapBindSettings& s, std::string_view user,
                                  std::string_view password, std::chrono::milliseconds timeout);

// The user's groups: a service bind, then a subtree search under `base` with
// the filter's {dn} and {user} escaped per RFC 4515. The service connection is
// kept per worker thread and reused while it works (pooled, README "Identity").
BackendStatus ldap_groups_of(const LdapGroupSettings& s, std::string_view user_dn,
                             std::string_view user, std::chrono::milliseconds timeout,
                             std::vector<std::string>& out);

// The DN of a user from basic.ldap.user_dn ("" if no template is set).
std::string ldap_user_dn(const LdapBindSettings& s, std::string_view user);

}  // namespace gh
