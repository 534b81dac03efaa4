#include "audit/svg_chart.hpp"

#include <algorithm>
#include <cstdio>

#include "audit/html_text.hpp"
#include "audit/local_days.hpp"

namespace gh {
using html::append_html_escaped;
using html::group_digits;
using html::shorten;

namespace {

constexpr const char* kAxis = "#5b6573";
constexpr const char* kGrid = "#e3e7ec";
constexpr const char* kFont = "font-family=\"inherit\"";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

void open_svg(std::string& out, int w, int h, const std::string& title) {
  // No xmlns: the HTML parser puts inline <svg> in the SVG namespace, and the
  // document then names no URL at all.
  out += "<svg role=\"img\" viewBox=\"0 0 ";
  out += std::to_string(w) + " " + std::to_string(h) + "\" width=\"" + std::to_string(w) +
         "\" height=\"" + std::to_string(h) + "\" " + kFont + " font-size=\"12\"><title>";
  append_html_escaped(out, title);
  out += "</title>";
}

void text(std::string& out, double x, double y, const std::string& s, const char* anchor,
          const char* extra = "") {
  out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">";
  append_html_escaped(out, s);
  out += "</text>";
}

void rect(std::string& out, double x, double y, double w, double h, const std::string& fill,
          const std::string& tip) {
  out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
         num(h) + "\" fill=\"";
  append_html_escaped(out, fill);
  out += "\"><title>";
  append_html_escaped(out, tip);
  out += "</title></rect>";
}

void line(std::string& out, double x1, double y1, double x2, double y2, const char* stroke,
          const char* extra = "") {
  out += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" stroke=\"" + stroke + "\"" + extra + "/>";
}

// Rough width of a label at 12px, for deciding whether a number fits inside a bar.
double text_width(const std::string& s) { return 7.0 * static_cast<double>(s.size()); }

}  // namespace

std::int64_t nice_step(std::int64_t max, int ticks) noexcept {
  if (max <= 0 || ticks <= 0) return 1;
  std::int64_t raw = (max + ticks - 1) / ticks;
  std::int64_t mag = 1;
  while (mag * 10 <= raw) mag *= 10;
  for (std::int64_t m : {1, 2, 5, 10}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

std::string svg_columns(const ColumnChart& c) {
  const double left = 56, right = 12, top = 22, bottom = 34;
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  const std::size_t n = c.labels.size();
  std::int64_t max = 0;
  for (const auto& bar : c.values) {
    std::int64_t t = 0;
    for (auto v : bar) t += v;
    max = std::max(max, t);
  }
  const std::int64_t step = nice_step(max, 5);
  const std::int64_t top_value = std::max<std::int64_t>(step, (max + step - 1) / step * step);
  auto y_of = [&](double v) { return top + ph - ph * v / static_cast<double>(top_value); };

  std::string out;
  open_svg(out, c.width, c.height, c.title);
  for (std::int64_t v = 0; v <= top_value; v += step) {
    line(out, left, y_of(v), left + pw, y_of(v), v == 0 ? kAxis : kGrid);
    text(out, left - 6, y_of(v) + 4, group_digits(v), "end", " fill=\"#5b6573\"");
  }
  if (n == 0) {
    text(out, left + pw / 2, top + ph / 2, "no attempts in this period", "middle",
         " fill=\"#5b6573\"");
    return out + "</svg>";
  }
  const double slot = pw / static_cast<double>(n);
  const double bw = std::max(1.0, slot * 0.72);
  // Show every k-th axis label so that labels never overlap.
  const std::size_t every =
      std::max<std::size_t>(1, static_cast<std::size_t>(52.0 / std::max(slot, 1.0)) + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = left + slot * static_cast<double>(i) + (slot - bw) / 2;
    double acc = 0;
    std::int64_t total = 0;
    const std::string& tip_head = i < c.tooltips.size() ? c.tooltips[i] : c.labels[i];
    for (std::size_t s = 0; s < c.series.size() && i < c.values.size(); ++s) {
      const std::int64_t v = s < c.values[i].size() ? c.values[i][s] : 0;
      if (v <= 0) continue;
      const double y0 = y_of(acc), y1 = y_of(acc + static_cast<double>(v));
      rect(out, x, y1, bw, y0 - y1, c.series[s].color,
           tip_head + " \xE2\x80\x94 " + c.series[s].name + ": " + group_digits(v));
      acc += static_cast<double>(v);
      total += v;
    }
    if (total > 0 && slot >= text_width(group_digits(total)) + 2)
      text(out, x + bw / 2, y_of(acc) - 4, group_digits(total), "middle",
           " font-size=\"11\" fill=\"#1f2933\"");
    if (i % every == 0)
      text(out, x + bw / 2, top + ph + 16, c.labels[i], "middle", " fill=\"#5b6573\"");
  }
  return out + "</svg>";
}

std::string svg_bars(const BarChart& c) {
  const double row_h = 26, bar_h = 18, top = 6, right = 70;
  const double left = c.label_width;
  const double pw = c.width - left - right;
  const int height = static_cast<int>(
      top * 2 + row_h * static_cast<double>(std::max<std::size_t>(c.rows.size(), 1)));
  std::int64_t max = 0;
  for (const auto& r : c.rows) {
    std::int64_t t = 0;
    for (auto v : r.values) t += v;
    max = std::max(max, t);
  }
  std::string out;
  open_svg(out, c.width, height, c.title);
  if (c.rows.empty()) {
    text(out, left, top + 17, "none in this period", "start", " fill=\"#5b6573\"");
    return out + "</svg>";
  }
  line(out, left, top, left, top + row_h * static_cast<double>(c.rows.size()), kAxis);
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const BarRow& r = c.rows[i];
    const double y = top + row_h * static_cast<double>(i) + (row_h - bar_h) / 2;
    std::string label = shorten(r.label, static_cast<std::size_t>((left - 12) / 7));
    out += "<g>";
    if (label != r.label) {
      // The whole label on hover; the table beside the chart has it too.
      out += "<title>";
      append_html_escaped(out, r.label);
      out += "</title>";
    }
    text(out, left - 8, y + 13, label, "end", " fill=\"#1f2933\"");
    out += "</g>";
    double x = left;
    std::int64_t total = 0;
    for (std::size_t s = 0; s < c.series.size() && s < r.values.size(); ++s) {
      const std::int64_t v = r.values[s];
      if (v <= 0) continue;
      const double w = max > 0 ? pw * static_cast<double>(v) / static_cast<double>(max) : 0;
      rect(out, x, y, std::max(w, 1.0), bar_h, c.series[s].color,
           r.label + " \xE2\x80\x94 " + c.series[s].name + ": " + group_digits(v));
      const std::string n = group_digits(v);
      if (w >= text_width(n) + 8)
        text(out, x + w / 2, y + 13, n, "middle", " font-size=\"11\" fill=\"#ffffff\"");
      x += w;
      total += v;
    }
    text(out, x + 6, y + 13, group_digits(total), "start", " font-weight=\"600\" fill=\"#1f2933\"");
  }
  return out + "</svg>";
}

std::string svg_timeline(const TimelineChart& c) {
  const double row_h = 26, bar_h = 16, top = 24, bottom = 22, right = 170;
  const double left = c.label_width;
  const double pw = c.width - left - right;
  const int height = static_cast<int>(
      top + bottom + row_h * static_cast<double>(std::max<std::size_t>(c.rows.size(), 1)));
  std::string out;
  open_svg(out, c.width, height, c.title);
  if (c.rows.empty()) {
    text(out, left, top + 17, "no approvals", "start", " fill=\"#5b6573\"");
    return out + "</svg>";
  }
  std::int64_t lo = c.today, hi = c.today;
  for (const auto& r : c.rows) {
    lo = std::min(lo, r.first_day);
    hi = std::max(hi, r.last_day + 1);
  }
  // Whole months on the axis, with room on both sides.
  CivilDay a = civil_from_day(lo);
  a.day = 1;
  lo = day_from_civil(a);
  if (hi - lo < 31) hi = lo + 31;
  auto x_of = [&](std::int64_t d) {
    return left + pw * static_cast<double>(d - lo) / static_cast<double>(hi - lo);
  };
  const double bottom_y = top + row_h * static_cast<double>(c.rows.size());
  // Month ticks: every month for short spans, fewer for long ones.
  const std::int64_t months = (hi - lo) / 30 + 1;
  const std::int64_t every = months <= 8    ? 1
                             : months <= 16 ? 2
                             : months <= 36 ? 3
                             : months <= 72 ? 6
                                            : 12;
  CivilDay m = civil_from_day(lo);
  for (std::int64_t k = 0;; ++k) {
    const std::int64_t d = day_from_civil(m);
    if (d > hi) break;
    if (k % every == 0) {
      line(out, x_of(d), top - 4, x_of(d), bottom_y, kGrid);
      text(out, x_of(d) + 2, top - 8, format_day(d).substr(0, 7), "start",
           " font-size=\"11\" fill=\"#5b6573\"");
    }
    if (++m.month > 12) {
      m.month = 1;
      ++m.year;
    }
  }
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const TimelineRow& r = c.rows[i];
    const double y = top + row_h * static_cast<double>(i) + (row_h - bar_h) / 2;
    text(out, left - 8, y + 12, shorten(r.label, static_cast<std::size_t>((left - 12) / 7)), "end",
         " fill=\"#1f2933\"");
    const double x0 = x_of(r.first_day), x1 = x_of(r.last_day + 1);
    rect(out, x0, y, std::max(x1 - x0, 2.0), bar_h, r.color,
         r.label + ": " + format_day(r.first_day) + " to " + format_day(r.last_day));
    text(out, x1 + 6, y + 12, r.note, "start", " fill=\"#1f2933\"");
  }
  const double tx = x_of(c.today);
  line(out, tx, top - 4, tx, bottom_y, "#1f2933", " stroke-dasharray=\"4 3\"");
  text(out, tx, bottom_y + 15, "today", "middle", " font-size=\"11\" fill=\"#1f2933\"");
  return out + "</svg>";
}

}  // namespace gh
