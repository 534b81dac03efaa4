#include "audit/approval_review.hpp"

namespace gh {

std::string_view to_string(ApprovalState s) noexcept {
  switch (s) {
    case ApprovalState::active:
      return "active";
    case ApprovalState::expiring:
      return "expiring";
    case ApprovalState::expired:
      return "expired";
    case ApprovalState::not_yet_valid:
      return "not-yet-valid";
  }
  return "?";
}

ApprovalState approval_state(const Approval& a, TimePoint at) noexcept {
  if (at < a.valid_from) return ApprovalState::not_yet_valid;
  if (at >= a.valid_until) return ApprovalState::expired;
  if (a.valid_until - at <= kExpiringWithin) return ApprovalState::expiring;
  return ApprovalState::active;
}

std::string approval_scope(const RuleSet& rules, const Approval& a) {
  switch (a.scope) {
    case ApprovalScope::app:
      return "app:" + (a.target < rules.apps.size() ? rules.apps[a.target].id : std::string("?"));
    case ApprovalScope::category:
      return "category:" + (a.target < rules.categories.size() ? rules.categories[a.target].id
                                                               : std::string("?"));
    case ApprovalScope::domain:
      return (a.domain_suffix ? "." : "") + a.domain;
  }
  return "?";
}

}  // namespace gh
