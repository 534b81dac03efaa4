// The path normaliser's contract (proxy/http/path_normalize.hpp), one row per
// spelling an attacker could use to walk past a URL rule.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "http/path_normalize.hpp"

using namespace gh;

namespace {

struct Row {
  std::string_view in;
  std::string_view out;  // empty: bad_escape expected
};

constexpr Row kPaths[] = {
    {"", "/"},
    {"/", "/"},
    {"//", "/"},
    {"/a/b", "/a/b"},
    {"/a/b/", "/a/b/"},
    {"//a///b//", "/a/b/"},
    {"a/b", "/a/b"},  // no leading slash: one is supplied
    // dot segments (RFC 3986 §5.2.4 and its examples)
    {"/x/../cgi-bin/mmwebwx-bin/x", "/cgi-bin/mmwebwx-bin/x"},
    {"/./cgi-bin/./mmwebwx-bin/", "/cgi-bin/mmwebwx-bin/"},
    {"/a/b/c/./../../g", "/a/g"},
    {"/mid/content=5/../6", "/mid/6"},
    {"/a/b/..", "/a/"},
    {"/a/b/.", "/a/b/"},
    {"/a/b/../", "/a/"},
    {"/..", "/"},
    {"/.", "/"},
    {"/../../a", "/a"},
    {"/a/..//b", "/b"},
    {"/a//../b", "/b"},  // slashes merged first, then the dot segment
    {"/a/...b/...", "/a/...b/..."},
    {"/a/..b/b..", "/a/..b/b.."},
    {"/.a/a./", "/.a/a./"},
    // percent-encoding: unreserved decoded, reserved kept in upper case
    {"/%63gi-bin/%6Dmwebwx-bin/", "/cgi-bin/mmwebwx-bin/"},
    {"/%63%67%69%2d%62%69%6e/", "/cgi-bin/"},
    {"/a/%2e%2E/b", "/b"},
    {"/a/.%2e/b", "/b"},
    {"/a/%2E/b", "/a/b"},
    {"/%2e%2e/%2e%2e/cgi-bin/", "/cgi-bin/"},
    {"/%7e%5F%2D%2E", "/~_-."},
    {"/%41%5a%61%7A%30%39", "/AZaz09"},
    {"/a%2fb%3f", "/a%2Fb%3F"},
    {"/a%2F..%2Fb", "/a%2F..%2Fb"},  // an escaped slash is not a separator
    {"/%25", "/%25"},
    {"/%2541", "/%2541"},  // decoded once only: never becomes "%41" or "A"
    {"/%00%ff%C3%a9", "/%00%FF%C3%A9"},
    {"/caf\xc3\xa9/", "/caf\xc3\xa9/"},  // raw bytes are left to the origin
    {"/a;b=c/d", "/a;b=c/d"},
    // escapes without a single reading are refused
    {"/a%zz", ""},
    {"/a%4", ""},
    {"/a%", ""},
    {"/%%34%31", ""},
    {"/%g0", ""},
};

std::string norm(std::string_view in, PathStatus* st = nullptr) {
  std::string copy(in);  // exactly sized: ASan sees a read past the end
  std::string out;
  PathStatus s = normalize_path(copy, out);
  if (st) *st = s;
  return s == PathStatus::ok ? out : std::string();
}

}  // namespace

TEST_CASE("normalize_path: the examples table") {
  for (const Row& row : kPaths) {
    INFO("input: " << row.in);
    PathStatus st{};
    std::string got = norm(row.in, &st);
    if (row.out.empty()) {
      CHECK(st == PathStatus::bad_escape);
    } else {
      CHECK(st == PathStatus::ok);
      CHECK(got == row.out);
      CHECK(norm(got) == got);  // idempotent
      CHECK(got.size() <= row.in.size() + 1);
    }
  }
}

TEST_CASE("normalize_target: the query is copied as it is") {
  std::string out;
  REQUIRE(normalize_target("/a/../b?x=/../%63&y=%zz", out) == PathStatus::ok);
  CHECK(out == "/b?x=/../%63&y=%zz");
  REQUIRE(normalize_target("/%63gi-bin//mmwebwx-bin/?", out) == PathStatus::ok);
  CHECK(out == "/cgi-bin/mmwebwx-bin/?");
  REQUIRE(normalize_target("?q", out) == PathStatus::ok);
  CHECK(out == "/?q");
  CHECK(normalize_target("/a%zz?q", out) == PathStatus::bad_escape);
}

TEST_CASE("normalize_path reuses the caller's buffer") {
  std::string out;
  out.reserve(256);
  const char* before = out.data();
  REQUIRE(normalize_path("/x/../cgi-bin//%6Dmwebwx-bin/./", out) == PathStatus::ok);
  CHECK(out == "/cgi-bin/mmwebwx-bin/");
  CHECK(out.data() == before);  // no allocation when the buffer is large enough
}
