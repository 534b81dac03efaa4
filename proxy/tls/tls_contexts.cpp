#include "tls/tls_contexts.hpp"

#include <openssl/x509v3.h>

#include <cstring>

namespace gh {
namespace {

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// Chooses http/1.1 from the client's list or refuses the handshake: gatehouse
// relays HTTP/1.1 only, and a client told "h2" would speak what we cannot read.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  for (unsigned int i = 0; i < inlen;) {
    const unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == 8 && std::memcmp(in + i + 1, "http/1.1", 8) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol
}

}  // namespace

ContextResult make_client_facing_context(EVP_PKEY* leaf_key) {
  ContextResult r;
  r.ctx.reset(SSL_CTX_new(TLS_server_method()));
  if (!r.ctx || SSL_CTX_set_min_proto_version(r.ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_PrivateKey(r.ctx.get(), leaf_key) != 1) {
    r.error = "client-facing TLS context: " + openssl_error();
    r.ctx.reset();
    return r;
  }
  SSL_CTX_set_options(r.ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Record buffers are the stream's business (net/tls_socket.hpp frees them
  // once a connection rests).
  SSL_CTX_set_alpn_select_cb(r.ctx.get(), select_http11, nullptr);
  return r;
}

bool use_leaf(SSL* ssl, const Leaf& leaf) {
  // The key came with the context; a certificate for the same key keeps it.
  return SSL_use_certificate(ssl, leaf.cert.get()) == 1 && SSL_check_private_key(ssl) == 1;
}

ContextResult make_origin_context(const std::string& upstream_ca) {
  ContextResult r;
  r.ctx.reset(SSL_CTX_new(TLS_client_method()));
  if (!r.ctx || SSL_CTX_set_min_proto_version(r.ctx.get(), TLS1_2_VERSION) != 1) {
    r.error = "origin TLS context: " + openssl_error();
    r.ctx.reset();
    return r;
  }
  const bool loaded = upstream_ca.empty() ? SSL_CTX_set_default_verify_paths(r.ctx.get()) == 1
                                          : SSL_CTX_load_verify_locations(
                                                r.ctx.get(), upstream_ca.c_str(), nullptr) == 1;
  if (!loaded) {
    r.error = "cannot load the origin trust anchors from " +
              (upstream_ca.empty() ? std::string("the system store") : upstream_ca) + ": " +
              openssl_error();
    r.ctx.reset();
    return r;
  }
  SSL_CTX_set_verify(r.ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_set_alpn_protos(r.ctx.get(), kAlpnHttp11, sizeof kAlpnHttp11) != 0) {
    r.error = "origin TLS context: ALPN";
    r.ctx.reset();
  }
  return r;
}

bool prepare_origin_ssl(SSL* ssl, std::string_view host) {
  const std::string h(host);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(h.c_str())) {  // no SNI for an address (RFC 6066 §3)
    ASN1_OCTET_STRING_free(ip);
    return X509_VERIFY_PARAM_set1_ip_asc(param, h.c_str()) == 1;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set_tlsext_host_name(ssl, h.c_str()) == 1 && SSL_set1_host(ssl, h.c_str()) == 1;
}

}  // namespace gh
