#include "auth/identity.hpp"

#include <openssl/crypto.h>

#include <cstring>

namespace gh {

HeldSecret::HeldSecret(std::string_view value)
    : bytes_(std::make_unique<char[]>(value.size())), size_(value.size()) {
  std::memcpy(bytes_.get(), value.data(), value.size());
}

HeldSecret& HeldSecret::operator=(HeldSecret&& o) noexcept {
  if (this != &o) {
    wipe();
    bytes_ = std::move(o.bytes_);
    size_ = o.size_;
    o.size_ = 0;
  }
  return *this;
}

HeldSecret::~HeldSecret() { wipe(); }

void HeldSecret::wipe() noexcept {
  if (bytes_) OPENSSL_cleanse(bytes_.get(), size_);
}

bool HeldSecret::equals(std::string_view other) const noexcept {
  return bytes_ && other.size() == size_ && CRYPTO_memcmp(bytes_.get(), other.data(), size_) == 0;
}

}  // namespace gh
