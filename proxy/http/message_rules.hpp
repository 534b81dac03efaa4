// What gatehouse enforces on HTTP messages beyond Beast's parser (README "Running the proxy"):
// where Beast is lenient (obs-fold, bare LF, Transfer-Encoding other than a
// final chunked beside Content-Length) we refuse, so that no peer behind us
// can read the message differently (request smuggling). Hop-by-hop headers
// never cross the proxy.
#pragma once

#include <cstddef>
#include <string_view>

#include "net/asio.hpp"

namespace gh {

// Beast 1.74 speaks boost::string_view; the rest of gatehouse std::string_view.
inline std::string_view sv(beast::string_view s) noexcept { return {s.data(), s.size()}; }
inline beast::string_view bsv(std::string_view s) noexcept { return {s.data(), s.size()}; }

enum class HeadScan : unsigned char { incomplete, complete, bad };

// Scans raw request-head bytes from `from` on (earlier bytes were scanned
// already). On `complete`, `end` is the size of the head including the
// blank line. `bad`: a bare CR, a bare LF, or an obs-fold line.
HeadScan scan_head(std::string_view data, std::size_t from, std::size_t& end) noexcept;

// Framing a proxy must refuse: Transfer-Encoding together with
// Content-Length, or a Transfer-Encoding whose last coding is not chunked.
bool ambiguous_framing(const http::fields& f) noexcept;

// Removes Connection, Keep-Alive, Proxy-Connection, Proxy-Authorization,
// Proxy-Authenticate, TE, Trailer, Upgrade and every header Connection names.
// Transfer-Encoding stays: Beast's serializer re-frames the body.
void strip_hop_by_hop(http::fields& f);

// Content-Length as a list ("5, 5") or repeated in several headers: one
// value throughout collapses into a single header in canonical decimal, so
// that no peer behind us can read a different length (docs/threat-model.md). Differing
// values, an empty element or a non-number return false: the message is
// refused (400 from a client, 502 from an origin). Beast 1.74 already
// rejects differing values; this rule does not depend on it.
[[nodiscard]] bool collapse_content_length(http::fields& f);

// gatehouse's own Via entry is "<version> <received_by> (gatehouse)";
// `received_by` is Settings::via_name, unique per instance (README "Via and
// loops"), so that two gatehouses in a chain do not take each other's entry
// for their own.
void add_via(http::fields& f, unsigned version, std::string_view received_by);

// True when a Via value lists an entry received by `received_by` (compared
// case-insensitively; comments, which may hold commas, are skipped).
bool via_value_names(std::string_view value, std::string_view received_by) noexcept;

// The same over every Via header of a message: a request that has passed
// through this gatehouse already is a loop.
bool via_names(const http::fields& f, std::string_view received_by) noexcept;

}  // namespace gh
