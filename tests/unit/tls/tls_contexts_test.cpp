// The client-facing and origin contexts in real handshakes over memory BIOs:
// ALPN http/1.1 only, OpenSSL's chain and host name verification.
#include <catch2/catch.hpp>

#include "test_ca.hpp"
#include "tls/tls_contexts.hpp"

using namespace gh;
using namespace gh::test;

namespace {

struct SslFree {
  void operator()(SSL* s) const noexcept { SSL_free(s); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Drives both ends until both finish or one fails (bounded); true if both finished.
bool handshake(SSL* client, SSL* server) {
  BIO *cb = nullptr, *sb = nullptr;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(client, cb, cb);
  SSL_set_bio(server, sb, sb);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  bool c_done = false, s_done = false;
  for (int i = 0; i < 50 && !(c_done && s_done); ++i) {
    if (!c_done) {
      int r = SSL_do_handshake(client);
      if (r == 1)
        c_done = true;
      else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ)
        return false;
    }
    if (!s_done) {
      int r = SSL_do_handshake(server);
      if (r == 1)
        s_done = true;
      else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ)
        return false;
    }
  }
  return c_done && s_done;
}

struct Fixture {
  std::shared_ptr<CaMaterial> ca = make_ca();
  LeafMinter minter{ca, std::chrono::hours(24)};
  ContextResult server = make_client_facing_context(minter.key());

  SslPtr server_for(const char* host) {
    SslPtr s(SSL_new(server.ctx.get()));
    auto leaf = minter.mint(host, Clock::now());
    REQUIRE(leaf);
    REQUIRE(use_leaf(s.get(), *leaf));
    return s;
  }
  // A client that trusts only the test CA and checks `host`.
  SslPtr client_for(const char* host, const unsigned char* alpn, unsigned alpn_len) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca->cert.get());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (alpn) SSL_CTX_set_alpn_protos(ctx, alpn, alpn_len);
    SslPtr c(SSL_new(ctx));
    SSL_CTX_free(ctx);  // the SSL holds a reference
    SSL_set_tlsext_host_name(c.get(), host);
    SSL_set1_host(c.get(), host);
    return c;
  }
};

std::string selected(SSL* s) {
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(s, &p, &len);
  return std::string(
      reinterpret_cast<const char*>(p ? p : reinterpret_cast<const unsigned char*>("")), len);
}

}  // namespace

TEST_CASE("client-facing: a browser trusting the CA accepts the minted leaf", "[tls][ctx]") {
  Fixture f;
  REQUIRE(f.server.ctx);
  static const unsigned char both[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  auto c = f.client_for("web.whatsapp.com", both, sizeof both);
  auto s = f.server_for("web.whatsapp.com");
  REQUIRE(handshake(c.get(), s.get()));
  CHECK(SSL_get_verify_result(c.get()) == X509_V_OK);
  CHECK(selected(c.get()) == "http/1.1");
  // No ALPN at all is fine too (curl --http1.1, old clients).
  auto c2 = f.client_for("web.whatsapp.com", nullptr, 0);
  auto s2 = f.server_for("web.whatsapp.com");
  REQUIRE(handshake(c2.get(), s2.get()));
  CHECK(selected(c2.get()).empty());
}

TEST_CASE("client-facing: a client offering only h2 is refused, not served h2", "[tls][ctx]") {
  Fixture f;
  static const unsigned char h2[] = {2, 'h', '2'};
  auto c = f.client_for("web.whatsapp.com", h2, sizeof h2);
  auto s = f.server_for("web.whatsapp.com");
  CHECK_FALSE(handshake(c.get(), s.get()));
}

TEST_CASE("client-facing: a leaf for another name fails the client's check", "[tls][ctx]") {
  Fixture f;
  auto c = f.client_for("mail.example.org", nullptr, 0);
  auto s = f.server_for("web.whatsapp.com");
  CHECK_FALSE(handshake(c.get(), s.get()));
  CHECK(SSL_get_verify_result(c.get()) == X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_CASE("origin: verified against upstream_ca with the host name, ALPN http/1.1", "[tls][ctx]") {
  // The origin's own CA and certificate, written as the upstream_ca file.
  auto origin_ca = make_ca();
  char path[] = "/tmp/gh-upstream-ca-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  FILE* f = ::fdopen(fd, "w");
  PEM_write_X509(f, origin_ca->cert.get());
  std::fclose(f);
  ContextResult origin = make_origin_context(path);
  ::unlink(path);
  REQUIRE(origin.ctx);

  auto serve = [&](const char* san, const CaOptions& o, CaMaterial& issuer) {
    PkeyPtr key = make_key(false);
    CaOptions leaf = o;
    leaf.is_ca = false;
    leaf.key_cert_sign = false;
    X509Ptr cert = make_cert(key.get(), leaf, issuer.cert.get(), issuer.key.get(), san);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert.get());
    SSL_CTX_use_PrivateKey(ctx, key.get());
    SSL_CTX_set_alpn_select_cb(
        ctx,
        [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void*) {
          return SSL_select_next_proto(const_cast<unsigned char**>(out), outlen, in, inlen, in,
                                       inlen) == OPENSSL_NPN_NEGOTIATED
                     ? SSL_TLSEXT_ERR_OK
                     : SSL_TLSEXT_ERR_NOACK;
        },
        nullptr);
    SslPtr s(SSL_new(ctx));
    SSL_CTX_free(ctx);
    return s;
  };
  auto client = [&](const char* host) {
    SslPtr c(SSL_new(origin.ctx.get()));
    REQUIRE(prepare_origin_ssl(c.get(), host));
    return c;
  };

  {  // good
    auto c = client("origin.test");
    auto s = serve("DNS:origin.test", {}, *origin_ca);
    REQUIRE(handshake(c.get(), s.get()));
    CHECK(selected(c.get()) == "http/1.1");
    CHECK(std::string(SSL_get_servername(s.get(), TLSEXT_NAMETYPE_host_name)) == "origin.test");
  }
  {  // wrong name
    auto c = client("other.test");
    auto s = serve("DNS:origin.test", {}, *origin_ca);
    CHECK_FALSE(handshake(c.get(), s.get()));
    CHECK(SSL_get_verify_result(c.get()) == X509_V_ERR_HOSTNAME_MISMATCH);
  }
  {  // expired
    auto c = client("origin.test");
    auto s = serve("DNS:origin.test", CaOptions{.not_before = -86400 * 3, .not_after = -86400},
                   *origin_ca);
    CHECK_FALSE(handshake(c.get(), s.get()));
    CHECK(SSL_get_verify_result(c.get()) == X509_V_ERR_CERT_HAS_EXPIRED);
  }
  {  // signed by a CA not in upstream_ca
    auto stranger = make_ca();
    auto c = client("origin.test");
    auto s = serve("DNS:origin.test", {}, *stranger);
    CHECK_FALSE(handshake(c.get(), s.get()));
    CHECK(SSL_get_verify_result(c.get()) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  }
  {  // an IP literal is checked as an address, and gets no SNI
    auto c = client("127.0.0.1");
    auto s = serve("IP:127.0.0.1", {}, *origin_ca);
    REQUIRE(handshake(c.get(), s.get()));
    CHECK(SSL_get_servername(s.get(), TLSEXT_NAMETYPE_host_name) == nullptr);
  }
  CHECK_FALSE(make_origin_context("/nonexistent/anchors.pem").ctx);
}
