#include "auth/credential_cache.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <initializer_list>
#include <stdexcept>

namespace gh {
namespace {

// SHA-256 over the concatenated parts. The algorithm is fetched once and each
// thread keeps one digest context: an implicit fetch and a fresh context per
// call cost more than the hash itself (about 2 µs against 0.5 µs here), and
// this runs for every request on a new connection.
std::array<std::uint8_t, 32> sha256(std::initializer_list<std::string_view> parts) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* p = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(p); }
  };
  thread_local Ctx ctx;
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  bool ok = md && ctx.p && EVP_DigestInit_ex(ctx.p, md, nullptr) == 1;
  for (std::string_view part : parts)
    ok = ok && EVP_DigestUpdate(ctx.p, part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx.p, out.data(), &len) == 1;
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string_view bytes(const std::array<std::uint8_t, 32>& a) {
  return {reinterpret_cast<const char*>(a.data()), a.size()};
}

}  // namespace

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
  return sha256({bytes(salt_), user, std::string_view("\0", 1), password});
}

std::shared_ptr<const AuthIdentity> CredentialCache::find(std::string_view user,
                                                          std::string_view password,
                                                          const AuthGeneration& generation,
                                                          steady::time_point now,
                                                          steady::time_point* expires) {
  const Key k = key(user, password);
  std::lock_guard lock(mu_);
  auto it = map_.find(k);
  if (it == map_.end()) return nullptr;
  if (now >= it->second.expires || it->second.generation != generation) {
    map_.erase(it);
    return nullptr;
  }
  if (expires) *expires = it->second.expires;
  return it->second.who;
}

void CredentialCache::put(std::string_view user, std::string_view password,
                          const AuthGeneration& generation, std::shared_ptr<const AuthIdentity> who,
                          steady::time_point expires) {
  const Key k = key(user, password);
  std::lock_guard lock(mu_);
  if (map_.size() >= max_entries_) {
    // Full: drop what expired; if nothing did, start over (a flood of
    // distinct valid credentials only costs re-verification).
    const auto now = steady::now();
    std::erase_if(map_, [&](const auto& kv) { return now >= kv.second.expires; });
    if (map_.size() >= max_entries_) map_.clear();
  }
  map_[k] = Entry{std::move(who), expires, generation};
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
