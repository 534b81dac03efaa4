#include "tls/ca_check.hpp"

#include <sys/stat.h>

#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>

namespace gh {
namespace {

constexpr auto kExpiryWarning = std::chrono::hours(24 * 30);

Diagnostic at(const ConfigPosition& p, Severity s, std::string message) {
  return Diagnostic{p.file, p.line, p.col, s, std::move(message)};
}

}  // namespace

std::vector<Diagnostic> judge_ca(const TlsInterceptSettings& s, const CaMaterial& ca,
                                 mode_t key_mode, TimePoint now) {
  std::vector<Diagnostic> out;
  if (key_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
    out.push_back(at(s.ca_key_at, Severity::error,
                     s.ca_key + " is readable by group or others (chmod 600 it)"));
  X509* cert = ca.cert.get();
  // basicConstraints CA:TRUE; a keyUsage extension, when present, must allow keyCertSign
  // (RFC 5280 §4.2.1.3: no extension permits every use).
  const std::uint32_t flags = X509_get_extension_flags(cert);
  if (!(flags & EXFLAG_CA))
    out.push_back(at(s.ca_cert_at, Severity::error,
                     s.ca_cert + " is not a CA certificate (no basicConstraints CA:TRUE)"));
  else if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN))
    out.push_back(at(s.ca_cert_at, Severity::error,
                     s.ca_cert + " may not sign certificates (keyUsage lacks keyCertSign)"));
  const int type = EVP_PKEY_get_base_id(ca.key.get());
  if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA)
    out.push_back(at(s.ca_key_at, Severity::error, s.ca_key + " is not an EC or RSA key"));
  if (EVP_PKEY_eq(X509_get0_pubkey(cert), ca.key.get()) != 1)
    out.push_back(at(s.ca_key_at, Severity::error,
                     s.ca_key + " does not match the certificate in " + s.ca_cert));
  time_t t = Clock::to_time_t(now);
  if (X509_cmp_time(X509_get0_notBefore(cert), &t) > 0)
    out.push_back(at(s.ca_cert_at, Severity::error, s.ca_cert + " is not valid yet"));
  if (X509_cmp_time(X509_get0_notAfter(cert), &t) < 0) {
    out.push_back(at(s.ca_cert_at, Severity::error, s.ca_cert + " has expired"));
  } else {
    time_t soon = Clock::to_time_t(now + kExpiryWarning);
    if (X509_cmp_time(X509_get0_notAfter(cert), &soon) < 0)
      out.push_back(at(s.ca_cert_at, Severity::warning,
                       s.ca_cert + " expires within 30 days (make a new CA and deploy it)"));
  }
  return out;
}

std::vector<Diagnostic> check_ca(const TlsInterceptSettings& s, TimePoint now) {
  if (!s.enabled) return {};
  struct stat st {};
  if (::stat(s.ca_key.c_str(), &st) != 0)
    return {
        at(s.ca_key_at, Severity::error, "cannot read " + s.ca_key + ": " + std::strerror(errno))};
  CaLoad load = load_ca(s.ca_cert, s.ca_key);
  if (!load.ca) {
    const bool key = load.error.find(s.ca_key) != std::string::npos;
    return {at(key ? s.ca_key_at : s.ca_cert_at, Severity::error, load.error)};
  }
  return judge_ca(s, *load.ca, st.st_mode, now);
}

}  // namespace gh
