// What the proxy refuses beyond Beast (SPEC §9) and what it strips (§6).
#include <catch2/catch.hpp>

#include <string>

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

TEST_CASE("Via is appended") {
  http::fields f;
  add_via(f, 11);
  REQUIRE(sv(f["Via"]) == "1.1 gatehouse");
  add_via(f, 10);
  REQUIRE(sv(f["Via"]) == "1.1 gatehouse, 1.0 gatehouse");
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
