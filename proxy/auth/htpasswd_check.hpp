// Checks a password against one htpasswd entry with the system's crypt_r
// (libxcrypt): bcrypt ($2y$, $2b$) and SHA-512-crypt ($6$) only.
#pragma once

#include <string_view>

namespace gh {

// True if `password` hashes to `hash`. The comparison takes the same time
// wherever the first difference is (CRYPTO_memcmp).
bool htpasswd_matches(std::string_view password, std::string_view hash);

}  // namespace gh
