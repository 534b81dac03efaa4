// Leaf certificates for intercepted flows (README "HTTPS interception"):
//   - one ECDSA P-256 key per process, made at construction, never written anywhere;
//   - subjectAltName = the host (DNS name, or IP address for a literal);
//   - serial: 128 random bits; notBefore = now - 1 h;
//     notAfter = the earlier of now + leaf_validity and the CA's notAfter;
//   - extendedKeyUsage serverAuth, authorityKeyIdentifier; signed by the CA key (EC or RSA).
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "policy/types.hpp"
#include "tls/ca_material.hpp"

namespace gh {

struct Leaf {
  X509Ptr cert;
  TimePoint not_after;
};

class LeafMinter {
 public:
  // Throws std::runtime_error if the process key cannot be made (start-up only).
  LeafMinter(std::shared_ptr<const CaMaterial> ca, std::chrono::seconds validity);

  // Null for a name that is neither a canonical host name nor an IP literal
  // (the caller canonicalised it; this is the last line), or if OpenSSL fails.
  // Safe to call from several threads at once.
  std::shared_ptr<const Leaf> mint(std::string_view host, TimePoint now) const;

  EVP_PKEY* key() const noexcept { return key_.get(); }  // the leaves' private key
  const CaMaterial& ca() const noexcept { return *ca_; }

 private:
  std::shared_ptr<const CaMaterial> ca_;
  std::chrono::seconds validity_;
  PkeyPtr key_;
};

}  // namespace gh
