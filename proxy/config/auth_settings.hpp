// The main config's top-level `auth:` block (README "Identity"): how forward
// listeners ask who a client is. Absent = nobody is asked (part one's behaviour).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "policy/ip_address.hpp"

namespace gh {

enum class AuthScheme : unsigned char { negotiate, basic };
// What a request gets while the directory or KDC cannot answer.
enum class OnBackendFailure : unsigned char { block, network };

struct LdapBindSettings {  // basic.ldap: a bind as the user checks the password
  std::string url;         // "ldap://127.0.0.1:3890"
  std::string user_dn;     // "uid={user},ou=people,dc=example,dc=gov"
};

struct LdapGroupSettings {  // groups.ldap: a service bind, then a group search
  std::string url;
  std::string bind_dn;
  std::string bind_password;  // read from bind_password_file; never logged
  std::string base;
  std::string filter;  // "(member={dn})"; {dn} and {user} are escaped per RFC 4515
};

struct AuthSettings {
  std::vector<AuthScheme> schemes;  // challenge order
  std::string realm = "gatehouse";
  std::vector<Cidr> exempt;
  std::string keytab;           // negotiate.keytab (resolved path); "" = no Negotiate
  LdapBindSettings basic_ldap;  // url empty = not used
  std::string htpasswd_path;    // resolved; "" = not used
  // htpasswd entries loaded at config time: user -> crypt(3) hash.
  std::map<std::string, std::string, std::less<>> htpasswd;
  LdapGroupSettings groups_ldap;  // url empty = not used
  std::string groups_file_path;
  // groups file loaded at config time: user -> groups.
  std::map<std::string, std::vector<std::string>, std::less<>> groups_file;
  std::chrono::milliseconds cache_ttl{300'000};
  OnBackendFailure on_backend_failure = OnBackendFailure::block;
  // Everything above (htpasswd and groups entries included) as one number, made
  // at load: credentials verified under another value are not trusted again, so
  // a reload that changes who is who drops them at once (README "Identity").
  std::uint64_t fingerprint = 0;

  bool offers(AuthScheme s) const {
    for (AuthScheme x : schemes)
      if (x == s) return true;
    return false;
  }
};

}  // namespace gh
