import { describe, expect, it } from "vitest";
import type { Comparison, PolicyFigures } from "../../properties/scenarios/compare.js";
import { cost, policyFigures as figures, NO_WORK } from "../../properties/scenarios/test-support/figures.js";
import {
  asciiText,
  type ComparisonSetting,
  comparisonTable,
  MAX_COLUMNS,
  renderTable,
  wrapText,
} from "./comparison-table.js";

/** Two writes of 512 pages under three policies, figures chosen by hand. */
const SMALL_COMPARISON: Comparison = {
  scenario: "forking-server-checkpoint",
  seed: 7,
  policies: [
    figures(
      "baseline",
      1,
      1024,
      cost({
        copy: 409600,
        folio: 16000,
        freelist: 30720,
        wakeups: 1000,
        compaction: 1228800,
        reclaim: 512000,
        drain: 20480,
      }),
      {
        writes: 2,
        slowpathEntries: 9,
        directCompactions: 15,
        compactPagesScanned: 4100,
        directReclaims: 7,
        drainAllPages: 5,
        kswapdWakes: 1,
        kcompactdWakes: 0,
        enomem: 0,
        folioOrders: { "0": 12, "3": 4, "5": 3, "9": 1 },
      },
    ),
    figures(
      "noretry-wake-kcompactd",
      1.789,
      1024,
      cost({ copy: 409600, folio: 54400, freelist: 51200, wakeups: 2000, compaction: 0, reclaim: 491520, drain: 4096 }),
      {
        writes: 2,
        slowpathEntries: 63,
        directCompactions: 0,
        compactPagesScanned: 0,
        directReclaims: 6,
        drainAllPages: 1,
        kswapdWakes: 1,
        kcompactdWakes: 1,
        enomem: 0,
        folioOrders: { "0": 8, "3": 40, "4": 20 },
      },
    ),
    figures(
      "mine",
      0,
      0,
      cost({ copy: 0, folio: 0, freelist: 3000, wakeups: 0, compaction: 0, reclaim: 0, drain: 0 }),
      { ...NO_WORK, writes: 2, slowpathEntries: 20, enomem: 2, folioOrders: { "-1": 2 } },
    ),
  ],
};

const SMALL_SETTING: ComparisonSetting = {
  title: "Forking database server: page tables fragment memory, checkpoints want 2 MiB folios",
  nrPages: 4096,
  nrCpus: 8,
  pageblockOrder: 9,
  kernelVariant: "v7",
  measured: "checkpoint",
  policyTitles: {
    baseline: "Mainline: NORETRY|NOWARN above min_order, the caller's gfp at min_order",
    "noretry-wake-kcompactd":
      "Slow path: costly __GFP_NORETRY wakes kcompactd and fails \u2014 before reclaim or compaction (v3)",
    mine: "My policy",
  },
};

const GOLDEN = `gfpcheck compare: forking-server-checkpoint, seed 7
Forking database server: page tables fragment memory, checkpoints want 2 MiB folios
Zone: 4096 pages (16 MiB), 8 CPUs, pageblock order 9, 7.0 slow path. Measured: the writes of the
checkpoint windows.

Policies:
  baseline                Mainline: NORETRY|NOWARN above min_order, the caller's gfp at min_order
  noretry-wake-kcompactd  Slow path: costly __GFP_NORETRY wakes kcompactd and fails -- before
                          reclaim or compaction (v3)
  mine                    My policy

Throughput and CPU cost per page written (ns):

policy                   tput  total  copy  folio  freelist  compact  reclaim  drain  wakeup
----------------------  -----  -----  ----  -----  --------  -------  -------  -----  ------
baseline                1.000   2167   400     16        30     1200      500     20       1
noretry-wake-kcompactd  1.789    989   400     53        50        0      480      4       2
mine                    0.000      -     -      -         -        -        -      -       -

Work per write (averages over the measured writes):

policy                  writes  ENOMEM  slowpath  compact  scanned  reclaim  drain  kswapd  kcompd
----------------------  ------  ------  --------  -------  -------  -------  -----  ------  ------
baseline                     2       0      4.50     7.50  2050.00     3.50   2.50    0.50    0.00
noretry-wake-kcompactd       2       0     31.50     0.00     0.00     3.00   0.50    0.50    0.50
mine                         2       2     10.00     0.00     0.00     0.00   0.00    0.00    0.00

Folio orders obtained (% of the folios the writes created; -1: every order failed):

policy                  folios     -1     0     3     4     5    9
----------------------  ------  -----  ----  ----  ----  ----  ---
baseline                    20      -  60.0  20.0     -  15.0  5.0
noretry-wake-kcompactd      68      -  11.8  58.8  29.4     -    -
mine                         2  100.0     -     -     -     -    -

tput      relative throughput: baseline's CPU cost per page written divided by this policy's
          (baseline = 1.000; higher is better; 0.000 when the policy wrote nothing)
total     CPU ns per page written in the measured windows, the writers' and kswapd's and
          kcompactd's together; then where it went: copy (copying the data in), folio (the
          page-cache work per folio created), freelist (get_page_from_freelist() and
          zone->lock), compact (compaction scanning and migration), reclaim (direct reclaim
          and kswapd), drain (drain_all_pages()), wakeup (kswapd and kcompactd woken)
writes    buffered writes measured; ENOMEM: of those, writes that got -ENOMEM
slowpath  __alloc_pages_slowpath() entries; compact: direct compactions tried (SKIPPED too);
          scanned: pages both direct-compaction scanners looked at; reclaim: direct reclaim
          passes; drain: drain_all_pages() calls; kswapd, kcompd: kswapd and kcompactd woken

Throughput comes from the cost model in properties/scenarios/cost-model.ts: CPU nanoseconds per unit
of work (a page copied, a pfn scanned, a page migrated, a reclaim pass, a CPU drained, a thread
woken), each argued from what the kernel does for it; none is fitted to a benchmark.

ENOMEM: mine failed writes with -ENOMEM. Their throughput counts only the pages they did write; a
write error is a failed transaction (a database may stop on it), so read their throughput together
with the ENOMEM column and the min-order-fallback property.
`;

/** What makes a table pasteable into a patch email. */
function expectMailable(text: string): void {
  for (const line of text.split("\n")) {
    expect(line.length, line).toBeLessThanOrEqual(MAX_COLUMNS);
    expect(line, "printable ASCII only, no tabs").toMatch(/^[\x20-\x7e]*$/);
    expect(line, "no trailing blanks").toBe(line.trimEnd());
  }
}

describe("comparisonTable", () => {
  it("prints the hand-built comparison exactly as the golden text", () => {
    expect(comparisonTable(SMALL_COMPARISON, SMALL_SETTING)).toBe(GOLDEN);
  });

  it("is fixed-width ASCII of at most 100 columns, even with the longest ids and non-ASCII titles", () => {
    const long = "a-policy-id-of-the-longest-length-a-user-may-give-sixty-four-chr";
    expect(long).toHaveLength(64);
    const [base, other] = SMALL_COMPARISON.policies as [PolicyFigures, PolicyFigures];
    const comparison: Comparison = {
      ...SMALL_COMPARISON,
      policies: [base, { ...other, policy: long }, { ...other, policy: `${long.slice(0, 60)}-two` }],
    };
    const setting = { ...SMALL_SETTING, policyTitles: { [long]: "Ünïcödé — “quoted” … ×2\tand a tab" } };
    const text = comparisonTable(comparison, setting);
    expectMailable(text);
    expect(text).toContain(`a-policy-id-of-the-longest-l~2  ${long}:\n`);
    expect(text).toContain('?n?c?d? -- "quoted" ... x2 and a tab\n');
    expect(text).toContain(`a-policy-id-of-the-longest-l~3  ${long.slice(0, 60)}-two\n`);
    // Long ids are shortened the same way in every table, and stay apart.
    expect(text.match(/^a-policy-id-of-the-longest-l~2 /gm)).toHaveLength(3);
    expect(text.match(/^a-policy-id-of-the-longest-l~3 /gm)).toHaveLength(3);
    expectMailable(GOLDEN);
  });

  it("names the scenario, seed and zone in its header", () => {
    const [first, second, third] = comparisonTable(SMALL_COMPARISON, SMALL_SETTING).split("\n");
    expect(first).toBe("gfpcheck compare: forking-server-checkpoint, seed 7");
    expect(second).toContain("2 MiB folios");
    expect(third).toContain("4096 pages (16 MiB), 8 CPUs");
  });
});

describe("text helpers", () => {
  it("renderTable right-aligns numbers under a dashed rule and shortens the first column to fit", () => {
    expect(
      renderTable(
        ["policy", "n"],
        [
          ["a", "1"],
          ["bb", "22"],
        ],
      ),
    ).toEqual(["policy   n", "------  --", "a        1", "bb      22"]);
    const wide = renderTable(["policy", "x"], [["p".repeat(120), "1"]]);
    expect(Math.max(...wide.map((l) => l.length))).toBe(MAX_COLUMNS);
    expect(wide[2]).toMatch(/^p+~ {2}1$/);
  });

  it("renderTable can left-align leading text columns", () => {
    expect(renderTable(["property", "verdict", "runs"], [["no-leaks", "holds", "100"]], 2)).toEqual([
      "property  verdict  runs",
      "--------  -------  ----",
      "no-leaks  holds     100",
    ]);
  });

  it("wrapText wraps at word boundaries with its prefixes; asciiText spells typography out", () => {
    expect(wrapText("one two three four", 9, "> ", "  ")).toEqual(["> one two", "  three", "  four"]);
    expect(wrapText("", 10)).toEqual([""]);
    expect(asciiText("a\u2014b\u2019c\u00e9\td")).toBe("a--b'c? d");
  });
});
