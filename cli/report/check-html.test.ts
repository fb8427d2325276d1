import { describe, expect, it } from "vitest";
import type { CheckReport, CheckResultRow } from "../check-run.js";
import { checkHtml, escapeHtml } from "./check-html.js";
import { checkMarkdown } from "./check-markdown.js";

function row(overrides: Partial<CheckResultRow>): CheckResultRow {
  return {
    policy: "baseline",
    property: "no-leaks",
    verdict: "holds",
    expected: "holds",
    coverage: { "pcp-spill": 30, "op:freed": 40 },
    runs: 40,
    reached: 30,
    minRuns: 20,
    situation: "pages spilling <back>",
    units: [0],
    counterexample: null,
    ...overrides,
  };
}

const report: CheckReport = {
  schema: "gfpcheck-check/1",
  seed: 1,
  runsPerProperty: 40,
  seeds: 1,
  timeLimitSeconds: null,
  plantedFault: null,
  shard: null,
  policies: ["baseline", "compact-once"],
  properties: ["no-leaks", "coalescing"],
  results: [
    row({}),
    row({
      property: "coalescing",
      verdict: "violated",
      units: [1],
      counterexample: {
        file: "regressions/coalescing--0123456789ab.json",
        unit: 1,
        violation: "two <buddies> & more",
        ops: [],
      },
    }),
    row({ policy: "compact-once", units: [2], verdict: "inconclusive", reached: 3 }),
    row({ policy: "compact-once", property: "coalescing", units: [3] }),
  ],
};

describe("reports/check.html", () => {
  const html = checkHtml(report);

  it("is self-contained: no scripts, no external resources, a CSP that forbids them", () => {
    expect(html).not.toMatch(/<script|<img|<iframe|<link rel="stylesheet"|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none'`);
  });

  it("colours the matrix by verdict and marks unexpected ones", () => {
    expect(html).toContain('<td class="verdict holds expected"');
    expect(html).toContain('<td class="verdict violated unexpected"');
    expect(html).toContain("✗ UNEXPECTED (expected holds)");
    expect(html).toContain('<td class="verdict inconclusive unexpected"');
    expect(html).toContain("2 unexpected verdict(s) of 4.");
  });

  it("links counterexample files relative to reports/ and escapes text", () => {
    expect(html).toContain('<a href="../regressions/coalescing--0123456789ab.json">');
    expect(html).toContain("two &lt;buddies&gt; &amp; more");
    expect(html).not.toContain("<buddies>");
    expect(escapeHtml(`<a href="x">'&`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
  });

  it("has two SVG charts with bars, and is deterministic", () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('id="chart-reached"');
    expect(html).toContain('id="chart-coverage"');
    expect(html.match(/<rect /g)?.length).toBe(4 + 2);
    expect(checkHtml(report)).toBe(html);
  });

  it("the Markdown report has the matrix with rows per property and the counterexample section", () => {
    const md = checkMarkdown(report);
    expect(md).toContain("| property | baseline | compact-once |");
    expect(md).toContain("| coalescing | **violated** (expected holds) | holds ✓ |");
    expect(md).toContain("saved as `regressions/coalescing--0123456789ab.json`");
  });
});
