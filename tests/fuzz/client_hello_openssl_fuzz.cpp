// Differential libFuzzer target (docs/threat-model.md, class 1): the same
// bytes go to an OpenSSL server (memory BIOs, a servername callback that
// records the name) and to our ClientHello reader. Whenever OpenSSL sees the
// name X, ours must return X or fail closed (malformed, or still waiting for
// bytes, which ends in client-hello-timeout). Calling such bytes "not TLS"
// or a hello without SNI, or naming another host, is a policy bypass: abort.
//
// The server's key and certificate are made in memory at start (never on
// disk). OpenSSL is asked to accept every protocol version it can, so that
// no hello is refused before its extensions are read.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "tls/client_hello.hpp"

namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "client_hello_openssl_fuzz: %s\n", what);
    std::abort();
  }
}

// What OpenSSL's servername callback saw during one handshake attempt.
struct Seen {
  bool called = false;
  std::optional<std::string> name;
};
Seen g_seen;

int on_servername(SSL* ssl, int*, void*) {
  g_seen.called = true;
  if (const char* n = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) g_seen.name = n;
  // The name is what we wanted to know: stop here rather than pay for the
  // key exchange and signature of a handshake nobody will finish.
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

SSL_CTX* make_server() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  require(ctx != nullptr, "SSL_CTX_new");
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, 0);
  SSL_CTX_set_max_proto_version(ctx, 0);
  SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);

  EVP_PKEY* key = EVP_EC_gen("P-256");
  require(key != nullptr, "EVP_EC_gen");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  require(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign");
  require(SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1,
          "use cert");
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

Seen openssl_sees(SSL_CTX* ctx, const std::uint8_t* data, std::size_t size) {
  g_seen = Seen{};
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);  // no more bytes yet, rather than EOF
  if (size > 0) BIO_write(in, data, static_cast<int>(size));
  SSL_set_bio(ssl, in, out);
  SSL_set_accept_state(ssl);
  (void)SSL_do_handshake(ssl);
  SSL_free(ssl);
  ERR_clear_error();
  return g_seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static SSL_CTX* ctx = make_server();
  if (size > 64 * 1024) return 0;
  const Seen seen = openssl_sees(ctx, data, size);
  const gh::ClientHello ours = gh::parse_client_hello(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  static const bool verbose = std::getenv("GH_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "openssl: %s; ours: status %d sni '%.*s'\n",
                 !seen.called ? "no callback"
                 : seen.name  ? seen.name->c_str()
                              : "(no name)",
                 static_cast<int>(ours.status), static_cast<int>(ours.sni.size()), ours.sni.data());
  if (!seen.called || !seen.name) return 0;  // OpenSSL saw no name: nothing to agree on

  switch (ours.status) {
    case gh::HelloStatus::malformed:  // fail closed: bad-client-hello
    case gh::HelloStatus::need_more:  // fail closed at EOF or the hello timeout
      break;
    case gh::HelloStatus::not_tls:
      require(false, "OpenSSL read a server name from bytes we call not TLS");
      break;
    case gh::HelloStatus::ok:
      require(ours.has_sni, "OpenSSL read a server name where we see none");
      require(std::string(ours.sni) == *seen.name, "OpenSSL and we read different names");
      break;
  }
  return 0;
}
