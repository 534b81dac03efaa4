// `gatehouse audit report`: the shadow-IT report a department head reads.
// Counts attempts (decision records) per group in a time window, streaming:
// memory grows with the number of groups, not with the log.
//
// One attempt per request or tunnel: a CONNECT makes two decision records
// (README "The audit log": authority, then SNI); the SNI record replaces the authority
// record of the same client address, so a tunnel counts once, with its final
// outcome.
//
// The same pass feeds every format: the table, CSV and JSON read groups();
// the HTML report (report_html.hpp) also reads the ReportOverview that
// enable_overview() turns on.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/types.hpp"

namespace gh {

enum class ReportKey : std::uint8_t { department, app, client, user };
bool parse_report_key(std::string_view s, ReportKey& out) noexcept;
std::string_view to_string(ReportKey k) noexcept;

struct AttemptCounts {
  std::int64_t blocked = 0;    // action block
  std::int64_t monitored = 0;  // reason monitored
  std::int64_t approved = 0;   // reason approved
  std::int64_t total = 0;      // every attempt, whatever the outcome
  AttemptCounts& operator+=(const AttemptCounts& o);
  AttemptCounts& operator-=(const AttemptCounts& o);
};

// One decision record, reduced to what the report counts.
struct Attempt {
  TimePoint ts;
  std::string client;  // as recorded, "10.20.5.7:51234"; empty if missing
  std::optional<std::string> department, user, category, app, approval;
  Action action = Action::allow;
  Reason reason = Reason::uncategorized;
  AttemptCounts counts() const;
  std::optional<std::string> client_address() const;  // without the port
};

class ReportOverview;

struct ReportWindow {
  std::optional<TimePoint> since;  // inclusive
  std::optional<TimePoint> until;  // exclusive
};

// `2026-11-22` (UTC midnight) or RFC 3339. For --until a bare date means the
// end of that day (`end_of_day`).
std::optional<TimePoint> parse_report_time(std::string_view s, bool end_of_day);

class AttemptReport {
 public:
  using GroupKey = std::vector<std::optional<std::string>>;

  AttemptReport(std::vector<ReportKey> by, ReportWindow window);
  ~AttemptReport();
  AttemptReport(AttemptReport&&) noexcept;
  AttemptReport& operator=(AttemptReport&&) noexcept;

  // Also keep the per-day, per-app, per-client and per-approval figures of
  // the HTML report, with days in `zone` (IANA name; "UTC" without config).
  void enable_overview(const std::string& zone);
  const ReportOverview* overview() const noexcept { return overview_.get(); }

  // One raw audit line; lines that are not records are counted and skipped.
  void add_line(std::string_view line);

  const std::map<GroupKey, AttemptCounts>& groups() const noexcept { return groups_; }
  AttemptCounts totals() const;
  const std::vector<ReportKey>& by() const noexcept { return by_; }
  const ReportWindow& window() const noexcept { return window_; }
  std::uint64_t skipped_lines() const noexcept { return skipped_; }
  std::uint64_t decision_records() const noexcept { return decisions_; }

  std::string table() const;
  std::string csv() const;
  std::string json() const;

 private:
  void count(const Attempt& a, int sign);
  void forget_old_tunnels();

  std::vector<ReportKey> by_;
  ReportWindow window_;
  std::map<GroupKey, AttemptCounts> groups_;
  // Allowed CONNECTs whose SNI record may still come, by client address.
  std::unordered_map<std::string, Attempt> open_tunnels_;
  std::deque<std::string> tunnel_order_;  // bounds open_tunnels_
  std::uint64_t skipped_ = 0;
  std::uint64_t decisions_ = 0;
  std::unique_ptr<ReportOverview> overview_;
};

}  // namespace gh
