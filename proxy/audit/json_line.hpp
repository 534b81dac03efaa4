// Serialising a record as one JSON line and chaining it (README "The audit log"):
// hash = hex SHA-256 over prev (64 hex chars) + the line's bytes up to, not
// including, `,"prev":`.
#pragma once

#include <string>
#include <string_view>

#include "audit/record.hpp"

namespace gh {

// Appends the record without prev/hash and without the closing brace, e.g.
// `{"ts":"...","seq":1,...,"status":200` to `out`. Hostile strings are
// escaped; invalid UTF-8 is replaced with U+FFFD.
void encode_body(const AuditRecord& r, std::string& out);

// Completes a body into a full line with `,"prev":"..","hash":".."}\n`;
// returns the new hash.
std::string chain_line(std::string& body, std::string_view prev);

std::string sha256_hex(std::string_view a, std::string_view b);

inline constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace gh
