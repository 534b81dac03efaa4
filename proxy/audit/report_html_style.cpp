// The report's stylesheet: system fonts only (no web fonts to fetch), a
// layout that puts each chart's numbers beside it on screen and keeps
// sections whole when printed on A4.
#include "audit/report_html_parts.hpp"

namespace gh::html {

std::string_view stylesheet() {
  return R"css(
:root{--ink:#1f2933;--muted:#5b6573;--line:#e3e7ec;--paper:#ffffff;--wash:#f5f7fa;--accent:#1d4ed8}
*{box-sizing:border-box}
html{background:var(--wash)}
body{margin:0;color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:32px 28px 48px;background:var(--paper)}
header{border-bottom:3px solid var(--ink);padding-bottom:18px;margin-bottom:22px}
.eyebrow{margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;font-size:12px}
h1{margin:4px 0 6px;font-size:30px;line-height:1.2}
.lead{margin:0 0 14px;color:var(--muted);font-size:15px;max-width:60em}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:6px 24px;margin:0}
.meta div{min-width:0}
.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.meta dd{margin:0;overflow-wrap:break-word}
.kpis{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:0 0 8px}
.kpi{border:1px solid var(--line);border-top:5px solid var(--muted);border-radius:6px;padding:10px 14px}
.kpi.controlled{border-top-color:var(--accent)}
.kpi.blocked{border-top-color:#b42318}
.kpi.monitored{border-top-color:#d97706}
.kpi.approved{border-top-color:#15803d}
.kpi-value{font-size:28px;font-weight:700;font-variant-numeric:tabular-nums}
.kpi-label{font-weight:600}
.kpi-note{color:var(--muted);font-size:12px}
section{margin-top:30px;break-inside:avoid-page}
h2{font-size:20px;margin:0 0 4px;padding-top:14px;border-top:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
.intro{margin:0 0 12px;color:var(--muted);max-width:70em}
.figure{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:32px;align-items:start}
.figure.stack{grid-template-columns:minmax(0,1fr)}
.figure.stack .numbers table,.wide table{width:auto;min-width:60%}
.figure.stack .numbers table{font-size:12px}
.figure.stack td{padding:2px 8px}
.chart svg{display:block;max-width:100%;height:auto}
.chart text{font-variant-numeric:tabular-nums}
.legend{list-style:none;margin:6px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);padding-bottom:4px}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;border-bottom:2px solid var(--line);padding:4px 8px}
td{border-bottom:1px solid var(--line);padding:4px 8px;overflow-wrap:break-word}
td:first-child{min-width:7em}
th.n,td.n{text-align:right;white-space:nowrap}
td.k{white-space:nowrap}
tr.total td{font-weight:700;border-top:2px solid var(--ink);border-bottom:none}
.figure.stack table{break-inside:auto}
.wide{overflow-x:auto;margin-top:12px}
.callouts{margin:0 0 12px;padding:10px 14px 10px 30px;background:#fff7ed;border:1px solid #fed7aa;border-radius:6px}
.empty,.note{color:var(--muted);font-style:italic}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px;background:var(--wash);padding:1px 4px;border-radius:3px}
footer{margin-top:36px;padding-top:12px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
svg rect,svg line{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@media (max-width:900px){.figure{grid-template-columns:minmax(0,1fr)}.kpis{grid-template-columns:repeat(2,1fr)}}
@media print{html{background:none}main{max-width:none;padding:0}@page{size:A4;margin:14mm}.figure{grid-template-columns:minmax(0,1fr)}.kpis{grid-template-columns:repeat(5,1fr)}h2{break-after:avoid}}
)css";
}

}  // namespace gh::html
