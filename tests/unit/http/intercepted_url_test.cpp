// intercepted_url(): the examples of its header, as a table.
#include <catch2/catch.hpp>

#include "http/intercepted_url.hpp"

using gh::intercepted_url;

TEST_CASE("the URL of a request inside a decrypted flow", "[http][intercept]") {
  struct Case {
    const char* host;
    std::uint16_t port;
    const char* target;
    const char* url;
  };
  const Case cases[] = {
      {"web.whatsapp.com", 443, "/", "https://web.whatsapp.com/"},
      {"web.whatsapp.com", 443, "/a/../b//c?q=1", "https://web.whatsapp.com/b/c?q=1"},
      {"web.whatsapp.com", 443, "https://evil.example/x", "https://web.whatsapp.com/x"},
      {"web.whatsapp.com", 8443, "/x", "https://web.whatsapp.com:8443/x"},
      {"2001:db8::1", 443, "/", "https://[2001:db8::1]/"},
      {"192.0.2.7", 443, "/%7Euser/", "https://192.0.2.7/~user/"},
      {"web.whatsapp.com", 443, "*", ""},
      {"web.whatsapp.com", 443, "a:443", ""},
      {"web.whatsapp.com", 443, "/%zz", ""},
      {"web.whatsapp.com", 443, "", ""},
      {"", 443, "/", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.host, c.port, c.target);
    CHECK(intercepted_url(c.host, c.port, c.target) == c.url);
  }
}
