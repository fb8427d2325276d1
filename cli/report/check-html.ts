/**
 * reports/check.html: one self-contained page (no scripts, no external resources; a
 * Content-Security-Policy says so to the browser) with the policy x property matrix coloured by
 * verdict, expected and unexpected verdicts marked, links to the counterexample files, and two
 * SVG charts drawn here: how many runs reached each property's situation under each policy
 * (against the minRuns a "holds" needs), and how many runs took each coverage path.
 *
 * Deterministic: the same report gives the same bytes.
 */

import { type CheckReport, type CheckResultRow, isUnexpected } from "../check-run.js";
import { runSummary } from "./check-markdown.js";

import { escapeHtml } from "./escape.js";

export { escapeHtml };

/** Numbers in SVG attributes: short and stable. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

const VERDICT_COLOUR = { holds: "#2e7d32", violated: "#c62828", inconclusive: "#b8860b" } as const;

/** A cell's mark: as expected, not as expected, or no expectation (a policy file, a planted fault). */
function expectation(row: CheckResultRow): { mark: string; className: string } {
  if (isUnexpected(row)) {
    const expected = row.expected === null ? "a verdict" : row.expected;
    return { mark: `✗ UNEXPECTED (expected ${expected})`, className: "unexpected" };
  }
  if (row.expected === null) return { mark: "no expectation", className: "none" };
  return { mark: "✓ as expected", className: "expected" };
}

/** A link from reports/check.html to a file named relative to the project directory. */
function fileLink(file: string): string {
  const href = `../${file.split("/").map(encodeURIComponent).join("/")}`;
  return `<a href="${escapeHtml(href)}"><code>${escapeHtml(file)}</code></a>`;
}

function matrixTable(report: CheckReport): string {
  const policies = [...new Set(report.results.map((r) => r.policy))];
  const properties = [...new Set(report.results.map((r) => r.property))];
  const head = properties.map((p) => `<th scope="col">${escapeHtml(p)}</th>`).join("");
  const body = policies
    .map((policy) => {
      const cells = properties
        .map((property) => {
          const row = report.results.find((r) => r.policy === policy && r.property === property);
          if (row === undefined) return `<td class="empty">—</td>`;
          const { mark, className } = expectation(row);
          const cx = row.counterexample ? `<div class="cx">${fileLink(row.counterexample.file)}</div>` : "";
          const title = `${row.reached} of ${row.runs} runs reached the situation (${row.minRuns} needed)`;
          return (
            `<td class="verdict ${row.verdict} ${className}" title="${escapeHtml(title)}">` +
            `<div class="v">${row.verdict}</div><div class="mark">${escapeHtml(mark)}</div>${cx}</td>`
          );
        })
        .join("");
      return `<tr><th scope="row">${escapeHtml(policy)}</th>${cells}</tr>`;
    })
    .join("\n");
  return `<table class="matrix" id="matrix">
<thead><tr><th scope="col">policy \\ property</th>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly colour: string;
  readonly title: string;
  /** A tick across the bar at this value (the minRuns a "holds" needs). */
  readonly marker?: number;
}

interface BarGroup {
  readonly title: string;
  readonly bars: readonly Bar[];
}

/** A horizontal bar chart in groups, as an inline SVG element. */
export function barChartSvg(id: string, caption: string, groups: readonly BarGroup[]): string {
  const labelWidth = 200;
  const plotWidth = 420;
  const barHeight = 14;
  const gap = 4;
  const groupGap = 22;
  const top = 24;
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => Math.max(b.value, b.marker ?? 0))));
  const parts: string[] = [];
  let y = top;
  for (const group of groups) {
    parts.push(`<text class="group" x="0" y="${n(y + 10)}">${escapeHtml(group.title)}</text>`);
    y += 16;
    for (const bar of group.bars) {
      const width = (bar.value / max) * plotWidth;
      parts.push(
        `<text class="label" x="${labelWidth - 6}" y="${n(y + barHeight - 3)}" text-anchor="end">${escapeHtml(bar.label)}</text>`,
      );
      parts.push(
        `<rect x="${labelWidth}" y="${n(y)}" width="${n(Math.max(width, 1))}" height="${barHeight}" fill="${bar.colour}"><title>${escapeHtml(bar.title)}</title></rect>`,
      );
      parts.push(
        `<text class="value" x="${n(labelWidth + Math.max(width, 1) + 4)}" y="${n(y + barHeight - 3)}">${bar.value}</text>`,
      );
      if (bar.marker !== undefined) {
        const x = labelWidth + (bar.marker / max) * plotWidth;
        parts.push(
          `<line class="marker" x1="${n(x)}" x2="${n(x)}" y1="${n(y - 2)}" y2="${n(y + barHeight + 2)}" stroke="#000" stroke-width="2" stroke-dasharray="3 2"/>`,
        );
      }
      y += barHeight + gap;
    }
    y += groupGap - gap;
  }
  const height = y + 4;
  const width = labelWidth + plotWidth + 60;
  const axis = `<line class="axis" x1="${labelWidth}" x2="${labelWidth}" y1="${top - 4}" y2="${n(height - 8)}" stroke="#555"/>`;
  return `<figure>
<svg id="${escapeHtml(id)}" class="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${n(height)}" viewBox="0 0 ${width} ${n(height)}" role="img" aria-label="${escapeHtml(caption)}">
<title>${escapeHtml(caption)}</title>
${axis}
${parts.join("\n")}
</svg>
<figcaption>${escapeHtml(caption)}</figcaption>
</figure>`;
}

/** Chart 1: per property, per policy, the runs that reached the situation, with minRuns marked. */
function reachedChart(report: CheckReport): string {
  const properties = [...new Set(report.results.map((r) => r.property))];
  const groups = properties.map((property) => {
    const rows = report.results.filter((r) => r.property === property);
    return {
      title: `${property} (needs ${rows[0]?.minRuns ?? 0})`,
      bars: rows.map((r) => ({
        label: r.policy,
        value: r.reached,
        colour: VERDICT_COLOUR[r.verdict],
        marker: r.minRuns,
        title: `${r.policy} × ${r.property}: ${r.verdict}; ${r.reached} of ${r.runs} runs reached the situation, ${r.minRuns} needed`,
      })),
    };
  });
  return barChartSvg(
    "chart-reached",
    "Runs that reached each property's situation, per policy (dashed line: the number a “holds” needs; colour: verdict)",
    groups,
  );
}

/** Chart 2: per coverage label, the runs that took it, summed over policies and properties. */
function coverageChart(report: CheckReport): string {
  const totals = new Map<string, number>();
  for (const row of report.results) {
    for (const [label, count] of Object.entries(row.coverage)) totals.set(label, (totals.get(label) ?? 0) + count);
  }
  const labels = [...totals.keys()].sort((a, b) => a.localeCompare(b));
  const runs = report.results.reduce((sum, r) => sum + r.runs, 0);
  const bars = labels.map((label) => ({
    label,
    value: totals.get(label) ?? 0,
    colour: "#1565c0",
    title: `${label}: in ${totals.get(label) ?? 0} of ${runs} runs`,
  }));
  return barChartSvg(
    "chart-coverage",
    `Coverage: runs that took each path, over all ${runs} runs`,
    bars.length === 0 ? [{ title: "no coverage labels recorded", bars: [] }] : [{ title: "all results", bars }],
  );
}

function counterexampleList(report: CheckReport): string {
  const rows = report.results.filter((r) => r.counterexample !== null);
  if (rows.length === 0) return "<p>No counterexamples.</p>";
  const items = rows.map((r) => {
    const cx = r.counterexample;
    if (cx === null) return "";
    return (
      `<li><strong>${escapeHtml(r.property)}</strong> under <strong>${escapeHtml(r.policy)}</strong>` +
      ` (${cx.ops.length} ops): ${fileLink(cx.file)}<br>${escapeHtml(cx.violation)}` +
      `<br><span class="hint">replay: <code>npm run gfpcheck -- replay ${escapeHtml(cx.file)}</code></span></li>`
    );
  });
  return `<ul class="cx-list">\n${items.join("\n")}\n</ul>`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; }
table.matrix { border-collapse: collapse; margin: 1rem 0; }
table.matrix th, table.matrix td { border: 1px solid #bbb; padding: 0.35rem 0.5rem; vertical-align: top; }
table.matrix thead th { background: #eee; font-weight: 600; }
td.verdict { color: #fff; min-width: 7rem; }
td.holds { background: ${VERDICT_COLOUR.holds}; }
td.violated { background: ${VERDICT_COLOUR.violated}; }
td.inconclusive { background: ${VERDICT_COLOUR.inconclusive}; }
td.unexpected { outline: 4px solid #000; outline-offset: -4px; font-weight: 700; }
td.none .mark { font-style: italic; }
td .v { font-weight: 600; }
td .mark { font-size: 0.8rem; }
td .cx a, td .cx code { color: #fff; font-size: 0.75rem; word-break: break-all; }
.summary.bad { color: ${VERDICT_COLOUR.violated}; font-weight: 700; }
.summary.good { color: ${VERDICT_COLOUR.holds}; }
svg.chart text { font-size: 11px; fill: #222; }
svg.chart text.group { font-weight: 700; }
figure { margin: 1rem 0; }
figcaption { font-size: 0.85rem; color: #555; }
.hint { color: #555; font-size: 0.85rem; }
`;

export function checkHtml(report: CheckReport): string {
  const unexpected = report.results.filter(isUnexpected).length;
  const summary =
    unexpected === 0
      ? `<p class="summary good">Every verdict is as expected (${report.results.length} results).</p>`
      : `<p class="summary bad">${unexpected} unexpected verdict(s) of ${report.results.length}.</p>`;
  const shard = report.shard
    ? `<p>This is shard ${report.shard.index} of ${report.shard.count}: partial results; <code>gfpcheck merge</code> joins the shards.</p>`
    : "";
  const plant = report.plantedFault
    ? `<p>Planted fault: <code>${escapeHtml(report.plantedFault)}</code> (results have no expectation).</p>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>gfpcheck check</title>
<style>${STYLE}</style>
</head>
<body>
<h1>gfpcheck check</h1>
<p>${escapeHtml(runSummary(report))}</p>
${shard}${plant}${summary}
<h2>Policy × property</h2>
<p class="hint">Colour: the verdict. A thick black border: not the verdict expected (properties/expected-verdicts.json). Hover a cell for its runs.</p>
${matrixTable(report)}
<h2>Situations reached</h2>
${reachedChart(report)}
<h2>Coverage</h2>
${coverageChart(report)}
<h2>Counterexamples</h2>
${counterexampleList(report)}
</body>
</html>
`;
}
