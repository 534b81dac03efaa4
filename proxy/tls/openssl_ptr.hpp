// unique_ptr for the OpenSSL objects tls/ owns: every one freed on every path.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace gh {

struct OpensslFree {
  void operator()(X509* p) const noexcept { X509_free(p); }
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};

using X509Ptr = std::unique_ptr<X509, OpensslFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpensslFree>;

// The oldest error on this thread's OpenSSL queue as text (the queue is cleared), or `fallback`.
std::string openssl_error(const char* fallback = "unknown error");

}  // namespace gh
