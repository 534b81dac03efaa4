// Shared building blocks of the HTML report: names, tables, figures.
#include <algorithm>

#include "audit/html_text.hpp"
#include "audit/report_html_parts.hpp"

namespace gh::html {

const std::vector<SvgSeries>& outcome_series() {
  static const std::vector<SvgSeries> s = {
      {"blocked", "#b42318"},
      {"monitored", "#d97706"},
      {"approved", "#15803d"},
      {"other outcomes", "#94a3b8"},
  };
  return s;
}

std::vector<std::int64_t> outcome_values(const AttemptCounts& c) {
  return {c.blocked, c.monitored, c.approved, c.total - c.blocked - c.monitored - c.approved};
}

std::string Names::department(const std::optional<std::string>& id) const {
  if (!id) return "no department";
  if (rules_) {
    auto i = rules_->department_index(*id);
    if (i != kNone && !rules_->departments[i].name.empty())
      return rules_->departments[i].name + " (" + *id + ")";
  }
  return *id;
}

std::string Names::department_short(const std::optional<std::string>& id) const {
  if (!id) return "no department";
  if (rules_) {
    auto i = rules_->department_index(*id);
    if (i != kNone && !rules_->departments[i].name.empty()) return rules_->departments[i].name;
  }
  return *id;
}

std::string Names::app(const std::string& id) const {
  if (rules_) {
    auto i = rules_->app_index(id);
    if (i != kNone && !rules_->apps[i].title.empty()) return rules_->apps[i].title;
  }
  return id;
}

std::string Names::category(const std::string& id) const {
  if (rules_) {
    auto i = rules_->category_index(id);
    if (i != kNone && !rules_->categories[i].title.empty()) return rules_->categories[i].title;
  }
  return id;
}

std::string table_html(const Table& t) {
  std::string out = "<table>";
  if (!t.caption.empty()) {
    out += "<caption>";
    append_html_escaped(out, t.caption);
    out += "</caption>";
  }
  auto row = [&](const std::vector<std::string>& cells, const char* tag, bool strong) {
    out += strong ? "<tr class=\"total\">" : "<tr>";
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += "<";
      out += tag;
      if (i >= t.first_number)
        out += " class=\"n\"";
      else if (std::find(t.nowrap.begin(), t.nowrap.end(), i) != t.nowrap.end())
        out += " class=\"k\"";
      if (std::string_view(tag) == "th") out += " scope=\"col\"";
      out += ">";
      append_html_escaped(out, cells[i]);
      out += "</";
      out += tag;
      out += ">";
    }
    out += "</tr>";
  };
  out += "<thead>";
  row(t.header, "th", false);
  out += "</thead><tbody>";
  for (const auto& r : t.rows) row(r, "td", false);
  out += "</tbody>";
  if (!t.footer.empty()) {
    out += "<tfoot>";
    row(t.footer, "td", true);
    out += "</tfoot>";
  }
  return out + "</table>";
}

std::string figure(const std::string& svg, const std::string& legend, const std::string& table) {
  return "<div class=\"figure\"><div class=\"chart\">" + svg + legend +
         "</div><div class=\"numbers\">" + table + "</div></div>";
}

std::string legend_html(const std::vector<SvgSeries>& series) {
  std::string out = "<ul class=\"legend\">";
  for (const auto& s : series) {
    out += "<li><span class=\"swatch\" style=\"background:";
    append_html_escaped(out, s.color);
    out += "\"></span>";
    append_html_escaped(out, s.name);
    out += "</li>";
  }
  return out + "</ul>";
}

}  // namespace gh::html
