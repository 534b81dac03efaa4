#include "tls/ca_material.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gh {

std::string openssl_error(const char* fallback) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return fallback;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

namespace {

struct FileClose {
  void operator()(FILE* f) const noexcept { std::fclose(f); }
};

std::unique_ptr<FILE, FileClose> open_read(const std::string& path, std::string& error) {
  std::unique_ptr<FILE, FileClose> f(std::fopen(path.c_str(), "re"));
  if (!f) error = "cannot read " + path + ": " + std::strerror(errno);
  return f;
}

}  // namespace

CaLoad load_ca(const std::string& cert_path, const std::string& key_path) {
  CaLoad out;
  auto ca = std::make_shared<CaMaterial>();
  auto cf = open_read(cert_path, out.error);
  if (!cf) return out;
  ca->cert.reset(PEM_read_X509(cf.get(), nullptr, nullptr, nullptr));
  if (!ca->cert) {
    out.error = cert_path + " holds no PEM certificate (" + openssl_error() + ")";
    return out;
  }
  auto kf = open_read(key_path, out.error);
  if (!kf) return out;
  // No passphrase callback: an encrypted key fails here rather than prompting a daemon.
  ca->key.reset(PEM_read_PrivateKey(
      kf.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!ca->key) {
    out.error = key_path + " holds no unencrypted PEM private key (" + openssl_error() + ")";
    return out;
  }
  out.ca = std::move(ca);
  return out;
}

}  // namespace gh
