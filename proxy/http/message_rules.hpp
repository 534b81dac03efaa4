// What gatehouse enforces on HTTP messages beyond Beast's parser (SPEC §6, §9):
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

// Appends "1.1 gatehouse" (or "1.0 gatehouse") to Via.
void add_via(http::fields& f, unsigned version);

}  // namespace gh
