// What a credential check against a backend (htpasswd, LDAP, GSSAPI) said.
#pragma once

namespace gh {

enum class BackendStatus : unsigned char {
  ok,           // the credentials are good
  rejected,     // wrong password, unknown user, bad or replayed token
  unavailable,  // the directory or KDC could not answer (README "Identity": on_backend_failure)
};

}  // namespace gh
