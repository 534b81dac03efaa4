#include "audit/report_overview.hpp"

namespace gh {
namespace {

AttemptCounts scaled(AttemptCounts c, int sign) {
  if (sign < 0) {
    AttemptCounts zero;
    zero -= c;
    return zero;
  }
  return c;
}

}  // namespace

void ReportOverview::add(const Attempt& a, int sign) {
  const AttemptCounts c = scaled(a.counts(), sign);
  if (sign > 0) {
    if (!first_ || a.ts < *first_) first_ = a.ts;
    if (!last_ || a.ts > *last_) last_ = a.ts;
  }
  departments_[a.department] += c;
  if (a.category) by_day_[zone_.day_of(a.ts)][*a.category] += sign;
  if (a.app) apps_[a.department][*a.app] += c;
  if (a.category) {
    if (auto addr = a.client_address()) clients_[*addr] += c;
    if (a.user) users_[*a.user] += c;
  }
  if (a.approval && a.reason == Reason::approved) {
    ApprovalUse& u = approvals_[*a.approval];
    u.uses += sign;
    // The latest use stays even if this attempt is replaced: the replacing
    // SNI record of the same tunnel comes at the same moment or later.
    if (sign > 0 && (!u.last || a.ts > *u.last)) u.last = a.ts;
  }
}

}  // namespace gh
