#include <catch2/catch.hpp>

#include <string>

#include "policy/host.hpp"

using gh::canonicalize_host;
using gh::HostError;

namespace {

struct Case {
  const char* in;
  HostError err;
  const char* out;
};

}  // namespace

TEST_CASE("canonicalize_host: table", "[host]") {
  const Case cases[] = {
      {"example.com", HostError::none, "example.com"},
      {"WWW.Example.COM", HostError::none, "www.example.com"},
      {"web.whatsapp.com.", HostError::none, "web.whatsapp.com"},
      {"b\xC3\xBC"
       "cher.example",
       HostError::none, "xn--bcher-kva.example"},  // bücher
      {"B\xC3\x9C"
       "CHER.Example",
       HostError::none, "xn--bcher-kva.example"},  // BÜCHER
      {"xn--bcher-kva.example", HostError::none, "xn--bcher-kva.example"},
      {"XN--BCHER-KVA.EXAMPLE", HostError::none, "xn--bcher-kva.example"},
      {"\xE4\xBE\x8B\xE5\xAD\x90.\xE6\xB5\x8B\xE8\xAF\x95", HostError::none,
       "xn--fsqu00a.xn--0zwm56d"},  // 例子.测试
      {"10.20.5.7", HostError::none, "10.20.5.7"},
      {"[2001:DB8::1]", HostError::none, "2001:db8::1"},
      {"2001:db8:0:0::1", HostError::none, "2001:db8::1"},
      {"", HostError::empty, ""},
      {".", HostError::empty, ""},
      {"a..b", HostError::empty_label, ""},
      {".example.com", HostError::empty_label, ""},
      {"example.com..", HostError::empty_label, ""},
      {"a_b.example", HostError::bad_character, ""},
      {"exa mple.com", HostError::bad_character, ""},
      {"example.com:443", HostError::bad_character, ""},
      {"-a.example", HostError::bad_hyphen, ""},
      {"a-.example", HostError::bad_hyphen, ""},
      {"xn--zz.example", HostError::idna, ""},
      {"[not-an-ip]", HostError::bad_character, ""},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.in);
    std::string out;
    CHECK(canonicalize_host(c.in, out) == c.err);
    if (c.err == HostError::none) CHECK(out == c.out);
  }
}

TEST_CASE("canonicalize_host: length limits", "[host]") {
  std::string out;
  const std::string label63(63, 'a');
  CHECK(canonicalize_host(label63 + ".com", out) == HostError::none);
  CHECK(canonicalize_host(std::string(64, 'a') + ".com", out) == HostError::label_too_long);
  // 4 labels of 63 + 3 dots = 255 > 253.
  std::string name = label63 + "." + label63 + "." + label63 + "." + label63;
  CHECK(canonicalize_host(name, out) == HostError::too_long);
  std::string ok = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  CHECK(ok.size() == 253);
  CHECK(canonicalize_host(ok, out) == HostError::none);
  CHECK(canonicalize_host(std::string(5000, 'a'), out) == HostError::too_long);
}

TEST_CASE("canonicalize_host: reports IP literals", "[host]") {
  std::string out;
  gh::HostName info;
  REQUIRE(canonicalize_host("127.0.0.1", out, &info) == HostError::none);
  CHECK(info.is_ip);
  REQUIRE(canonicalize_host("example.com", out, &info) == HostError::none);
  CHECK_FALSE(info.is_ip);
  // Not a dotted quad: a name (all-numeric TLDs are not real, but LDH-valid).
  REQUIRE(canonicalize_host("1.2.3", out, &info) == HostError::none);
  CHECK_FALSE(info.is_ip);
}

TEST_CASE("canonicalize_host: reuses the output buffer", "[host]") {
  std::string out;
  out.reserve(256);
  const auto* p = out.data();
  REQUIRE(canonicalize_host("A.Example.Com", out) == HostError::none);
  CHECK(out.data() == p);
}
