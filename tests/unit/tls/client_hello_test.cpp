// ClientHello reader: real hellos from OpenSSL and GnuTLS clients, cut at
// every offset and re-recorded at every split point, plus built hellos for
// the shapes no honest client sends.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "hello_builder.hpp"
#include "hello_fixtures.hpp"
#include "tls/client_hello.hpp"

using namespace gh;
using namespace gh::test;

namespace {

struct Captured {
  const char* name;
  const char* hex;
  bool has_sni;
  std::string sni;
  std::string alpn;
};

const std::vector<Captured>& captured() {
  static const std::vector<Captured> all{
      {"openssl tls1.3", kOpenSsl13, true, "www.example.com", "h2"},
      {"openssl tls1.2", kOpenSsl12, true, "web.whatsapp.com", ""},
      {"openssl no sni", kOpenSslNoSni, false, "", ""},
      {"curl", kCurl, true, "files.example.org", "h2"},
      {"wget gnutls", kWgetGnuTls, true, "localhost", ""},
  };
  return all;
}

// The handshake message inside a captured single-record hello.
Buf message_of(const Buf& record) { return Buf(record.begin() + 5, record.end()); }

// Appends an extension to a real hello and patches the two enclosing lengths.
Buf inject_extension(Buf msg, const Buf& ext) {
  std::size_t at = 4 + 2 + 32;
  at += 1 + msg[at];                                    // session id
  at += 2 + (std::size_t{msg[at]} << 8 | msg[at + 1]);  // cipher suites
  at += 1 + msg[at];                                    // compression methods
  const std::size_t ext_len = (std::size_t{msg[at]} << 8 | msg[at + 1]) + ext.size();
  msg[at] = static_cast<std::uint8_t>(ext_len >> 8);
  msg[at + 1] = static_cast<std::uint8_t>(ext_len);
  append(msg, ext);
  const std::size_t body = msg.size() - 4;
  msg[1] = static_cast<std::uint8_t>(body >> 16);
  msg[2] = static_cast<std::uint8_t>(body >> 8);
  msg[3] = static_cast<std::uint8_t>(body);
  return msg;
}

}  // namespace

TEST_CASE("captured ClientHellos parse whole", "[tls]") {
  for (const auto& c : captured()) {
    INFO(c.name);
    Buf bytes = from_hex(c.hex);
    ClientHello h = parse(bytes);
    REQUIRE(h.status == HelloStatus::ok);
    CHECK(h.has_sni == c.has_sni);
    CHECK(std::string(h.sni) == c.sni);
    CHECK(std::string(h.alpn_first) == c.alpn);
    CHECK_FALSE(h.ech);
    CHECK(h.legacy_version == 0x0303);
    CHECK(h.consumed == bytes.size());
  }
}

TEST_CASE("every proper prefix of a ClientHello needs more", "[tls]") {
  for (const auto& c : captured()) {
    INFO(c.name);
    Buf bytes = from_hex(c.hex);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("prefix " << n);
      REQUIRE(parse_prefix(bytes, n).status == HelloStatus::need_more);
    }
  }
}

TEST_CASE("a ClientHello split over two records at every offset", "[tls]") {
  for (const auto& c : captured()) {
    INFO(c.name);
    Buf msg = message_of(from_hex(c.hex));
    for (std::size_t cut = 1; cut < msg.size(); ++cut) {
      INFO("cut " << cut);
      Buf bytes = records(msg, {cut});
      ClientHello h = parse(bytes);
      REQUIRE(h.status == HelloStatus::ok);
      CHECK(h.has_sni == c.has_sni);
      CHECK(std::string(h.sni) == c.sni);
      CHECK(std::string(h.alpn_first) == c.alpn);
      CHECK(h.consumed == bytes.size());
    }
  }
}

TEST_CASE("split records: every prefix needs more, the whole is ok", "[tls]") {
  Buf msg = message_of(from_hex(kOpenSsl13));
  for (std::size_t cut : {1, 3, 4, 50, 120, 200}) {
    Buf bytes = records(msg, {cut});
    for (std::size_t n = 0; n < bytes.size(); ++n)
      REQUIRE(parse_prefix(bytes, n).status == HelloStatus::need_more);
    CHECK(std::string(parse(bytes).sni) == "www.example.com");
  }
}

TEST_CASE("a ClientHello in one-byte records (DPI evasion) still yields its SNI", "[tls]") {
  Buf msg = message_of(from_hex(kOpenSsl12));
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < msg.size(); ++i) cuts.push_back(i);
  Buf bytes = records(msg, cuts);
  ClientHello h = parse(bytes);
  REQUIRE(h.status == HelloStatus::ok);
  CHECK(h.sni == "web.whatsapp.com");
  CHECK(h.consumed == bytes.size());
}

TEST_CASE("bytes after the hello's last record are not consumed", "[tls]") {
  Buf bytes = from_hex(kCurl);
  const std::size_t hello_size = bytes.size();
  append(bytes, Buf{0x17, 0x03, 0x03, 0x00, 0x02, 0xde, 0xad});  // early data record
  ClientHello h = parse(bytes);
  REQUIRE(h.status == HelloStatus::ok);
  CHECK(h.consumed == hello_size);
}

TEST_CASE("built hellos: SNI, ALPN, ECH", "[tls]") {
  SECTION("ECH extension present") {
    Buf ech = extension(0xfe0d, Buf{0x00, 0x00, 0x01, 0x00, 0x01, 0x42});
    ClientHello h = parse(records(hello_message({sni_extension({"public.example"}), ech})));
    REQUIRE(h.status == HelloStatus::ok);
    CHECK(h.ech);
    CHECK(h.sni == "public.example");
  }
  SECTION("ECH injected into a captured hello") {
    Buf msg = message_of(from_hex(kOpenSsl13));
    ClientHello h = parse(records(inject_extension(msg, extension(0xfe0d, Buf{1, 2, 3})), {60}));
    REQUIRE(h.status == HelloStatus::ok);
    CHECK(h.ech);
    CHECK(h.sni == "www.example.com");
    CHECK(h.alpn_first == "h2");
  }
  SECTION("no extensions at all") {
    ClientHello h = parse(records(hello_message({}, false)));
    REQUIRE(h.status == HelloStatus::ok);
    CHECK_FALSE(h.has_sni);
  }
  SECTION("empty extensions block") {
    ClientHello h = parse(records(hello_message({})));
    REQUIRE(h.status == HelloStatus::ok);
    CHECK_FALSE(h.has_sni);
  }
  SECTION("any other name type, or a second entry, is malformed (OpenSSL refuses them)") {
    for (bool host_first : {false, true}) {
      Buf list;
      Buf other{7, 0, 3, 'a', 'b', 'c'};
      Buf host{0, 0, 5, 'x', '.', 'c', 'o', 'm'};
      append(list, host_first ? host : other);
      append(list, host_first ? other : host);
      Buf data;
      put16(data, list.size());
      append(data, list);
      CHECK(parse(records(hello_message({extension(0, data)}))).status == HelloStatus::malformed);
    }
    CHECK(parse(records(hello_message({sni_extension({"x.com"}, 1)}))).status ==
          HelloStatus::malformed);
  }
  SECTION("an over-long host_name, or one with a NUL, is malformed") {
    CHECK(parse(records(hello_message({sni_extension({std::string(256, 'a')})}))).status ==
          HelloStatus::malformed);
    CHECK(parse(records(hello_message({sni_extension({std::string(255, 'a')})}))).status ==
          HelloStatus::ok);
    CHECK(
        parse(records(hello_message({sni_extension({std::string("a.com\0.b.com", 11)})}))).status ==
        HelloStatus::malformed);
  }
  SECTION("a host_name that is no host name is still returned raw (the caller refuses it)") {
    ClientHello h = parse(records(hello_message({sni_extension({"web.whatsapp.com:443"})})));
    REQUIRE(h.status == HelloStatus::ok);
    CHECK(h.sni == "web.whatsapp.com:443");
  }
  SECTION("raw bytes are returned, canonicalisation is the caller's job") {
    ClientHello h = parse(records(hello_message({sni_extension({"WWW.Example.COM."})})));
    CHECK(h.sni == "WWW.Example.COM.");
  }
  SECTION("ALPN keeps the first protocol") {
    ClientHello h = parse(records(hello_message({alpn_extension({"http/1.1", "h2"})})));
    CHECK(h.alpn_first == "http/1.1");
  }
}

TEST_CASE("copies of a ClientHello own their names", "[tls]") {
  ClientHello copy;
  {
    ClientHello h = parse(from_hex(kOpenSsl13));
    copy = h;
  }
  CHECK(copy.sni == "www.example.com");
  CHECK(copy.alpn_first == "h2");
  ClientHello copy2(copy);
  CHECK(copy2.sni.data() != copy.sni.data());
  CHECK(copy2.sni == "www.example.com");
}

TEST_CASE("not TLS", "[tls]") {
  for (std::string s : {std::string("GET / HTTP/1.1\r\n"), std::string("PRI * HTTP/2.0\r\n"),
                        std::string("SSH-2.0-OpenSSH_9.2\r\n"), std::string("\x80\x2e\x02", 3),
                        std::string("\x00\x16\x03", 3), std::string("\x19\x03\x03", 3)}) {
    INFO(s);
    CHECK(parse(Buf(s.begin(), s.end())).status == HelloStatus::not_tls);
  }
  CHECK(parse(Buf{}).status == HelloStatus::need_more);
  CHECK(parse(Buf{0x16}).status == HelloStatus::need_more);
  CHECK(parse(Buf{0x80, 0x2e}).status == HelloStatus::need_more);
}

// Each of these was a bypass: the old reader called the bytes "not TLS" or
// "no SNI" while OpenSSL's server read the hello and its name (issue 10).
TEST_CASE("TLS the reader must follow or refuse, never call not-TLS", "[tls]") {
  const Buf msg = message_of(from_hex(kOpenSsl12));  // SNI web.whatsapp.com
  SECTION("any record minor version byte") {
    for (std::uint8_t minor : {0x00, 0x01, 0x03, 0x04, 0x05, 0x7f, 0xff}) {
      Buf bytes = records(msg, {40});
      bytes[2] = minor;
      bytes[5 + 40 + 2] = minor;
      ClientHello h = parse(bytes);
      INFO("minor " << int(minor));
      REQUIRE(h.status == HelloStatus::ok);
      CHECK(h.sni == "web.whatsapp.com");
    }
  }
  SECTION("empty handshake records before, between and after fragments") {
    Buf bytes{0x16, 0x03, 0x01, 0x00, 0x00};
    Buf split = records(msg, {10});
    append(bytes, Buf(split.begin(), split.begin() + 5 + 10));
    append(bytes, Buf{0x16, 0x03, 0x03, 0x00, 0x00, 0x16, 0x03, 0x03, 0x00, 0x00});
    append(bytes, Buf(split.begin() + 5 + 10, split.end()));
    ClientHello h = parse(bytes);
    REQUIRE(h.status == HelloStatus::ok);
    CHECK(h.sni == "web.whatsapp.com");
    CHECK(h.consumed == bytes.size());
    for (std::size_t n = 0; n < bytes.size(); ++n)
      REQUIRE(parse_prefix(bytes, n).status == HelloStatus::need_more);
  }
  SECTION("more empty records in a row than OpenSSL takes") {
    Buf bytes;
    for (int i = 0; i < 33; ++i) append(bytes, Buf{0x16, 0x03, 0x01, 0x00, 0x00});
    append(bytes, records(msg));
    CHECK(parse(bytes).status == HelloStatus::malformed);
  }
  SECTION("other record types first: malformed (blocked), not not-TLS") {
    for (std::uint8_t type : {20, 21, 23, 24}) {
      Buf bytes{type, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00};
      append(bytes, records(msg));
      CHECK(parse(bytes).status == HelloStatus::malformed);
    }
  }
  SECTION("an SSLv2-format hello, a record major version other than 3") {
    CHECK(parse(Buf{0x80, 0x2e, 0x01, 0x03, 0x01}).status == HelloStatus::malformed);
    CHECK(parse(Buf{0x16, 0x09}).status == HelloStatus::malformed);
    Buf bytes = records(msg, {40});
    bytes[5 + 40 + 1] = 0x02;
    CHECK(parse(bytes).status == HelloStatus::malformed);
  }
}

TEST_CASE("malformed hellos", "[tls]") {
  const Buf good_msg = hello_message({sni_extension({"a.example"})});
  auto status = [](const Buf& b) { return parse(b).status; };

  SECTION("wrong handshake type is known from the first bytes") {
    Buf msg = good_msg;
    msg[0] = 2;  // ServerHello
    Buf bytes = records(msg);
    bytes.resize(6);
    CHECK(status(bytes) == HelloStatus::malformed);
  }
  SECTION("duplicate server_name extension") {
    CHECK(status(records(hello_message({sni_extension({"a.example"}),
                                        sni_extension({"b.example"})}))) == HelloStatus::malformed);
  }
  SECTION("two host_names in one server_name list") {
    CHECK(status(records(hello_message({sni_extension({"a.example", "b.example"})}))) ==
          HelloStatus::malformed);
  }
  SECTION("any duplicated extension") {
    CHECK(status(records(hello_message({alpn_extension({"h2"}), alpn_extension({"h2"})}))) ==
          HelloStatus::malformed);
  }
  SECTION("empty server_name list and empty host_name") {
    CHECK(status(records(hello_message({extension(0, Buf{0, 0})}))) == HelloStatus::malformed);
    CHECK(status(records(hello_message({sni_extension({""})}))) == HelloStatus::malformed);
    CHECK(status(records(hello_message({extension(0, Buf{})}))) == HelloStatus::malformed);
  }
  SECTION("bad ALPN") {
    CHECK(status(records(hello_message({alpn_extension({""})}))) == HelloStatus::malformed);
    CHECK(status(records(hello_message({extension(16, Buf{0, 0})}))) == HelloStatus::malformed);
  }
  SECTION("extension block longer than the message") {
    Buf msg = good_msg;
    const std::size_t ext_len_at = 4 + 2 + 32 + 1 + 2 + 4 + 2;
    msg[ext_len_at + 1] += 1;
    CHECK(status(records(msg)) == HelloStatus::malformed);
    msg[ext_len_at + 1] -= 2;  // shorter: trailing bytes in the message
    CHECK(status(records(msg)) == HelloStatus::malformed);
  }
  SECTION("truncated extension inside the block") {
    Buf msg = hello_message({extension(0x1234, Buf{1, 2, 3})});
    msg[msg.size() - 4] = 0x0f;  // extension length 3 -> 15, past the end of the block
    CHECK(status(records(msg)) == HelloStatus::malformed);
  }
  SECTION("session id over 32 bytes") {
    Buf msg = good_msg;
    msg[4 + 2 + 32] = 33;
    CHECK(status(records(msg)) == HelloStatus::malformed);
  }
  SECTION("absurd legacy_version") {
    Buf msg = good_msg;
    msg[4] = 0x7f;
    CHECK(status(records(msg)) == HelloStatus::malformed);
  }
  SECTION("handshake length over 16 KiB") {
    CHECK(status(Buf{0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00}) ==
          HelloStatus::malformed);
  }
  SECTION("record length over 2^14") {
    CHECK(status(Buf{0x16, 0x03, 0x01, 0x40, 0x01}) == HelloStatus::malformed);
  }
  SECTION("a record promising more than the hello holds") {
    Buf bytes = records(good_msg);
    bytes[4] += 10;  // record length past the end of the hello
    CHECK(status(bytes) == HelloStatus::malformed);
    append(bytes, Buf(10, 0));
    CHECK(status(bytes) == HelloStatus::malformed);
  }
  SECTION("a non-handshake record in the middle") {
    Buf bytes = records(good_msg, {20});
    bytes[5 + 20] = 0x17;
    CHECK(status(bytes) == HelloStatus::malformed);
  }
  SECTION("empty message body") {
    CHECK(status(Buf{0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00}) ==
          HelloStatus::malformed);
  }
}

TEST_CASE("max_bytes bounds how long we wait", "[tls]") {
  Buf bytes = from_hex(kCurl);  // 517 bytes
  CHECK(parse(bytes, 517).status == HelloStatus::ok);
  CHECK(parse(bytes, 516).status == HelloStatus::malformed);
  // need_more is never returned once the budget is spent.
  for (std::size_t n = 0; n < bytes.size(); ++n)
    if (parse_prefix(bytes, n, 300).status == HelloStatus::need_more) REQUIRE(n < 300);
}

TEST_CASE("garbage never crashes and is never ok", "[tls]") {
  std::uint32_t x = 12345;
  auto next = [&x] { return x = x * 1664525u + 1013904223u; };
  for (int round = 0; round < 2000; ++round) {
    Buf b(next() % 600);
    for (auto& byte : b) byte = static_cast<std::uint8_t>(next() >> 24);
    if (!b.empty() && round % 2 == 0) b[0] = 0x16;
    if (b.size() > 2 && round % 4 == 0) b[1] = 0x03;
    CHECK(parse(b).status != HelloStatus::ok);
  }
}
