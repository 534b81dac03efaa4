// How the end of a ClientHello read becomes what the decision sees
// (net/hello_reader.hpp): everything that is not a readable hello with a
// valid name fails closed, and only a client that sent nothing asked nothing.
#include <catch2/catch.hpp>

#include <string>

#include "net/hello_reader.hpp"

using namespace gh;

namespace {

ClientHello with_status(HelloStatus s) {
  ClientHello h;
  h.status = s;
  return h;
}

ClientHello with_sni(std::string_view name) {
  ClientHello h;
  h.status = HelloStatus::ok;
  h.has_sni = true;
  h.set_sni(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(name.data()),
                                          name.size()));
  return h;
}

}  // namespace

TEST_CASE("classify_hello: readable hellos", "[hello]") {
  std::string sni;
  CHECK(classify_hello(with_sni("Web.WhatsApp.com."), {}, 300, sni) == TlsSeen::sni);
  CHECK(sni == "web.whatsapp.com");
  CHECK(classify_hello(with_status(HelloStatus::ok), {}, 300, sni) == TlsSeen::no_sni);
  ClientHello ech = with_sni("public.example");
  ech.ech = true;
  sni.clear();
  CHECK(classify_hello(ech, {}, 300, sni) == TlsSeen::ech);
  CHECK(sni == "public.example");  // the outer SNI, judged like any (README "ECH: what is judged")
  ClientHello ech_bad = with_sni("public.example:443");
  ech_bad.ech = true;
  CHECK(classify_hello(ech_bad, {}, 300, sni) == TlsSeen::bad_hello);
  ClientHello ech_bare = with_status(HelloStatus::ok);
  ech_bare.ech = true;
  CHECK(classify_hello(ech_bare, {}, 300, sni) == TlsSeen::ech);
}

TEST_CASE("classify_hello: an SNI that is no host name is a bad hello, never no SNI", "[hello]") {
  for (const char* bad : {"web.whatsapp.com:443", "web.whatsapp.com/", "a..b", "-a.example",
                          "a b.example", "exa\xffmple.com", "[::1]:443"}) {
    INFO(bad);
    std::string sni;
    CHECK(classify_hello(with_sni(bad), {}, 300, sni) == TlsSeen::bad_hello);
  }
}

TEST_CASE("classify_hello: how the read ended", "[hello]") {
  std::string sni;
  const ClientHello partial = with_status(HelloStatus::need_more);
  CHECK(classify_hello(partial, {.eof = false, .timed_out = true}, 0, sni) == TlsSeen::timeout);
  CHECK(classify_hello(partial, {.eof = false, .timed_out = true}, 40, sni) == TlsSeen::timeout);
  CHECK(classify_hello(partial, {.eof = true, .timed_out = false}, 0, sni) == TlsSeen::none);
  CHECK(classify_hello(partial, {.eof = true, .timed_out = false}, 40, sni) == TlsSeen::bad_hello);
  CHECK(classify_hello(with_status(HelloStatus::malformed), {}, 40, sni) == TlsSeen::bad_hello);
  CHECK(classify_hello(with_status(HelloStatus::not_tls), {}, 40, sni) == TlsSeen::not_tls);
}
