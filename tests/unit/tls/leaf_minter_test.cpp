// Leaves as README "HTTPS interception" states them, checked with OpenSSL's own
// verification (X509_verify_cert), for an EC and an RSA CA.
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "test_ca.hpp"
#include "tls/leaf_cache.hpp"
#include "tls/leaf_minter.hpp"

using namespace gh;
using namespace gh::test;

namespace {

// X509_verify_cert of `leaf` against `ca` as the only anchor, for `host`, at `when`.
int verify(X509* leaf, X509* ca, const char* host, time_t when, bool ip = false) {
  std::unique_ptr<X509_STORE, OpensslFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, OpensslFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_VERIFY_PARAM* p = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(p, when);
  X509_VERIFY_PARAM_set_purpose(p, X509_PURPOSE_SSL_SERVER);
  if (ip)
    X509_VERIFY_PARAM_set1_ip_asc(p, host);
  else
    X509_VERIFY_PARAM_set1_host(p, host, 0);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

time_t asn1_to_time(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return timegm(&tm);
}

std::string san_of(X509* cert) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  std::string out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      out +=
          "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                               ASN1_STRING_length(g->d.dNSName));
    } else if (g->type == GEN_IPADD) {
      out += "IP:" + std::to_string(ASN1_STRING_length(g->d.iPAddress)) + "bytes";
    }
    out += ";";
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

TEST_CASE("a minted leaf verifies against the CA, with SAN, validity, EKU and AKI", "[tls][leaf]") {
  const bool rsa = GENERATE(false, true);
  CAPTURE(rsa);
  auto ca = make_ca(CaOptions{.rsa = rsa});
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  const TimePoint now = Clock::now();
  const time_t t = Clock::to_time_t(now);
  auto leaf = minter.mint("web.whatsapp.com", now);
  REQUIRE(leaf);
  X509* cert = leaf->cert.get();

  CHECK(verify(cert, ca->cert.get(), "web.whatsapp.com", t) == X509_V_OK);
  CHECK(verify(cert, ca->cert.get(), "other.whatsapp.com", t) == X509_V_ERR_HOSTNAME_MISMATCH);
  CHECK(verify(cert, ca->cert.get(), "web.whatsapp.com", t + 8 * 86400) ==
        X509_V_ERR_CERT_HAS_EXPIRED);
  CHECK(san_of(cert) == "DNS:web.whatsapp.com;");
  CHECK(asn1_to_time(X509_get0_notBefore(cert)) == t - 3600);
  CHECK(asn1_to_time(X509_get0_notAfter(cert)) == t + 7 * 86400);
  CHECK(Clock::to_time_t(leaf->not_after) == t + 7 * 86400);
  CHECK((X509_get_extended_key_usage(cert) & XKU_SSL_SERVER));
  CHECK_FALSE((X509_get_extension_flags(cert) & EXFLAG_CA));
  // authorityKeyIdentifier = the CA's subjectKeyIdentifier.
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert);
  REQUIRE(aki);
  CHECK(ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(ca->cert.get())) == 0);
  // 128-bit serial, positive.
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  CHECK(BN_num_bits(serial) > 64);
  CHECK(BN_num_bits(serial) <= 128);
  CHECK_FALSE(BN_is_negative(serial));
  BN_free(serial);
  // The one process key: ECDSA P-256, the same in every leaf, never the CA's.
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  CHECK(EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC);
  char group[32] = {};
  EVP_PKEY_get_group_name(pub, group, sizeof group, nullptr);
  CHECK(std::string(group) == "prime256v1");
  CHECK(EVP_PKEY_eq(pub, minter.key()) == 1);
  auto second = minter.mint("mail.example.org", now);
  REQUIRE(second);
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(second->cert.get()), pub) == 1);
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert),
                         X509_get0_serialNumber(second->cert.get())) != 0);
  CHECK(EVP_PKEY_eq(pub, ca->key.get()) != 1);
}

TEST_CASE("leaves for IP literals carry an IP SAN", "[tls][leaf]") {
  auto ca = make_ca();
  LeafMinter minter(ca, std::chrono::hours(24));
  const TimePoint now = Clock::now();
  auto v4 = minter.mint("192.0.2.7", now);
  REQUIRE(v4);
  CHECK(san_of(v4->cert.get()) == "IP:4bytes;");
  CHECK(verify(v4->cert.get(), ca->cert.get(), "192.0.2.7", Clock::to_time_t(now), true) ==
        X509_V_OK);
  auto v6 = minter.mint("2001:db8::1", now);
  REQUIRE(v6);
  CHECK(san_of(v6->cert.get()) == "IP:16bytes;");
}

TEST_CASE("a leaf never outlives its CA", "[tls][leaf]") {
  auto ca = make_ca(CaOptions{.not_after = 2 * 86400});
  LeafMinter minter(ca, std::chrono::hours(24 * 7));
  const TimePoint now = Clock::now();
  auto leaf = minter.mint("a.example", now);
  REQUIRE(leaf);
  CHECK(ASN1_TIME_compare(X509_get0_notAfter(leaf->cert.get()),
                          X509_get0_notAfter(ca->cert.get())) == 0);
  CHECK(verify(leaf->cert.get(), ca->cert.get(), "a.example", Clock::to_time_t(now)) == X509_V_OK);
}

TEST_CASE("names that are no host names are never put in a certificate", "[tls][leaf]") {
  auto ca = make_ca();
  LeafMinter minter(ca, std::chrono::hours(24));
  for (const char* bad : {"", "a.example,DNS:evil.example", "a b", "a\nb", "x/y", "*.example"}) {
    CAPTURE(bad);
    CHECK_FALSE(minter.mint(bad, Clock::now()));
  }
  CHECK(minter.mint(std::string(200, 'a') + ".example", Clock::now()));  // no CN, SAN only
}

TEST_CASE("leaf cache: hits, LRU eviction, fresh leaves after half their validity",
          "[tls][leaf][cache]") {
  auto ca = make_ca();
  LeafMinter minter(ca, std::chrono::hours(24));
  InterceptMetrics m;
  LeafCache cache(minter, 2, m);
  const TimePoint now = Clock::now();
  auto a = cache.get("a.example", now);
  REQUIRE(a);
  CHECK(cache.get("a.example", now) == a);
  CHECK(m.leaves_minted == 1);
  CHECK(m.leaf_cache_hits == 1);
  auto b = cache.get("b.example", now);
  CHECK(cache.get("a.example", now) == a);  // a is now the most recent
  cache.get("c.example", now);              // evicts b
  CHECK(cache.size() == 2);
  CHECK(cache.get("a.example", now) == a);
  CHECK(cache.get("b.example", now) != b);
  CHECK(m.leaves_minted == 4);
  // Past half of the validity a new leaf is minted.
  auto later = cache.get("a.example", now + std::chrono::hours(13));
  REQUIRE(later);
  CHECK(later != a);
  CHECK_FALSE(cache.get("bad name", now));
  CHECK(cache.size() == 2);
}

TEST_CASE("leaf cache: concurrent first requests for one host mint once", "[tls][leaf][cache]") {
  auto ca = make_ca(CaOptions{.rsa = true});  // the slower signer widens the race
  LeafMinter minter(ca, std::chrono::hours(24));
  InterceptMetrics m;
  LeafCache cache(minter, 100, m);
  const TimePoint now = Clock::now();
  constexpr int kThreads = 8;
  std::vector<std::shared_ptr<const Leaf>> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { got[i] = cache.get("same.example", now); });
  for (auto& t : threads) t.join();
  CHECK(m.leaves_minted == 1);
  CHECK(m.leaf_cache_hits == kThreads - 1);
  for (const auto& g : got) CHECK(g == got[0]);
}

TEST_CASE("intercept metrics render every counter", "[tls][metrics]") {
  InterceptMetrics m;
  m.handshake(HandshakeOutcome::ok);
  m.handshake(HandshakeOutcome::failed);
  m.handshake(HandshakeOutcome::failed);
  m.upstream_verify_failures = 3;
  std::string out;
  m.render(out);
  CHECK(out.find("gatehouse_tls_intercept_handshakes_total{outcome=\"ok\"} 1\n") !=
        std::string::npos);
  CHECK(out.find("gatehouse_tls_intercept_handshakes_total{outcome=\"failed\"} 2\n") !=
        std::string::npos);
  CHECK(out.find("gatehouse_tls_intercept_handshakes_total{outcome=\"timeout\"} 0\n") !=
        std::string::npos);
  CHECK(out.find("gatehouse_tls_intercept_leaves_minted_total 0\n") != std::string::npos);
  CHECK(out.find("gatehouse_tls_intercept_leaf_cache_hits_total 0\n") != std::string::npos);
  CHECK(out.find("gatehouse_tls_intercept_upstream_verify_failures_total 3\n") !=
        std::string::npos);
}
