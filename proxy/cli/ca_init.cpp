// `gatehouse ca init --out DIR [--name TEXT] [--days N]`: the interception CA
// (README "HTTPS interception"). EC P-256 key (ca.key, PKCS#8 PEM, mode 0600) and a
// self-signed certificate (ca.pem): CA:TRUE, pathlen 0, keyCertSign|cRLSign,
// CN = --name, valid --days (default 3650). Existing files are never
// overwritten (exit 1); I/O errors exit 3; a bad --name is a usage error (2).
// Prints how to install the certificate where browsers will trust it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli/commands.hpp"

namespace gh::cli {
namespace {

constexpr int kExitOk = 0, kExitExists = 1, kExitUsage = 2, kExitIo = 3;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct X509ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

void print_openssl_error(const char* what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  std::fprintf(stderr, "gatehouse ca init: %s: %s\n", what, buf);
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, X509ExtFree> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A self-signed CA certificate for `key`.
std::unique_ptr<X509, X509Free> make_certificate(EVP_PKEY* key, const CaInitOptions& o) {
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return nullptr;

  // 16 random bytes, top bit clear: a positive serial of at most 20 octets (RFC 5280).
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return nullptr;
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  if (!serial_ok) return nullptr;

  // Backdated an hour so that clients with a slightly slow clock accept it.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * o.days))
    return nullptr;

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* org = reinterpret_cast<const unsigned char*>("gatehouse");
  const auto* cn = reinterpret_cast<const unsigned char*>(o.name.c_str());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1)
    return nullptr;

  if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
      !add_extension(cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash") ||
      !add_extension(cert.get(), NID_authority_key_identifier, "keyid:always"))
    return nullptr;

  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return nullptr;
  return cert;
}

// Creates `path` exclusively with `mode` (O_EXCL: never follows or replaces
// an existing file or symlink) and opens it for writing.
std::unique_ptr<FILE, FileClose> create_exclusive(const std::string& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return nullptr;
  if (::fchmod(fd, mode) != 0) {  // umask may have removed bits we want; never adds any
    ::close(fd);
    return nullptr;
  }
  FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) ::close(fd);
  return std::unique_ptr<FILE, FileClose>(f);
}

// Flushes, fsyncs and closes; false on any error.
bool finish(std::unique_ptr<FILE, FileClose> f) {
  bool ok = std::fflush(f.get()) == 0 && ::fsync(::fileno(f.get())) == 0;
  return std::fclose(f.release()) == 0 && ok;
}

// What to do with ca.pem next (README "Deploying the CA"). Only the certificate
// is ever copied anywhere; the key stays where it was written.
void print_install_steps(const std::string& cert_path, const CaInitOptions& o) {
  const char* c = cert_path.c_str();
  std::printf(
      "\nNext steps: make clients trust %s (the certificate only; ca.key never leaves this "
      "machine)\n"
      "  gatehouse config:   tls_intercept: { ca_cert: \"%s\", ca_key: \"...ca.key\" }, then "
      "`gatehouse check`\n"
      "  Firefox/Chromium (NSS, per user):\n"
      "    certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n \"%s\" -i %s\n"
      "  Debian/Ubuntu system store (curl, python, apt):\n"
      "    sudo cp %s /usr/local/share/ca-certificates/gatehouse-ca.crt && sudo "
      "update-ca-certificates\n"
      "  Windows (domain): Group Policy > Computer Configuration > Policies > Windows Settings >\n"
      "    Security Settings > Public Key Policies > Trusted Root Certification Authorities > "
      "Import %s\n"
      "    (one machine: certutil -addstore -f Root %s)\n"
      "  macOS (managed): a configuration profile with a Certificate payload (MDM), or one "
      "machine:\n"
      "    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
      "%s\n",
      c, c, o.name.c_str(), c, c, c, c, c);
}

}  // namespace

int ca_init(const CaInitOptions& o) {
  // The CN is shown by browsers and put in a certificate: printable, at most 64 (RFC 5280).
  bool name_ok = !o.name.empty() && o.name.size() <= 64;
  for (unsigned char ch : o.name) name_ok = name_ok && ch >= 0x20 && ch != 0x7f;
  if (!name_ok) {
    std::fprintf(stderr, "gatehouse ca init: --name must be 1 to 64 printable characters\n");
    return kExitUsage;
  }
  namespace fs = std::filesystem;
  const fs::path dir(o.out);
  const std::string key_path = (dir / "ca.key").string();
  const std::string cert_path = (dir / "ca.pem").string();

  std::error_code ec;
  for (const auto& p : {key_path, cert_path}) {
    const fs::file_type type = fs::symlink_status(p, ec).type();
    if (type == fs::file_type::not_found) continue;
    if (ec) {  // e.g. a directory we may not search: we cannot tell, so we cannot write
      std::fprintf(stderr, "gatehouse ca init: cannot check %s: %s\n", p.c_str(),
                   ec.message().c_str());
      return kExitIo;
    }
    std::fprintf(stderr, "gatehouse ca init: %s already exists; refusing to overwrite\n",
                 p.c_str());
    return kExitExists;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "gatehouse ca init: cannot create %s: %s\n", dir.c_str(),
                 ec.message().c_str());
    return kExitIo;
  }

  std::unique_ptr<EVP_PKEY, EvpPkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) {
    print_openssl_error("generating the P-256 key");
    return kExitIo;
  }
  auto cert = make_certificate(key.get(), o);
  if (!cert) {
    print_openssl_error("building the certificate");
    return kExitIo;
  }

  auto key_file = create_exclusive(key_path, 0600);
  if (!key_file) {
    int err = errno;
    std::fprintf(stderr, "gatehouse ca init: cannot create %s: %s\n", key_path.c_str(),
                 std::strerror(err));
    return err == EEXIST ? kExitExists : kExitIo;
  }
  bool key_ok =
      PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  key_ok = finish(std::move(key_file)) && key_ok;
  if (!key_ok) {
    std::fprintf(stderr, "gatehouse ca init: writing %s failed\n", key_path.c_str());
    ::unlink(key_path.c_str());
    return kExitIo;
  }

  auto cert_file = create_exclusive(cert_path, 0644);
  bool cert_ok = cert_file && PEM_write_X509(cert_file.get(), cert.get()) == 1;
  if (cert_file) cert_ok = finish(std::move(cert_file)) && cert_ok;
  if (!cert_ok) {
    int err = errno;
    std::fprintf(stderr, "gatehouse ca init: writing %s failed: %s\n", cert_path.c_str(),
                 std::strerror(err));
    ::unlink(key_path.c_str());  // a key without its certificate is useless; do not leave it
    return err == EEXIST ? kExitExists : kExitIo;
  }

  std::printf("wrote %s (private key, mode 0600) and %s (CA certificate \"%s\", valid %d days)\n",
              key_path.c_str(), cert_path.c_str(), o.name.c_str(), o.days);
  print_install_steps(cert_path, o);
  return kExitOk;
}

}  // namespace gh::cli
