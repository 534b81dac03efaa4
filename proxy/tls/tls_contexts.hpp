// The two SSL_CTX of an intercepted flow (README "HTTPS interception"):
//   - toward the client: our minted leaf, ALPN `http/1.1` only (a client that offers
//     ALPN without it gets a no_application_protocol alert, never h2 we cannot speak);
//   - toward the origin: the chain verified against `upstream_ca` (or the system
//     store) and the host name checked by OpenSSL itself (SSL_set1_host), SNI = the
//     host, ALPN `http/1.1`.
#pragma once

#include <string>
#include <string_view>

#include "tls/leaf_minter.hpp"
#include "tls/openssl_ptr.hpp"

namespace gh {

struct ContextResult {
  SslCtxPtr ctx;      // null on failure
  std::string error;  // why
};

// The leaves' private key is set once here; each connection adds its leaf with use_leaf().
ContextResult make_client_facing_context(EVP_PKEY* leaf_key);
bool use_leaf(SSL* ssl, const Leaf& leaf);

// `upstream_ca`: "" = the system's default trust store, else a PEM file of anchors.
ContextResult make_origin_context(const std::string& upstream_ca);
// SNI (for names, not IP literals), the name or address to verify, ALPN.
bool prepare_origin_ssl(SSL* ssl, std::string_view host);

}  // namespace gh
