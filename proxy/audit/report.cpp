#include "audit/report.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "audit/json_text.hpp"
#include "audit/report_overview.hpp"

namespace gh {
namespace {

constexpr std::size_t kMaxOpenTunnels = 100'000;

std::optional<std::string> string_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "10.20.5.7:51234" -> "10.20.5.7"; "[2001:db8::1]:51234" -> "2001:db8::1".
std::string address_without_port(const std::string& client) {
  if (!client.empty() && client.front() == '[') {
    auto close = client.find(']');
    if (close != std::string::npos) return client.substr(1, close - 1);
  }
  auto colon = client.rfind(':');
  if (colon != std::string::npos && client.find(':') == colon) return client.substr(0, colon);
  return client;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

constexpr const char* kCountNames[] = {"blocked", "monitored", "approved", "total"};

std::int64_t count_at(const AttemptCounts& c, int i) {
  switch (i) {
    case 0:
      return c.blocked;
    case 1:
      return c.monitored;
    case 2:
      return c.approved;
    default:
      return c.total;
  }
}

}  // namespace

bool parse_report_key(std::string_view s, ReportKey& out) noexcept {
  if (s == "department")
    out = ReportKey::department;
  else if (s == "app")
    out = ReportKey::app;
  else if (s == "client")
    out = ReportKey::client;
  else if (s == "user")
    out = ReportKey::user;
  else
    return false;
  return true;
}

std::string_view to_string(ReportKey k) noexcept {
  switch (k) {
    case ReportKey::department:
      return "department";
    case ReportKey::app:
      return "app";
    case ReportKey::client:
      return "client";
    case ReportKey::user:
      return "user";
  }
  return "?";
}

AttemptCounts& AttemptCounts::operator+=(const AttemptCounts& o) {
  blocked += o.blocked;
  monitored += o.monitored;
  approved += o.approved;
  total += o.total;
  return *this;
}

AttemptCounts& AttemptCounts::operator-=(const AttemptCounts& o) {
  blocked -= o.blocked;
  monitored -= o.monitored;
  approved -= o.approved;
  total -= o.total;
  return *this;
}

std::optional<TimePoint> parse_report_time(std::string_view s, bool end_of_day) {
  if (s.size() == 10) {
    auto t = parse_audit_time(std::string(s) + "T00:00:00Z");
    if (t && end_of_day) *t += std::chrono::hours(24);
    return t;
  }
  return parse_audit_time(s);
}

AttemptCounts Attempt::counts() const {
  AttemptCounts c;
  c.total = 1;
  c.blocked = action == Action::block;
  c.monitored = reason == Reason::monitored;
  c.approved = reason == Reason::approved;
  return c;
}

std::optional<std::string> Attempt::client_address() const {
  if (client.empty()) return std::nullopt;
  return address_without_port(client);
}

AttemptReport::AttemptReport(std::vector<ReportKey> by, ReportWindow window)
    : by_(std::move(by)), window_(window) {}
AttemptReport::~AttemptReport() = default;
AttemptReport::AttemptReport(AttemptReport&&) noexcept = default;
AttemptReport& AttemptReport::operator=(AttemptReport&&) noexcept = default;

void AttemptReport::enable_overview(const std::string& zone) {
  overview_ = std::make_unique<ReportOverview>(zone);
}

void AttemptReport::forget_old_tunnels() {
  while (open_tunnels_.size() > kMaxOpenTunnels && !tunnel_order_.empty()) {
    open_tunnels_.erase(tunnel_order_.front());
    tunnel_order_.pop_front();
  }
  // The order list may hold names already settled; keep it bounded too.
  if (tunnel_order_.size() > 4 * kMaxOpenTunnels) {
    std::deque<std::string> live;
    for (auto& k : tunnel_order_) {
      if (open_tunnels_.count(k)) live.push_back(std::move(k));
    }
    tunnel_order_.swap(live);
  }
}

void AttemptReport::count(const Attempt& a, int sign) {
  GroupKey key;
  for (ReportKey k : by_) {
    switch (k) {
      case ReportKey::department:
        key.push_back(a.department);
        break;
      case ReportKey::app:
        key.push_back(a.app);
        break;
      case ReportKey::client:
        key.push_back(a.client_address());
        break;
      case ReportKey::user:
        key.push_back(a.user);
        break;
    }
  }
  AttemptCounts& g = groups_[key];
  if (sign > 0)
    g += a.counts();
  else
    g -= a.counts();
  if (overview_) overview_->add(a, sign);
}

void AttemptReport::add_line(std::string_view line) {
  auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    ++skipped_;
    return;
  }
  auto event = string_member(j, "event");
  Attempt a;
  a.client = string_member(j, "client").value_or("");
  if (event && *event == "close") {
    open_tunnels_.erase(a.client);  // the tunnel ended: no SNI record will come
    return;
  }
  auto ts_text = string_member(j, "ts");
  auto parsed = ts_text ? parse_audit_time(*ts_text) : std::nullopt;
  if (!event || *event != "decision" || !parsed ||
      !parse_action(string_member(j, "action").value_or(""), a.action) ||
      !parse_reason(string_member(j, "reason").value_or(""), a.reason)) {
    ++skipped_;
    return;
  }
  a.ts = *parsed;
  if ((window_.since && a.ts < *window_.since) || (window_.until && a.ts >= *window_.until)) return;
  ++decisions_;
  a.department = string_member(j, "department");
  a.user = string_member(j, "user");
  a.category = string_member(j, "category");
  a.app = string_member(j, "app");
  a.approval = string_member(j, "approval");

  bool is_connect = string_member(j, "method").value_or("") == "CONNECT";
  // A tunnel's second decision (on its first bytes) carries the SNI, or one
  // of the reasons that only a tunnel's first bytes give (docs/threat-model.md).
  const bool first_bytes =
      a.reason == Reason::bad_client_hello || a.reason == Reason::client_hello_timeout ||
      a.reason == Reason::non_tls_tunnel || a.reason == Reason::no_sni || a.reason == Reason::ech;
  bool has_sni = string_member(j, "sni").has_value() || first_bytes;
  if (is_connect && has_sni && !a.client.empty()) {
    auto it = open_tunnels_.find(a.client);
    if (it != open_tunnels_.end()) {
      // The tunnel's final decision replaces the one made on its authority.
      count(it->second, -1);
      open_tunnels_.erase(it);
    }
  }
  count(a, +1);
  if (is_connect && !has_sni && a.action == Action::allow && !a.client.empty()) {
    std::string client = a.client;
    if (open_tunnels_.insert_or_assign(client, std::move(a)).second)
      tunnel_order_.push_back(std::move(client));
    forget_old_tunnels();
  }
}

AttemptCounts AttemptReport::totals() const {
  AttemptCounts t;
  for (const auto& [k, c] : groups_) t += c;
  return t;
}

std::string AttemptReport::table() const {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (ReportKey k : by_) header.emplace_back(to_string(k));
  for (const char* n : kCountNames) header.emplace_back(n);
  rows.push_back(header);
  auto add = [&](std::vector<std::string> keys, const AttemptCounts& c) {
    for (int i = 0; i < 4; ++i) keys.push_back(std::to_string(count_at(c, i)));
    rows.push_back(std::move(keys));
  };
  for (const auto& [key, c] : groups_) {
    if (c.total == 0) continue;
    std::vector<std::string> keys;
    for (const auto& v : key) keys.push_back(v.value_or("-"));
    add(std::move(keys), c);
  }
  std::vector<std::string> total_keys(by_.size());
  if (!total_keys.empty()) total_keys[0] = "TOTAL";
  add(std::move(total_keys), totals());

  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      bool number = i >= by_.size();
      std::string pad(width[i] - r[i].size(), ' ');
      if (i > 0) line += "  ";
      line += number ? pad + r[i] : r[i] + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string AttemptReport::csv() const {
  std::string out;
  for (ReportKey k : by_) out += std::string(to_string(k)) + ",";
  out += "blocked,monitored,approved,total\r\n";
  for (const auto& [key, c] : groups_) {
    if (c.total == 0) continue;
    for (const auto& v : key) out += csv_field(v.value_or("")) + ",";
    for (int i = 0; i < 4; ++i) out += std::to_string(count_at(c, i)) + (i < 3 ? "," : "\r\n");
  }
  return out;
}

std::string AttemptReport::json() const {
  nlohmann::ordered_json j;
  j["since"] = window_.since ? nlohmann::ordered_json(format_timestamp(*window_.since)) : nullptr;
  j["until"] = window_.until ? nlohmann::ordered_json(format_timestamp(*window_.until)) : nullptr;
  j["by"] = nlohmann::ordered_json::array();
  for (ReportKey k : by_) j["by"].push_back(std::string(to_string(k)));
  j["rows"] = nlohmann::ordered_json::array();
  for (const auto& [key, c] : groups_) {
    if (c.total == 0) continue;
    nlohmann::ordered_json row;
    for (std::size_t i = 0; i < by_.size(); ++i) {
      row[std::string(to_string(by_[i]))] =
          key[i] ? nlohmann::ordered_json(*key[i]) : nlohmann::ordered_json(nullptr);
    }
    for (int i = 0; i < 4; ++i) row[kCountNames[i]] = count_at(c, i);
    j["rows"].push_back(std::move(row));
  }
  nlohmann::ordered_json t;
  AttemptCounts tot = totals();
  for (int i = 0; i < 4; ++i) t[kCountNames[i]] = count_at(tot, i);
  j["totals"] = t;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace gh
