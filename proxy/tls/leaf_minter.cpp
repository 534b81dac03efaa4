#include "tls/leaf_minter.hpp"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gh {
namespace {

struct NamesFree {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};

// Letters, digits, '-', '.': what canonicalize_host() leaves of a name. Anything
// else never reaches a certificate.
bool plain_dns_name(std::string_view h) {
  return !h.empty() && h.size() <= 253 && std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           (c >= 'A' && c <= 'Z');
  });
}

// The SAN built as data, not through a config string: a name cannot add entries.
bool add_subject_alt_name(X509* cert, std::string_view host) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(GENERAL_NAMES_new());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  if (!names || !gn) {
    GENERAL_NAME_free(gn);
    return false;
  }
  const std::string h(host);
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(h.c_str())) {
    GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
  } else {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (!dns || !plain_dns_name(host) ||
        ASN1_STRING_set(dns, h.data(), static_cast<int>(h.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      GENERAL_NAME_free(gn);
      return false;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
  }
  if (sk_GENERAL_NAME_push(names.get(), gn) == 0) {
    GENERAL_NAME_free(gn);
    return false;
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

// Fixed-text extensions through OpenSSL's own encoder, with the issuer named so
// that authorityKeyIdentifier is the CA's key id.
bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] |= 0x01;  // never zero; BN_bin2bn keeps all 128 bits positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  const bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

// `t` as a time point: `now` plus the difference OpenSSL computes (no clock read).
TimePoint to_time_point(const ASN1_TIME* t, TimePoint now) {
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> base(
      ASN1_TIME_set(nullptr, Clock::to_time_t(now)), &ASN1_TIME_free);
  int days = 0, secs = 0;
  if (!base || ASN1_TIME_diff(&days, &secs, base.get(), t) != 1) return now;
  return std::chrono::time_point_cast<std::chrono::seconds>(now) + std::chrono::hours(24) * days +
         std::chrono::seconds(secs);
}

}  // namespace

LeafMinter::LeafMinter(std::shared_ptr<const CaMaterial> ca, std::chrono::seconds validity)
    : ca_(std::move(ca)), validity_(validity), key_(EVP_EC_gen("P-256")) {
  if (!ca_ || !ca_->cert || !ca_->key) throw std::runtime_error("leaf minter without a CA");
  if (!key_) throw std::runtime_error("cannot make the leaf key: " + openssl_error());
}

std::shared_ptr<const Leaf> LeafMinter::mint(std::string_view host, TimePoint now) const {
  X509* issuer = ca_->cert.get();
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return nullptr;
  if (!set_random_serial(cert.get())) return nullptr;

  const time_t t = Clock::to_time_t(now);
  time_t before = t - 3600;  // clients with a slow clock still accept it
  time_t after = t + static_cast<time_t>(validity_.count());
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &before)) return nullptr;
  // Never beyond the CA: a chain outliving its anchor fails verification.
  if (X509_cmp_time(X509_get0_notAfter(issuer), &after) < 0) {
    if (X509_set1_notAfter(cert.get(), X509_get0_notAfter(issuer)) != 1) return nullptr;
  } else if (!X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, 0, &after)) {
    return nullptr;
  }

  // CN for old clients; an over-long name (CN is at most 64) goes in the SAN only.
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (host.size() <= 64 &&
      X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(host.data()),
                                 static_cast<int>(host.size()), -1, 0) != 1)
    return nullptr;
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1 ||
      X509_set_pubkey(cert.get(), key_.get()) != 1)
    return nullptr;
  if (!add_subject_alt_name(cert.get(), host) ||
      !add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature") ||
      !add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"))
    return nullptr;
  if (X509_sign(cert.get(), ca_->key.get(), EVP_sha256()) == 0) return nullptr;

  auto leaf = std::make_shared<Leaf>();
  leaf->not_after = to_time_point(X509_get0_notAfter(cert.get()), now);
  leaf->cert = std::move(cert);
  return leaf;
}

}  // namespace gh
