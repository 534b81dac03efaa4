// The traffic sections of the HTML report: attempts over time, outcomes by
// department, top apps per department, top clients and users, and the
// grouped table that the other formats print.
#include <algorithm>

#include "audit/html_text.hpp"
#include "audit/report_bins.hpp"
#include "audit/report_html_parts.hpp"

namespace gh::html {
namespace {

constexpr std::size_t kMaxCategorySeries = 9;  // the rest is one "other categories" series
constexpr std::size_t kTopApps = 8;
constexpr std::size_t kMaxDepartments = 20;
constexpr std::size_t kTopPeople = 15;
constexpr std::size_t kMaxGroupRows = 500;
constexpr std::size_t kLongTable = 16;  // rows past which the table goes below the chart

const char* const kPalette[kMaxCategorySeries] = {"#2563eb", "#db2777", "#0d9488",
                                                  "#7c3aed", "#ea580c", "#65a30d",
                                                  "#0891b2", "#a16207", "#be123c"};
constexpr const char* kOtherColor = "#6b7280";

std::string n(std::int64_t v) { return group_digits(v); }

std::vector<std::string> count_cells(const AttemptCounts& c) {
  auto v = outcome_values(c);
  return {n(v[0]), n(v[1]), n(v[2]), n(v[3]), n(c.total)};
}

const std::vector<std::string>& outcome_header() {
  static const std::vector<std::string> h = {"blocked", "monitored", "approved", "other", "total"};
  return h;
}

std::string heading(const char* id, const std::string& title, const std::string& intro) {
  std::string out = "<section id=\"";
  out += id;
  out += "\"><h2>";
  append_html_escaped(out, title);
  out += "</h2>";
  if (!intro.empty()) {
    out += "<p class=\"intro\">";
    append_html_escaped(out, intro);
    out += "</p>";
  }
  return out;
}

template <typename Key>
std::vector<std::pair<Key, AttemptCounts>> by_total(const std::map<Key, AttemptCounts>& m) {
  std::vector<std::pair<Key, AttemptCounts>> v;
  for (const auto& [k, c] : m) {
    if (c.total > 0) v.emplace_back(k, c);
  }
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second.total > b.second.total; });
  return v;
}

// Beside the chart, or below it when the table is long (a tall table beside a
// short chart leaves half a page empty).
std::string figure_for(const std::string& svg, const std::string& legend, const Table& t,
                       bool stack = false) {
  std::string f = figure(svg, legend, table_html(t));
  if (stack || t.rows.size() > kLongTable)
    f.insert(std::string_view("<div class=\"figure").size(), " stack");
  return f;
}

}  // namespace

std::string section_over_time(const ReportOverview& o, const Names& names) {
  const auto& days = o.categories_by_day();
  std::map<std::string, std::int64_t> per_category;
  for (const auto& [day, cats] : days) {
    for (const auto& [cat, v] : cats) per_category[cat] += v;
  }
  std::vector<std::pair<std::string, std::int64_t>> cats;
  for (const auto& [cat, v] : per_category) {
    if (v > 0) cats.emplace_back(cat, v);
  }
  std::stable_sort(cats.begin(), cats.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (cats.empty()) {
    return heading("over-time", "Attempts to controlled services over time", "") +
           "<p class=\"empty\">No attempts to an app or domain of a category in this "
           "period.</p></section>";
  }
  const std::int64_t first = days.begin()->first, last = days.rbegin()->first;
  const BinWidth width = choose_bin_width(first, last);
  const auto bins = bin_days(days, first, last, width);

  // Series: the largest categories, then one series for the rest.
  std::vector<SvgSeries> series;
  std::map<std::string, std::size_t> slot;
  for (std::size_t i = 0; i < cats.size() && i < kMaxCategorySeries; ++i) {
    slot[cats[i].first] = i;
    series.push_back({names.category(cats[i].first), kPalette[i]});
  }
  const bool other = cats.size() > kMaxCategorySeries;
  if (other) series.push_back({"other categories", kOtherColor});

  ColumnChart chart;
  chart.title = "Attempts to controlled services per " + std::string(to_string(width)) +
                ", stacked by category";
  chart.series = series;
  Table t;
  t.header.push_back(width == BinWidth::day ? "day" : width == BinWidth::week ? "week" : "month");
  t.nowrap = {0};
  for (const auto& s : series) t.header.push_back(s.name);
  t.header.push_back("total");
  std::vector<std::int64_t> column_totals(series.size(), 0);
  std::int64_t grand = 0;
  for (const auto& b : bins) {
    std::vector<std::int64_t> v(series.size(), 0);
    for (const auto& [cat, count] : b.counts) {
      auto it = slot.find(cat);
      v[it != slot.end() ? it->second : series.size() - 1] += count;
    }
    chart.labels.push_back(b.axis_label);
    chart.tooltips.push_back(b.partial ? b.label + " (only part of it in the log)" : b.label);
    std::vector<std::string> row{b.partial ? b.label + " (part)" : b.label};
    for (std::size_t i = 0; i < v.size(); ++i) {
      row.push_back(n(v[i]));
      column_totals[i] += v[i];
    }
    row.push_back(n(b.total));
    grand += b.total;
    chart.values.push_back(std::move(v));
    t.rows.push_back(std::move(row));
  }
  t.footer.push_back("TOTAL");
  for (auto v : column_totals) t.footer.push_back(n(v));
  t.footer.push_back(n(grand));

  const char* per = width == BinWidth::day    ? "One bar per day"
                    : width == BinWidth::week ? "One bar per week (Monday to Sunday)"
                                              : "One bar per month";
  const bool partial =
      std::any_of(bins.begin(), bins.end(), [](const TimeBin& b) { return b.partial; });
  std::string out = heading(
      "over-time",
      "Attempts to controlled services, by " + std::string(to_string(width)) + " and category",
      "Every request or tunnel to an app or domain of a category, whatever the outcome. " +
          std::string(per) + ", days in " + o.zone().zone() + "." +
          (partial ? " \u201C(part)\u201D: the log covers only part of that " +
                         std::string(to_string(width)) + "."
                   : ""));
  out += figure_for(svg_columns(chart), legend_html(series), t, true);
  return out + "</section>";
}

std::string section_outcomes(const ReportOverview& o, const Names& names) {
  BarChart chart;
  chart.title = "Attempts by department: blocked, monitored, approved and other outcomes";
  chart.series = outcome_series();
  Table t;
  t.header = {"department"};
  t.header.insert(t.header.end(), outcome_header().begin(), outcome_header().end());
  AttemptCounts total;
  for (const auto& [dept, c] : by_total(o.departments())) {
    chart.rows.push_back({names.department_short(dept), outcome_values(c)});
    auto row = count_cells(c);
    row.insert(row.begin(), names.department(dept));
    t.rows.push_back(std::move(row));
    total += c;
  }
  t.footer = count_cells(total);
  t.footer.insert(t.footer.begin(), "TOTAL");
  std::string out =
      heading("outcomes", "Monitored, blocked and approved, by department",
              "Every decision the proxy recorded. Blocked: policy said no. Monitored: allowed and "
              "recorded. Approved: allowed by a head of department's approval. Other: allowed "
              "uncategorised or allowed categories, and refusals for other causes.");
  out += figure_for(svg_bars(chart), legend_html(chart.series), t);
  return out + "</section>";
}

std::string section_apps(const ReportOverview& o, const Names& names) {
  std::vector<std::pair<std::optional<std::string>, AttemptCounts>> depts;
  for (const auto& [dept, apps] : o.apps_by_department()) {
    AttemptCounts sum;
    for (const auto& [app, c] : apps) sum += c;
    if (sum.total > 0) depts.emplace_back(dept, sum);
  }
  std::stable_sort(depts.begin(), depts.end(),
                   [](const auto& a, const auto& b) { return a.second.total > b.second.total; });
  std::string out = heading("apps", "Top apps per department",
                            "The apps attempted most in each department, with their outcomes.");
  if (depts.empty()) return out + "<p class=\"empty\">No attempts to a known app.</p></section>";
  for (std::size_t d = 0; d < depts.size() && d < kMaxDepartments; ++d) {
    const auto& dept = depts[d].first;
    const auto apps = by_total(o.apps_by_department().at(dept));
    BarChart chart;
    chart.title = "Top apps in " + names.department(dept);
    chart.series = outcome_series();
    Table t;
    t.header = {"app"};
    t.header.insert(t.header.end(), outcome_header().begin(), outcome_header().end());
    AttemptCounts rest;
    std::size_t rest_n = 0;
    for (std::size_t i = 0; i < apps.size(); ++i) {
      if (i >= kTopApps) {
        rest += apps[i].second;
        ++rest_n;
        continue;
      }
      // Titles for the reader; the ids are in the last section's table.
      const std::string label = names.app(apps[i].first);
      chart.rows.push_back({label, outcome_values(apps[i].second)});
      auto row = count_cells(apps[i].second);
      row.insert(row.begin(), label);
      t.rows.push_back(std::move(row));
    }
    if (rest_n > 0) {
      auto row = count_cells(rest);
      row.insert(row.begin(), std::to_string(rest_n) + " more apps");
      t.rows.push_back(std::move(row));
    }
    t.footer = count_cells(depts[d].second);
    t.footer.insert(t.footer.begin(), "TOTAL");
    out += "<h3>";
    append_html_escaped(out, names.department(dept));
    out += "</h3>";
    out += figure_for(svg_bars(chart), d == 0 ? legend_html(chart.series) : "", t);
  }
  if (depts.size() > kMaxDepartments) {
    out += "<p class=\"note\">" + std::to_string(depts.size() - kMaxDepartments) +
           " more departments: use <code>--format csv --by department,app</code>.</p>";
  }
  return out + "</section>";
}

namespace {

std::string people(const char* id, const std::string& title, const std::string& intro,
                   const char* column, const std::map<std::string, AttemptCounts>& m) {
  const auto ranked = by_total(m);
  BarChart chart;
  chart.title = title;
  chart.series = outcome_series();
  Table t;
  t.header = {column};
  t.header.insert(t.header.end(), outcome_header().begin(), outcome_header().end());
  AttemptCounts total;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    total += ranked[i].second;
    if (i >= kTopPeople) continue;
    chart.rows.push_back({ranked[i].first, outcome_values(ranked[i].second)});
    auto row = count_cells(ranked[i].second);
    row.insert(row.begin(), ranked[i].first);
    t.rows.push_back(std::move(row));
  }
  if (ranked.size() > kTopPeople) {
    AttemptCounts rest = total;
    for (std::size_t i = 0; i < kTopPeople; ++i) rest -= ranked[i].second;
    auto row = count_cells(rest);
    row.insert(row.begin(), std::to_string(ranked.size() - kTopPeople) + " more");
    t.rows.push_back(std::move(row));
  }
  t.footer = count_cells(total);
  t.footer.insert(t.footer.begin(), "TOTAL");
  std::string out = heading(id, title, intro);
  if (ranked.empty()) return out + "<p class=\"empty\">None in this period.</p></section>";
  out += figure_for(svg_bars(chart), legend_html(chart.series), t);
  return out + "</section>";
}

}  // namespace

std::string section_people(const ReportOverview& o) {
  std::string out = people(
      "clients", "Top clients",
      "Client addresses with the most attempts to controlled services (address without port).",
      "client", o.clients());
  if (!o.users().empty()) {
    out += people("users", "Top users",
                  "Authenticated users with the most attempts to controlled services.", "user",
                  o.users());
  }
  return out;
}

std::string section_groups(const AttemptReport& r) {
  std::string title = "All attempts by";
  for (std::size_t i = 0; i < r.by().size(); ++i)
    title += (i ? ", " : " ") + std::string(to_string(r.by()[i]));
  Table t;
  for (ReportKey k : r.by()) t.header.emplace_back(to_string(k));
  t.first_number = t.header.size();
  for (const char* h : {"blocked", "monitored", "approved", "total"}) t.header.emplace_back(h);
  std::size_t shown = 0, rows = 0;
  for (const auto& [key, c] : r.groups()) {
    if (c.total == 0) continue;
    ++rows;
    if (shown >= kMaxGroupRows) continue;
    ++shown;
    std::vector<std::string> row;
    for (const auto& v : key) row.push_back(v.value_or("-"));
    for (auto x : {c.blocked, c.monitored, c.approved, c.total}) row.push_back(n(x));
    t.rows.push_back(std::move(row));
  }
  AttemptCounts tot = r.totals();
  t.footer.assign(r.by().size(), "");
  if (!t.footer.empty()) t.footer[0] = "TOTAL";
  for (auto x : {tot.blocked, tot.monitored, tot.approved, tot.total}) t.footer.push_back(n(x));
  std::string out = heading("groups", title,
                            "The figures of --format table, csv and json for the same files and "
                            "window; a missing value shows as \xE2\x80\x9C-\xE2\x80\x9D.");
  out += "<div class=\"wide\">" + table_html(t) + "</div>";
  if (rows > shown) {
    out += "<p class=\"note\">" + std::to_string(rows - shown) +
           " more rows: use <code>--format csv</code> for all of them.</p>";
  }
  return out + "</section>";
}

}  // namespace gh::html
