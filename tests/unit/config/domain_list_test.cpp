#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/domain_list.hpp"

using namespace gh;

namespace {

struct Scan {
  std::vector<std::string> items;     // "line:col:domain" with a leading '.' for suffix
  std::vector<std::string> problems;  // "line:col:message"
};

Scan scan(std::string_view text, bool suffix) {
  Scan s;
  scan_domain_list(
      text, suffix,
      [&](const ListItem& it) {
        s.items.push_back(std::to_string(it.line) + ":" + std::to_string(it.col) + ":" +
                          (it.suffix ? "." : "") + std::string(it.body));
      },
      [&](std::uint32_t line, std::uint32_t col, std::string msg) {
        s.problems.push_back(std::to_string(line) + ":" + std::to_string(col) + ":" + msg);
      });
  return s;
}

}  // namespace

TEST_CASE("plain list: one domain per line, match decides", "[config][lists]") {
  const char* text = "# feed\n\nexample.com\n  indented.example  \r\nlast.example";
  CHECK(scan(text, false).items ==
        std::vector<std::string>{"3:1:example.com", "4:3:indented.example", "5:1:last.example"});
  CHECK(scan(text, true).items ==
        std::vector<std::string>{"3:1:.example.com", "4:3:.indented.example", "5:1:.last.example"});
  CHECK(scan(text, true).problems.empty());
}

TEST_CASE("Squid dstdomain: a leading dot always means suffix", "[config][lists]") {
  auto s = scan(".example.com\nexact.example\n", false);
  CHECK(s.items == std::vector<std::string>{"1:1:.example.com", "2:1:exact.example"});
}

TEST_CASE("hosts-file lines", "[config][lists]") {
  const char* text =
      "127.0.0.1 localhost\n"
      "::1 ip6-localhost ip6-loopback\n"
      "0.0.0.0 0.0.0.0\n"
      "0.0.0.0 ads.example.com\n"
      "127.0.0.1\ttrack.example.net other.example.org # two names\n"
      "0.0.0.0 broadcasthost\n";
  auto s = scan(text, false);
  CHECK(s.items == std::vector<std::string>{"4:9:ads.example.com", "5:11:track.example.net",
                                            "5:29:other.example.org"});
  CHECK(s.problems.empty());
}

TEST_CASE("trailing comments and bad lines", "[config][lists]") {
  auto s = scan("a.example # note\na.example b.example\n#only comment\n", false);
  CHECK(s.items == std::vector<std::string>{"1:1:a.example"});
  REQUIRE(s.problems.size() == 1);
  CHECK(s.problems[0].rfind("2:11:expected one domain per line", 0) == 0);
}

TEST_CASE("count_lines counts a last line without newline", "[config][lists]") {
  CHECK(count_lines("") == 0);
  CHECK(count_lines("a") == 1);
  CHECK(count_lines("a\n") == 1);
  CHECK(count_lines("a\nb") == 2);
  CHECK(count_lines("\n\n") == 2);
}
