// README "Identity": htpasswd entries. crypt_r is thread-safe with its own
// crypt_data, so checks run on the auth worker pool in parallel.
#include "auth/htpasswd_check.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <cstring>
#include <memory>
#include <string>

namespace gh {

bool htpasswd_matches(std::string_view password, std::string_view hash) {
  if (!(hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$6$")))
    return false;
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string pw(password), setting(hash);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(pw.c_str(), setting.c_str(), data.get());
  // libxcrypt returns "*0"/"*1" (or NULL) on failure: never equal to a real hash.
  const bool ok = out != nullptr && out[0] != '*' && std::strlen(out) == hash.size() &&
                  CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

}  // namespace gh
