#include "policy/types.hpp"

#include <array>

namespace gh {
namespace {

constexpr std::array<std::string_view, 3> kActions{"allow", "block", "deny"};
constexpr std::array<std::string_view, kReasonCount> kReasons{"uncategorized",
                                                              "category-allowed",
                                                              "approved",
                                                              "monitored",
                                                              "category-blocked",
                                                              "sni-mismatch",
                                                              "ech",
                                                              "no-sni",
                                                              "client-not-allowed",
                                                              "port-not-allowed",
                                                              "private-destination",
                                                              "bad-request",
                                                              "header-too-large",
                                                              "header-timeout",
                                                              "client-limit",
                                                              "overloaded",
                                                              "upstream-refused",
                                                              "upstream-timeout",
                                                              "upstream-unresolvable",
                                                              "bad-client-hello",
                                                              "client-hello-timeout",
                                                              "non-tls-tunnel",
                                                              "loop-detected",
                                                              "auth-required",
                                                              "auth-failed",
                                                              "auth-throttled",
                                                              "auth-unavailable",
                                                              "upstream-cert-invalid",
                                                              "tls-handshake-failed"};
static_assert(kReasons.size() == kReasonCount, "every Reason needs its name here");
constexpr std::array<std::string_view, 3> kVerdicts{"allow", "monitor", "block"};
constexpr std::array<std::string_view, 3> kModes{"forward", "transparent-tls", "transparent-http"};

template <typename E, std::size_t N>
bool parse_in(const std::array<std::string_view, N>& names, std::string_view s, E& out) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) {
      out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view to_string(Action a) noexcept { return kActions[static_cast<std::size_t>(a)]; }
std::string_view to_string(Reason r) noexcept { return kReasons[static_cast<std::size_t>(r)]; }
std::string_view to_string(Verdict v) noexcept { return kVerdicts[static_cast<std::size_t>(v)]; }
std::string_view to_string(Mode m) noexcept { return kModes[static_cast<std::size_t>(m)]; }

bool parse_action(std::string_view s, Action& out) noexcept { return parse_in(kActions, s, out); }
bool parse_reason(std::string_view s, Reason& out) noexcept { return parse_in(kReasons, s, out); }
bool parse_verdict(std::string_view s, Verdict& out) noexcept {
  return parse_in(kVerdicts, s, out);
}
bool parse_mode(std::string_view s, Mode& out) noexcept { return parse_in(kModes, s, out); }

}  // namespace gh
