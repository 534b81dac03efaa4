// Inline SVG charts for the HTML report: plain shapes and text, no script,
// no external reference, every label escaped (html_text.hpp). Each chart
// carries a <title> for screen readers and a <title> per shape for hover;
// the numbers are also drawn as text so a printed page reads without colour.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gh {

struct SvgSeries {
  std::string name;
  std::string color;  // a CSS colour chosen by the caller, never from a log
};

// Vertical bars, one per x label, each a stack of series values.
struct ColumnChart {
  std::string title;
  std::vector<std::string> labels;                // x axis, one per bar
  std::vector<std::string> tooltips;              // per bar (e.g. the full date); may be empty
  std::vector<std::vector<std::int64_t>> values;  // [bar][series]
  std::vector<SvgSeries> series;
  int width = 1120, height = 320;  // drawn at about its size across the page
};
std::string svg_columns(const ColumnChart& c);

// Horizontal bars, one per row, each a stack of series values, with the
// row's total written after the bar.
struct BarRow {
  std::string label;
  std::vector<std::int64_t> values;  // per series
};
struct BarChart {
  std::string title;
  std::vector<BarRow> rows;
  std::vector<SvgSeries> series;
  int width = 560;  // drawn at about its size beside its table
  int label_width = 180;
};
std::string svg_bars(const BarChart& c);

// Validity windows on a day axis with a "today" line: one row per item.
struct TimelineRow {
  std::string label;
  std::int64_t first_day = 0, last_day = 0;  // inclusive
  std::string color;
  std::string note;  // written after the bar, e.g. "42 uses"
};
struct TimelineChart {
  std::string title;
  std::vector<TimelineRow> rows;
  std::int64_t today = 0;
  int width = 1120;
  int label_width = 150;
};
std::string svg_timeline(const TimelineChart& c);

// Axis helper: a round step so that 0..max shows at most `ticks` steps.
// Examples: nice_step(7, 5) -> 2; nice_step(1234, 5) -> 500; nice_step(0, 5) -> 1.
std::int64_t nice_step(std::int64_t max, int ticks) noexcept;

}  // namespace gh
