// What the proxy refuses beyond Beast (README "Running the proxy") and what it strips (§6).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "http/message_rules.hpp"
#include "http/pages.hpp"

using namespace gh;

namespace {

HeadScan scan(const std::string& s) {
  // Exactly-sized heap copy so ASan sees any read past the end.
  std::string copy(s);
  std::size_t end = 0;
  return scan_head(copy, 0, end);
}

http::fields fields(std::initializer_list<std::pair<const char*, const char*>> list) {
  http::fields f;
  for (auto& [k, v] : list) f.insert(k, v);
  return f;
}

}  // namespace

TEST_CASE("scan_head finds the end of a head and refuses ambiguous line breaks") {
  std::size_t end = 0;
  std::string ok = "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\nBODY";
  REQUIRE(scan_head(ok, 0, end) == HeadScan::complete);
  REQUIRE(end == ok.size() - 4);
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\nHost: a\r\n") == HeadScan::incomplete);
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\nHost: a\r") == HeadScan::incomplete);
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\nX: 1\r\n 2\r\n\r\n") == HeadScan::bad);   // obs-fold
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\nX: 1\r\n\t2\r\n\r\n") == HeadScan::bad);  // obs-fold, tab
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\nX: 1\r2\r\n\r\n") == HeadScan::bad);      // bare CR
  REQUIRE(scan("GET http://a/ HTTP/1.1\nHost: a\n\n") == HeadScan::bad);            // bare LF
  REQUIRE(scan("GET http://a/ HTTP/1.1\r\n\r\r\n") == HeadScan::bad);
}

TEST_CASE("scan_head resumes across reads") {
  std::string s = "GET http://a/ HTTP/1.1\r\nHost: a\r";
  std::size_t end = 0;
  REQUIRE(scan_head(s, 0, end) == HeadScan::incomplete);
  std::size_t seen = s.size();
  s += "\n\r\n";
  REQUIRE(scan_head(s, seen, end) == HeadScan::complete);
  REQUIRE(end == s.size());
}

TEST_CASE("ambiguous framing is refused") {
  REQUIRE_FALSE(ambiguous_framing(fields({{"Content-Length", "5"}})));
  REQUIRE_FALSE(ambiguous_framing(fields({{"Transfer-Encoding", "chunked"}})));
  REQUIRE_FALSE(ambiguous_framing(fields({{"Transfer-Encoding", "gzip, chunked"}})));
  REQUIRE(ambiguous_framing(fields({{"Transfer-Encoding", "gzip"}, {"Content-Length", "5"}})));
  REQUIRE(ambiguous_framing(fields({{"Transfer-Encoding", "chunked, gzip"}})));
  REQUIRE(ambiguous_framing(fields({{"Transfer-Encoding", "gzip"}})));
  REQUIRE(ambiguous_framing(
      fields({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}})));
}

TEST_CASE("hop-by-hop headers and those named in Connection are removed") {
  auto f = fields({{"Connection", "keep-alive, X-Secret"},
                   {"Connection", "Foo"},
                   {"X-Secret", "1"},
                   {"Foo", "2"},
                   {"Keep-Alive", "timeout=5"},
                   {"Proxy-Connection", "keep-alive"},
                   {"Proxy-Authorization", "Basic Zm9v"},
                   {"TE", "trailers"},
                   {"Trailer", "X"},
                   {"Upgrade", "h2c"},
                   {"Transfer-Encoding", "chunked"},
                   {"Accept", "*/*"}});
  strip_hop_by_hop(f);
  for (auto name : {"Connection", "X-Secret", "Foo", "Keep-Alive", "Proxy-Connection",
                    "Proxy-Authorization", "TE", "Trailer", "Upgrade"}) {
    INFO(name);
    REQUIRE(f.count(name) == 0);
  }
  REQUIRE(f.count("Transfer-Encoding") == 1);  // re-framed by Beast, not dropped
  REQUIRE(f.count("Accept") == 1);
}

TEST_CASE("Connection cannot strip the message's framing") {
  auto f = fields({{"Connection", "Content-Length, Transfer-Encoding"}, {"Content-Length", "3"}});
  strip_hop_by_hop(f);
  REQUIRE(f.count("Content-Length") == 1);
}

TEST_CASE("Via is appended with this instance's name") {
  http::fields f;
  add_via(f, 11, "gw1.example:3128");
  REQUIRE(sv(f["Via"]) == "1.1 gw1.example:3128 (gatehouse)");
  add_via(f, 10, "gw2");
  REQUIRE(sv(f["Via"]) == "1.1 gw1.example:3128 (gatehouse), 1.0 gw2 (gatehouse)");
  // Several Via headers become one list, in order, ours last.
  auto g = fields({{"Via", "1.1 a"}, {"Via", "1.0 b (squid)"}});
  add_via(g, 11, "me");
  REQUIRE(g.count("Via") == 1);
  REQUIRE(sv(g["Via"]) == "1.1 a, 1.0 b (squid), 1.1 me (gatehouse)");
}

TEST_CASE("a Via naming this instance is found, another instance's is not") {
  const std::string_view me = "gw1.example:3128";
  struct Row {
    std::string_view via;
    bool loops;
  };
  const Row rows[] = {
      {"1.1 gw1.example:3128 (gatehouse)", true},
      {"1.1 GW1.Example:3128", true},  // host names compare case-insensitively
      {"1.0 proxy, 1.1 gw1.example:3128 (gatehouse)", true},
      {"HTTP/1.1 gw1.example:3128", true},
      {"1.1\tgw1.example:3128\t(x)", true},
      {"  1.1   gw1.example:3128  ,1.1 other", true},
      {"1.1 gw1.example:3128(gatehouse)", true},
      {"1.1 gw2.example:3128 (gatehouse)", false},  // another gatehouse in the chain
      {"1.1 gw1.example:3129 (gatehouse)", false},
      {"1.1 gw1.example (gatehouse)", false},
      {"1.1 gatehouse", false},                              // the token before names were unique
      {"1.1 other (comment, 1.1 gw1.example:3128)", false},  // inside a comment
      {"1.1 other (a (b, 1.1 gw1.example:3128))", false},
      {"1.1 other (a \\), 1.1 gw1.example:3128)", false},  // quoted pair in a comment
      {"1.1 other (unclosed, 1.1 gw1.example:3128", false},
      {"gw1.example:3128", false},  // no protocol: the received-by is missing
      {"", false},
      {",,,", false},
  };
  for (const Row& r : rows) {
    INFO(r.via);
    std::string copy(r.via);
    CHECK(via_value_names(copy, me) == r.loops);
  }
  CHECK_FALSE(via_value_names("1.1 x", ""));
  auto f = fields({{"Via", "1.1 a"}, {"Via", "1.1 gw1.example:3128 (gatehouse)"}});
  CHECK(via_names(f, me));
  CHECK_FALSE(via_names(fields({{"Via", "1.1 a"}}), me));
}

TEST_CASE("Content-Length lists and repeats collapse into one value or are refused") {
  struct Row {
    std::vector<std::string_view> values;
    const char* result;  // nullptr: refused
  };
  const Row rows[] = {
      {{"5"}, "5"},
      {{"0"}, "0"},
      {{"5, 5"}, "5"},
      {{"5,5,5"}, "5"},
      {{"5", "5"}, "5"},
      {{"5, 5", "5"}, "5"},
      {{"005"}, "5"},
      {{"05", "5"}, "5"},
      {{" 5 \t"}, "5"},
      {{"18446744073709551615"}, "18446744073709551615"},
      {{"5, 6"}, nullptr},
      {{"5", "6"}, nullptr},
      {{"5", "5, 6"}, nullptr},
      {{"5,"}, nullptr},
      {{",5"}, nullptr},
      {{""}, nullptr},
      {{"+5"}, nullptr},
      {{"-1"}, nullptr},
      {{"5 5"}, nullptr},
      {{"0x5"}, nullptr},
      {{"18446744073709551616"}, nullptr},  // past 2^64 - 1
  };
  for (const Row& r : rows) {
    http::fields f;
    std::string shown;
    for (auto v : r.values) {
      f.insert(http::field::content_length, bsv(v));
      shown += "[" + std::string(v) + "]";
    }
    f.insert("X-Other", "kept");
    INFO(shown);
    if (!r.result) {
      CHECK_FALSE(collapse_content_length(f));
      continue;
    }
    REQUIRE(collapse_content_length(f));
    CHECK(f.count(http::field::content_length) == 1);
    CHECK(sv(f[http::field::content_length]) == r.result);
    CHECK(sv(f["X-Other"]) == "kept");
  }
  http::fields none;
  CHECK(collapse_content_length(none));
  CHECK(none.count(http::field::content_length) == 0);
}

TEST_CASE("block page escapes everything it interpolates") {
  BlockPageInfo i;
  i.host = "<script>x</script>.example";
  i.app = "A&B";
  i.category = "\"cat\"";
  i.department = "Dept's";
  i.reason = "category-blocked";
  i.record_id = "gh-1-2";
  i.contact = "<b>call</b>";
  auto page = block_page(i);
  REQUIRE(page.find("<script>") == std::string::npos);
  REQUIRE(page.find("&lt;script&gt;x&lt;/script&gt;.example") != std::string::npos);
  REQUIRE(page.find("A&amp;B") != std::string::npos);
  REQUIRE(page.find("&quot;cat&quot;") != std::string::npos);
  REQUIRE(page.find("Dept&#39;s") != std::string::npos);
  REQUIRE(page.find("gh-1-2") != std::string::npos);
  REQUIRE(page.find("&lt;b&gt;call&lt;/b&gt;") != std::string::npos);
  auto err = error_page(408, "Request Timeout", "<slow>", "gh-9");
  REQUIRE(err.find("<slow>") == std::string::npos);
  REQUIRE(err.find("gh-9") != std::string::npos);
}
