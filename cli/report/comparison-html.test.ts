import { describe, expect, it } from "vitest";
import { ZERO_ALLOC_COUNTERS } from "../../model/alloc-counters.js";
import type { Comparison, PolicyFigures } from "../../properties/scenarios/compare.js";
import type { WindowKind, WindowSample } from "../../properties/scenarios/scenario.js";
import { comparisonCharts, comparisonHtml, windowLabels } from "./comparison-html.js";
import type { ComparisonSetting } from "./comparison-table.js";
import { escapeXml, lineChart, niceScale, stackedBarChart } from "./svg-chart.js";

const WINDOWS: readonly WindowKind[] = ["startup", "transactions", "checkpoint", "transactions", "checkpoint"];

function timeline(compactions: readonly number[], drains: readonly number[]): WindowSample[] {
  return WINDOWS.map((window, i) => ({
    window,
    firstStep: i * 100,
    counters: { ...ZERO_ALLOC_COUNTERS, directCompactions: compactions[i] ?? 0, drainAllPagesCalls: drains[i] ?? 0 },
  }));
}

function figures(policy: string, pagesWritten: number, folioOrders: Record<string, number>, t: WindowSample[]) {
  const cost = {
    copy: 400 * pagesWritten,
    folio: 8000,
    freelist: 3000,
    wakeups: 1000,
    compaction: 50_000,
    reclaim: 20_000,
    drain: 700,
  };
  const total = Object.values(cost).reduce((a, b) => a + b, 0);
  const figures: PolicyFigures = {
    policy,
    relativeThroughput: 1,
    counters: {
      writes: 2,
      slowpathEntries: 3,
      directCompactions: 4,
      compactPagesScanned: 500,
      directReclaims: 1,
      drainAllPages: 1,
      kswapdWakes: 1,
      kcompactdWakes: 0,
      enomem: 0,
      folioOrders,
    },
    pagesRequested: 1024,
    pagesWritten,
    cost: { ...cost, total },
    costPerPageWrittenNs: pagesWritten === 0 ? Number.POSITIVE_INFINITY : total / pagesWritten,
    writeCounters: ZERO_ALLOC_COUNTERS,
    timeline: t,
  };
  return figures;
}

/** Three policies, one with a name that needs escaping and one that wrote nothing. */
const COMPARISON: Comparison = {
  scenario: "forking-server-checkpoint",
  seed: 3,
  policies: [
    figures("baseline", 1024, { "0": 10, "5": 6, "9": 2 }, timeline([5, 0, 40, 0, 35], [1, 0, 9, 0, 7])),
    figures("<b>&\"odd'</b>", 1024, { "0": 30, "3": 40 }, timeline([5, 0, 2, 0, 1], [1, 0, 1, 0, 0])),
    figures("wrote-nothing", 0, { "-1": 2 }, timeline([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])),
  ],
};

const SETTING: ComparisonSetting = {
  title: "Servers & <checkpoints>",
  nrPages: 4096,
  nrCpus: 8,
  pageblockOrder: 9,
  kernelVariant: "v7",
  measured: "checkpoint",
  policyTitles: { baseline: "Mainline <script>alert(1)</script>" },
};

describe("comparisonHtml", () => {
  const html = comparisonHtml(COMPARISON, SETTING);

  it("is one self-contained page: no scripts, no external resources", () => {
    expect(html.startsWith("<!DOCTYPE html>\n")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\bsrc=/i);
    // The only href is the empty icon; the only URL the SVG namespace.
    expect(html.match(/href="[^"]*"/g)).toEqual(['href="data:,"']);
    expect(html.match(/https?:\/\/[^"\s]*/g)?.every((url) => url === "http://www.w3.org/2000/svg")).toBe(true);
  });

  it("has the four charts, each a non-empty SVG with a title, axis labels and a legend", () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(4);
    expect(html.match(/<figure>/g)).toHaveLength(4);
    const titles = svgs.map((svg) => svg.match(/<title>([^<]*)<\/title>/)?.[1]);
    expect(titles).toEqual([
      "Folio orders obtained",
      "CPU cost per page written",
      "Direct compactions over the run",
      "drain_all_pages() calls over the run",
    ]);
    for (const svg of svgs) {
      expect(svg).toMatch(/<g class="legend">.*<rect .*<text /);
      expect(svg).toMatch(/transform="rotate\(-90 /); // the vertical axis label
      expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+V[\d.]+H[\d.]+" stroke="#333333"/); // the axes
    }
    // Bars in the bar charts, one line per policy in the line charts.
    expect((svgs[0]?.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3 + 2 + 1);
    expect(svgs[1]?.match(/<rect [^>]*><title>/g)?.length).toBeGreaterThanOrEqual(2 * 6);
    for (const svg of svgs.slice(2)) expect(svg.match(/<path d="M[^"]*L[^"]*" stroke="#/g)).toHaveLength(3);
    expect(svgs[2]).toContain(">ckpt 2<");
    expect(svgs[0]).toContain(">failed (-1)<");
  });

  it("escapes every text it embeds", () => {
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;b&gt;&amp;&quot;odd&#39;&lt;/b&gt;");
    expect(html).toContain("Servers &amp; &lt;checkpoints&gt;");
    expect(html).toContain("Mainline &lt;script&gt;");
  });

  it("shows a policy that wrote nothing without NaN or Infinity anywhere", () => {
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(html).toContain("wrote-nothing (wrote nothing)");
  });

  it("gives the same bytes for the same figures", () => {
    expect(comparisonHtml(COMPARISON, SETTING)).toBe(html);
    expect(comparisonCharts(COMPARISON).map((c) => c.svg)).toEqual(comparisonCharts(COMPARISON).map((c) => c.svg));
  });

  it("names windows by kind and number", () => {
    expect(windowLabels(COMPARISON.policies[0]?.timeline ?? [])).toEqual([
      "startup",
      "tx 1",
      "ckpt 1",
      "tx 2",
      "ckpt 2",
    ]);
  });
});

describe("svg-chart", () => {
  it("niceScale rounds the axis up to 1, 2 or 5 times a power of ten", () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 0.2 });
    expect(niceScale(97)).toEqual({ max: 100, step: 20 });
    expect(niceScale(1288)).toEqual({ max: 1500, step: 500 });
    expect(niceScale(1000)).toEqual({ max: 1000, step: 200 });
    expect(niceScale(0.3)).toEqual({ max: 0.3, step: 0.1 });
  });

  it("escapeXml escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  });

  it("draws empty data as an empty but valid chart", () => {
    const bars = stackedBarChart({ title: "t", categories: [], series: [], valueLabel: "v", categoryLabel: "c" });
    const lines = lineChart({ title: "t", points: [], series: [], xLabel: "x", yLabel: "y" });
    for (const svg of [bars, lines]) {
      expect(svg).toMatch(/^<svg [^>]*>.*<\/svg>$/s);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });
});
