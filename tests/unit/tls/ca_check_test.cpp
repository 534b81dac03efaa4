// `check` on the interception CA (README "HTTPS interception"): every error and warning,
// each pointing at the ca_cert / ca_key key of the config.
#include <openssl/pem.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "test_ca.hpp"
#include "tls/ca_check.hpp"

using namespace gh;
using namespace gh::test;

namespace {

TlsInterceptSettings settings() {
  TlsInterceptSettings s;
  s.enabled = true;
  s.ca_cert = "certs/ca.pem";
  s.ca_key = "certs/ca.key";
  s.ca_cert_at = {"gatehouse.yaml", 52, 12};
  s.ca_key_at = {"gatehouse.yaml", 53, 11};
  return s;
}

std::string text(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const Diagnostic& d : ds) out += d.format() + "\n";
  return out;
}

}  // namespace

TEST_CASE("a good CA has nothing to report", "[tls][check]") {
  const bool rsa = GENERATE(false, true);
  auto ca = make_ca(CaOptions{.rsa = rsa});
  CHECK(judge_ca(settings(), *ca, 0100600, Clock::now()).empty());
}

TEST_CASE("a key readable by group or others is an error at ca_key", "[tls][check]") {
  auto ca = make_ca();
  auto ds = judge_ca(settings(), *ca, 0100640, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].format() ==
        "gatehouse.yaml:53:11: error: certs/ca.key is readable by group or others (chmod 600 it)");
  CHECK(judge_ca(settings(), *ca, 0100604, Clock::now()).size() == 1);
}

TEST_CASE("not a CA, no keyCertSign, a mismatched key", "[tls][check]") {
  auto not_ca = make_ca(CaOptions{.is_ca = false});
  auto ds = judge_ca(settings(), *not_ca, 0100600, Clock::now());
  INFO(text(ds));
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].format() ==
        "gatehouse.yaml:52:12: error: certs/ca.pem is not a CA certificate (no "
        "basicConstraints CA:TRUE)");

  auto no_sign = make_ca(CaOptions{.key_cert_sign = false});
  ds = judge_ca(settings(), *no_sign, 0100600, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "certs/ca.pem may not sign certificates (keyUsage lacks keyCertSign)");

  auto ca = make_ca();
  CaMaterial mixed;
  mixed.cert.reset(X509_dup(ca->cert.get()));
  mixed.key = make_key(false);
  ds = judge_ca(settings(), mixed, 0100600, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].format() ==
        "gatehouse.yaml:53:11: error: certs/ca.key does not match the certificate in certs/ca.pem");
}

TEST_CASE("expired and not yet valid are errors; within 30 days a warning", "[tls][check]") {
  auto expired = make_ca(CaOptions{.not_before = -10 * 86400, .not_after = -86400});
  auto ds = judge_ca(settings(), *expired, 0100600, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].format() == "gatehouse.yaml:52:12: error: certs/ca.pem has expired");

  auto future = make_ca(CaOptions{.not_before = 86400});
  ds = judge_ca(settings(), *future, 0100600, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == "certs/ca.pem is not valid yet");

  auto soon = make_ca(CaOptions{.not_after = 20 * 86400});
  ds = judge_ca(settings(), *soon, 0100600, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].severity == Severity::warning);
  CHECK(ds[0].format() ==
        "gatehouse.yaml:52:12: warning: certs/ca.pem expires within 30 days "
        "(make a new CA and deploy it)");
  // 31 days ahead: quiet.
  auto later = make_ca(CaOptions{.not_after = 31 * 86400 + 3600});
  CHECK(judge_ca(settings(), *later, 0100600, Clock::now()).empty());
}

TEST_CASE("check_ca reads the files: missing, garbage, mode", "[tls][check]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("gh-ca-check-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  TlsInterceptSettings s = settings();
  s.ca_cert = (dir / "ca.pem").string();
  s.ca_key = (dir / "ca.key").string();

  auto ds = check_ca(s, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].line == 53);
  CHECK(ds[0].message.find("cannot read " + s.ca_key) == 0);

  auto ca = make_ca();
  FILE* k = std::fopen(s.ca_key.c_str(), "w");
  PEM_write_PrivateKey(k, ca->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
  ::chmod(s.ca_key.c_str(), 0644);
  FILE* c = std::fopen(s.ca_cert.c_str(), "w");
  std::fputs("not a certificate\n", c);
  std::fclose(c);
  ds = check_ca(s, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].line == 52);
  CHECK(ds[0].message.find(s.ca_cert + " holds no PEM certificate") == 0);

  c = std::fopen(s.ca_cert.c_str(), "w");
  PEM_write_X509(c, ca->cert.get());
  std::fclose(c);
  ds = check_ca(s, Clock::now());
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].message == s.ca_key + " is readable by group or others (chmod 600 it)");
  ::chmod(s.ca_key.c_str(), 0600);
  CHECK(check_ca(s, Clock::now()).empty());

  s.enabled = false;  // off: nothing is read
  fs::remove_all(dir);
  CHECK(check_ca(s, Clock::now()).empty());
}
