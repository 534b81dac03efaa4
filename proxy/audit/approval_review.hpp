// The approvals review of README "gatehouse audit report": where each approval stands at a given
// time. Pure: no clock, no I/O; the caller passes the time.
//
// Examples (approval granted 2026-04-01, expires 2027-03-31, zone UTC):
//   at 2026-03-31T23:59:59Z -> not-yet-valid
//   at 2026-04-01T00:00:00Z -> active
//   at 2027-03-18T00:00:00Z -> expiring   (14 days or less before the end of 2027-03-31)
//   at 2027-04-01T00:00:00Z -> expired
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/rule_set.hpp"

namespace gh {

enum class ApprovalState : std::uint8_t { active, expiring, expired, not_yet_valid };

// Same threshold as `check`'s "expiring within 14 days" warning.
inline constexpr std::chrono::hours kExpiringWithin{24 * 14};

std::string_view to_string(ApprovalState s) noexcept;  // "active", …, "not-yet-valid"
ApprovalState approval_state(const Approval& a, TimePoint at) noexcept;

// The approval's scope in selector syntax (README "Main config"): "app:whatsapp-web",
// "category:public-cloud-storage", or the domain as written in rule syntax
// (".example.com" covers subdomains).
std::string approval_scope(const RuleSet& rules, const Approval& a);

}  // namespace gh
