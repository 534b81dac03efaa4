// The path a URL rule sees and the origin receives (docs/threat-model.md): one spelling
// per resource, so that `/x/../cgi-bin/…`, `//cgi-bin//…`, `/./cgi-bin/…` or
// `/%63gi-bin/…` cannot walk past a rule written for `/cgi-bin/…` while the
// origin reads them all as the same path. Pure, no allocation beyond `out`
// (reserved once to the input's size); fuzzed (tests/fuzz/path_normalize_fuzz.cpp).
//
// Steps, in one pass over the path (the query is copied as it is):
//   1. percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~,
//      RFC 3986 §2.3) are decoded; every other escape stays, in upper-case hex;
//   2. empty segments are dropped (slashes merged);
//   3. dot segments are removed (RFC 3986 §5.2.4), after decoding, so that
//      `%2e%2E` counts as `..`; `..` above the root stays at the root.
// Escapes of reserved characters (`%2F`, `%3F`, ...) are not decoded: they
// mean something else than the character itself to an origin.
//
// Examples (input -> output):
//   ""                                   -> "/"
//   "/"                                  -> "/"
//   "/a/b"                               -> "/a/b"
//   "/a/b/"                              -> "/a/b/"
//   "//a///b//"                          -> "/a/b/"
//   "/x/../cgi-bin/mmwebwx-bin/x"        -> "/cgi-bin/mmwebwx-bin/x"
//   "/./cgi-bin/./mmwebwx-bin/"          -> "/cgi-bin/mmwebwx-bin/"
//   "/%63gi-bin/%6Dmwebwx-bin/"          -> "/cgi-bin/mmwebwx-bin/"
//   "/a/%2e%2E/b"                        -> "/b"
//   "/a/.%2e/b"                          -> "/b"
//   "/a/b/.."                            -> "/a/"
//   "/a/b/."                             -> "/a/b/"
//   "/../../a"                           -> "/a"
//   "/a/...b/..."                        -> "/a/...b/..."       (not dot segments)
//   "/a%2fb%3f"                          -> "/a%2Fb%3F"         (reserved: kept, hex upper-cased)
//   "/%7e%5F%2D%2E"                      -> "/~_-."
//   "/a%zz", "/a%4"                      -> bad_escape          (refused: origins disagree on it)
//   "/a/../b?x=/../%63"  (normalize_target) -> "/b?x=/../%63"   (query untouched)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

enum class PathStatus : std::uint8_t {
  ok,
  bad_escape,  // a '%' not followed by two hex digits: no single reading exists
};

// Normalises `path` (no query; a missing leading '/' is supplied) into `out`.
// `out` is overwritten; on bad_escape its contents are unspecified.
// Guarantees on ok: out starts with '/', has no empty, "." or ".." segment,
// out.size() <= path.size() + 1, and normalising out again yields out.
[[nodiscard]] PathStatus normalize_path(std::string_view path, std::string& out);

// The same for a request-target's path with its query ("/a/b?q"): the part
// before the first '?' is normalised, the rest (from '?') is appended as is.
[[nodiscard]] PathStatus normalize_target(std::string_view path_and_query, std::string& out);

}  // namespace gh
