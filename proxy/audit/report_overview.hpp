// The figures behind the HTML report's charts (README "gatehouse audit report"), filled by
// AttemptReport in the same streaming pass as its groups. Memory grows with
// the number of days, departments, apps, clients, users and approvals seen,
// never with the number of records.
//
// add(a, -1) undoes add(a, +1): a CONNECT's authority record is replaced by
// its SNI record (see report.hpp), everywhere at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "audit/local_days.hpp"
#include "audit/report.hpp"

namespace gh {

struct ApprovalUse {
  std::int64_t uses = 0;          // attempts allowed by this approval
  std::optional<TimePoint> last;  // latest record that named it
};

class ReportOverview {
 public:
  using MaybeName = std::optional<std::string>;  // nullopt = null in the record

  explicit ReportOverview(const std::string& zone) : zone_(zone) {}

  void add(const Attempt& a, int sign);

  // Local day -> category -> attempts; only attempts with a category (the
  // controlled services), whatever their outcome.
  const std::map<std::int64_t, std::map<std::string, std::int64_t>>& categories_by_day() const {
    return by_day_;
  }
  // Department -> app -> counts; only attempts with an app.
  const std::map<MaybeName, std::map<std::string, AttemptCounts>>& apps_by_department() const {
    return apps_;
  }
  // Every attempt, by department (the outcome chart; equals `--by department`).
  const std::map<MaybeName, AttemptCounts>& departments() const { return departments_; }
  // Client address (no port) and user -> counts; only attempts with a category.
  const std::map<std::string, AttemptCounts>& clients() const { return clients_; }
  const std::map<std::string, AttemptCounts>& users() const { return users_; }
  const std::map<std::string, ApprovalUse>& approvals() const { return approvals_; }

  std::optional<TimePoint> first() const { return first_; }
  std::optional<TimePoint> last() const { return last_; }
  const ZoneDays& zone() const { return zone_; }

 private:
  ZoneDays zone_;
  std::map<std::int64_t, std::map<std::string, std::int64_t>> by_day_;
  std::map<MaybeName, std::map<std::string, AttemptCounts>> apps_;
  std::map<MaybeName, AttemptCounts> departments_;
  std::map<std::string, AttemptCounts> clients_, users_;
  std::map<std::string, ApprovalUse> approvals_;
  std::optional<TimePoint> first_, last_;
};

}  // namespace gh
