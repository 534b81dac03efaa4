// Test CAs made at test time (never a key in the repository): EC or RSA,
// with the flaws `check` must find switchable.
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "tls/ca_material.hpp"

namespace gh::test {

struct CaOptions {
  bool rsa = false;
  bool is_ca = true;          // basicConstraints CA:TRUE
  bool key_cert_sign = true;  // keyUsage keyCertSign (else digitalSignature only)
  long not_before = -3600;    // seconds from now
  long not_after = 365L * 86400;
  const char* cn = "gatehouse test CA";
};

inline bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

inline PkeyPtr make_key(bool rsa) { return PkeyPtr(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256")); }

// A certificate for `key` issued by (`issuer`, `issuer_key`), or self-signed if null.
inline X509Ptr make_cert(EVP_PKEY* key, const CaOptions& o, X509* issuer = nullptr,
                         EVP_PKEY* issuer_key = nullptr, const char* san = nullptr) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), o.not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), o.not_after);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(o.cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509* iss = issuer ? issuer : cert.get();
  add_ext(cert.get(), iss, NID_basic_constraints, o.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(cert.get(), iss, NID_key_usage,
          o.key_cert_sign ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(cert.get(), iss, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
  if (san) add_ext(cert.get(), iss, NID_subject_alt_name, san);
  if (!o.is_ca) add_ext(cert.get(), iss, NID_ext_key_usage, "serverAuth");
  X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

inline std::shared_ptr<CaMaterial> make_ca(const CaOptions& o = {}) {
  auto ca = std::make_shared<CaMaterial>();
  ca->key = make_key(o.rsa);
  ca->cert = make_cert(ca->key.get(), o);
  return ca;
}

}  // namespace gh::test
