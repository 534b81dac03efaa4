#include "auth/credential_cache.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

namespace gh {

CredentialCache::CredentialCache(std::size_t max_entries) : max_entries_(max_entries) {
  if (RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) != 1)
    throw std::runtime_error("cannot make a random salt for the credential cache");
}

std::size_t CredentialCache::KeyHash::operator()(const Key& k) const noexcept {
  std::size_t h;
  std::memcpy(&h, k.data(), sizeof h);  // already a uniform hash
  return h;
}

CredentialCache::Key CredentialCache::key(std::string_view user, std::string_view password) const {
  Key out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  const unsigned char nul = 0;
  const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, salt_.data(), salt_.size()) == 1 &&
                  EVP_DigestUpdate(ctx, user.data(), user.size()) == 1 &&
                  EVP_DigestUpdate(ctx, &nul, 1) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return out;
}

std::shared_ptr<const AuthIdentity> CredentialCache::find(std::string_view user,
                                                          std::string_view password,
                                                          steady::time_point now) {
  const Key k = key(user, password);
  std::lock_guard lock(mu_);
  auto it = map_.find(k);
  if (it == map_.end()) return nullptr;
  if (now >= it->second.expires) {
    map_.erase(it);
    return nullptr;
  }
  return it->second.who;
}

void CredentialCache::put(std::string_view user, std::string_view password,
                          std::shared_ptr<const AuthIdentity> who, steady::time_point expires) {
  const Key k = key(user, password);
  std::lock_guard lock(mu_);
  if (map_.size() >= max_entries_) {
    // Full: drop what expired; if nothing did, start over (a flood of
    // distinct valid credentials only costs re-verification).
    const auto now = steady::now();
    std::erase_if(map_, [&](const auto& kv) { return now >= kv.second.expires; });
    if (map_.size() >= max_entries_) map_.clear();
  }
  map_[k] = Entry{std::move(who), expires};
}

void CredentialCache::clear() {
  std::lock_guard lock(mu_);
  map_.clear();
}

std::size_t CredentialCache::size() {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace gh
