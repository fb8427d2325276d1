/**
 * A scenario comparison as a self-contained HTML page: the plain-text table, then four static
 * SVG charts (folio orders obtained, CPU cost per page written, direct compactions and
 * drain_all_pages() calls over the run). No scripts and no external resources, so the file can
 * be mailed or attached as it is; the same figures always give the same bytes.
 */

import type { Comparison, PolicyFigures, SeedComparison } from "../../properties/scenarios/compare.js";
import type { WindowKind, WindowSample } from "../../properties/scenarios/scenario.js";
import { type ComparisonSetting, comparisonReportText, obtainedOrders } from "./comparison-table.js";
import { escapeXml, lineChart, type Series, stackedBarChart } from "./svg-chart.js";

export interface Chart {
  /** What the chart shows, as its caption. */
  readonly caption: string;
  readonly svg: string;
}

const WINDOW_NAMES: Readonly<Record<WindowKind, string>> = {
  startup: "startup",
  transactions: "tx",
  checkpoint: "ckpt",
};

/** "startup", "tx 1", "ckpt 1", "tx 2", ...: each window named by its kind and its number among that kind. */
export function windowLabels(timeline: readonly WindowSample[]): string[] {
  const seen = new Map<WindowKind, number>();
  return timeline.map((sample) => {
    const n = (seen.get(sample.window) ?? 0) + 1;
    seen.set(sample.window, n);
    return sample.window === "startup" && n === 1 ? "startup" : `${WINDOW_NAMES[sample.window]} ${n}`;
  });
}

/** Failed folios in red, then the orders from light to dark blue. */
function orderColor(order: number, maxOrder: number): string {
  if (order < 0) return "#d62728";
  const lightness = maxOrder <= 0 ? 45 : Math.round(85 - (60 * order) / maxOrder);
  return `hsl(210, 65%, ${lightness}%)`;
}

function folioOrdersChart(comparison: Comparison): Chart {
  const orders = obtainedOrders(comparison);
  const maxOrder = Math.max(0, ...orders);
  const totals = comparison.policies.map((f) => Object.values(f.counters.folioOrders).reduce((a, b) => a + b, 0));
  const series: Series[] = orders.map((order) => ({
    name: order < 0 ? "failed (-1)" : `order ${order}`,
    color: orderColor(order, maxOrder),
    values: comparison.policies.map((f, p) => {
      const total = totals[p] as number;
      return total === 0 ? 0 : (100 * (f.counters.folioOrders[String(order)] ?? 0)) / total;
    }),
  }));
  return {
    caption:
      "Folio orders obtained: the share of the folios the measured writes created at each order " +
      "(failed: every order down to min_order failed, the write got -ENOMEM).",
    svg: stackedBarChart({
      title: "Folio orders obtained",
      categories: comparison.policies.map((f) => f.policy),
      series,
      valueLabel: "% of the folios created by the measured writes",
      categoryLabel: "policy",
    }),
  };
}

const COST_PARTS = [
  ["copy", "copy"],
  ["folio", "folio"],
  ["freelist", "freelist"],
  ["compaction", "compaction"],
  ["reclaim", "reclaim"],
  ["drain", "drain_all_pages"],
  ["wakeups", "wakeups"],
] as const;

function costChart(comparison: Comparison): Chart {
  const perPage = (f: PolicyFigures, ns: number) => (f.pagesWritten === 0 ? 0 : ns / f.pagesWritten);
  return {
    caption:
      "CPU cost per page written in the measured windows, by mechanism, from the cost model in " +
      "properties/scenarios/cost-model.ts (nanoseconds per unit of work, none fitted to a benchmark). " +
      "Shorter is faster; relative throughput is baseline's total divided by the policy's.",
    svg: stackedBarChart({
      title: "CPU cost per page written",
      categories: comparison.policies.map((f) => (f.pagesWritten === 0 ? `${f.policy} (wrote nothing)` : f.policy)),
      series: COST_PARTS.map(([key, name]) => ({
        name,
        values: comparison.policies.map((f) => perPage(f, f.cost[key])),
      })),
      valueLabel: "ns per page written (cost model)",
      categoryLabel: "policy",
    }),
  };
}

function timelineChart(
  comparison: Comparison,
  title: string,
  counter: (sample: WindowSample) => number,
  yLabel: string,
  caption: string,
): Chart {
  const longest = comparison.policies.reduce<readonly WindowSample[]>(
    (best, f) => (f.timeline.length > best.length ? f.timeline : best),
    [],
  );
  return {
    caption,
    svg: lineChart({
      title,
      points: windowLabels(longest),
      series: comparison.policies.map((f) => ({ name: f.policy, values: f.timeline.map(counter) })),
      xLabel: "window of the run, in order (tx: transactions, ckpt: checkpoint)",
      yLabel,
    }),
  };
}

/** The four charts of a comparison, in the order the page shows them. */
export function comparisonCharts(comparison: Comparison): Chart[] {
  return [
    folioOrdersChart(comparison),
    costChart(comparison),
    timelineChart(
      comparison,
      "Direct compactions over the run",
      (s) => s.counters.directCompactions,
      "direct compactions per window",
      "Direct compactions (COMPACTSTALL) in each window of the run, every allocation counted, one line per policy.",
    ),
    timelineChart(
      comparison,
      "drain_all_pages() calls over the run",
      (s) => s.counters.drainAllPagesCalls,
      "drain_all_pages() calls per window",
      "drain_all_pages() calls in each window of the run, by direct reclaim and by kcompactd, one line per policy.",
    ),
  ];
}

/** A comparison as a block of a page: heading, the text table, the charts. */
export function comparisonSection(
  comparison: Comparison,
  setting: ComparisonSetting,
  spread?: SeedComparison,
  heading = "h2",
): string {
  const figures = comparisonCharts(comparison)
    .map((chart) => `<figure>${chart.svg}<figcaption>${escapeXml(chart.caption)}</figcaption></figure>`)
    .join("\n");
  return [
    `<section class="comparison">`,
    `<${heading}>${escapeXml(`Scenario ${comparison.scenario}, seed ${comparison.seed}`)}</${heading}>`,
    `<p>${escapeXml(setting.title)}</p>`,
    `<pre>${escapeXml(comparisonReportText(comparison, setting, spread))}</pre>`,
    figures,
    "</section>",
  ].join("\n");
}

const STYLE = [
  "body { font-family: sans-serif; margin: 2em auto; max-width: 62em; padding: 0 1em; color: #222; }",
  "pre { font-size: 12px; line-height: 1.3; overflow-x: auto; background: #f6f6f6; padding: 1em; }",
  "figure { margin: 2em 0; }",
  "figcaption { font-size: 13px; color: #444; max-width: 760px; }",
  "svg { max-width: 100%; height: auto; }",
  "table { border-collapse: collapse; font-size: 13px; }",
  "th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }",
].join("\n");

/** A complete, self-contained page. The empty icon keeps browsers from asking for /favicon.ico. */
export function htmlPage(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<link rel="icon" href="data:,">',
    `<title>${escapeXml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeXml(title)}</h1>`,
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** reports/compare-<scenario>.html. */
export function comparisonHtml(comparison: Comparison, setting: ComparisonSetting, spread?: SeedComparison): string {
  return htmlPage(`gfpcheck compare: ${comparison.scenario}`, comparisonSection(comparison, setting, spread));
}
