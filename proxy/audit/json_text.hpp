// Building blocks of the audit line: JSON string escaping that survives
// hostile input, the RFC 3339 time stamp of README "The audit log", query redaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/types.hpp"

namespace gh {

// Appends `s` as a quoted JSON string. Escapes `"`, `\`, every control
// character (C0 and DEL), U+2028 and U+2029 (JavaScript line terminators);
// replaces each maximal invalid UTF-8 subsequence with U+FFFD.
// Examples: `a"b` -> `"a\"b"`; "\x01" -> `"\u0001"`; "\xff" -> "\"\xEF\xBF\xBD\"".
void append_json_string(std::string& out, std::string_view s);

// `2026-11-22T10:00:00.123Z` (UTC, milliseconds), appended to `out`.
void append_timestamp(std::string& out, TimePoint t);
std::string format_timestamp(TimePoint t);

// Parses `YYYY-MM-DDTHH:MM:SS[.fff...](Z|+hh:mm|-hh:mm)` (RFC 3339; `t` or
// space accepted as separator, `z` as Z). nullopt if malformed.
std::optional<TimePoint> parse_audit_time(std::string_view s);

// Drops the query string (and any fragment) of a URL: `http://a/b?q=1` -> `http://a/b`.
void redact_query(std::string& url);

}  // namespace gh
