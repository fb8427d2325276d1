/**
 * A scenario comparison as a plain-text table, the way results are posted to linux-mm: fixed
 * width, ASCII only, no tabs, at most 100 columns, so it can be pasted into a patch email as it
 * is. A pure function of the Comparison (and of the scenario's setting, for the header).
 */

import { DEFAULT_KERNEL_OPTIONS } from "../../model/kernel-options.js";
import { baseline } from "../../model/policies/baseline.js";
import type { Policy } from "../../model/policies/policy.js";
import { buildZoneConfig } from "../../model/zone-config.js";
import type { Comparison, PolicyFigures, SeedComparison } from "../../properties/scenarios/compare.js";
import type { Scenario } from "../../properties/scenarios/scenario.js";

/** The widest line a report may have: what fits a mail client without wrapping. */
export const MAX_COLUMNS = 100;

/** What the header says about the run, besides the Comparison's own scenario id and seed. */
export interface ComparisonSetting {
  /** The scenario's title. */
  readonly title: string;
  readonly nrPages: number;
  readonly nrCpus: number;
  readonly pageblockOrder: number;
  /** The slow path modelled: `v7` or `classic` (model/kernel-options.ts kernelVariant). */
  readonly kernelVariant: string;
  /** The window kind whose writes are measured. */
  readonly measured: string;
  /** A title for each policy id, for the list of policies; ids without one are listed bare. */
  readonly policyTitles: Readonly<Record<string, string>>;
}

export function settingOf(scenario: Scenario, policies: readonly Policy[]): ComparisonSetting {
  const zone = buildZoneConfig(scenario.system.zone ?? {});
  return {
    title: scenario.title,
    nrPages: zone.nrPages,
    nrCpus: zone.nrCpus,
    pageblockOrder: zone.pageblockOrder,
    kernelVariant: scenario.system.kernel?.kernelVariant ?? DEFAULT_KERNEL_OPTIONS.kernelVariant,
    measured: scenario.measured,
    // Baseline runs in every comparison, listed or not.
    policyTitles: Object.fromEntries([baseline, ...policies].map((p) => [p.id, p.title])),
  };
}

// ---- plain-text helpers, shared with the validate report ----

const ASCII_REPLACEMENTS: Readonly<Record<string, string>> = {
  "\u2014": "--",
  "\u2013": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2026": "...",
  "\u00d7": "x",
  "\u2032": "'",
  "\u2192": "->",
  "\u2264": "<=",
  "\u2265": ">=",
};

/** Text as printable ASCII: common typography spelled out, tabs and newlines as spaces, anything else as "?". */
export function asciiText(text: string): string {
  return [...text]
    .map((ch) => {
      if (ch === "\t" || ch === "\n" || ch === "\r") return " ";
      if (ch >= " " && ch <= "~") return ch;
      return ASCII_REPLACEMENTS[ch] ?? "?";
    })
    .join("");
}

/** Words of `text` in lines of at most `width` columns, the first after `first`, the rest after `rest`. */
export function wrapText(text: string, width: number, first = "", rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of asciiText(text)
    .split(" ")
    .filter((w) => w !== "")) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/**
 * A fixed-width table: the first `left` columns left-aligned, the others right-aligned, a
 * dashed rule under the header. Columns are as wide as their widest cell, two spaces apart; a
 * table wider than MAX_COLUMNS closes the gaps between right-aligned columns to one space, then
 * shortens first-column cells (ending them with "~").
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], left = 1): string[] {
  const all = [header, ...rows].map((r) => r.map(asciiText));
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const layout = (gap: number, firstWidth: number): string[] => {
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, c) => {
          if (c === 0) {
            const fitted = cell.length > firstWidth ? `${cell.slice(0, firstWidth - 1)}~` : cell;
            return fitted.padEnd(firstWidth);
          }
          const width = widths[c] as number;
          return `${" ".repeat(c <= left ? 2 : gap)}${c < left ? cell.padEnd(width) : cell.padStart(width)}`;
        })
        .join("")
        .trimEnd();
    const rule = line(widths.map((w, c) => "-".repeat(c === 0 ? Math.min(w, firstWidth) : w)));
    const [head, ...body] = all;
    return [line(head as string[]), rule, ...body.map(line)];
  };
  const first = widths[0] as number;
  for (const gap of [2, 1]) {
    const lines = layout(gap, first);
    if (Math.max(...lines.map((l) => l.length)) <= MAX_COLUMNS) return lines;
  }
  const excess = Math.max(...layout(1, first).map((l) => l.length)) - MAX_COLUMNS;
  return layout(1, Math.max(8, first - excess));
}

// ---- the comparison ----

function trimNumber(x: number, decimals: number): string {
  return String(Math.round(x * 10 ** decimals) / 10 ** decimals);
}

function perPage(f: PolicyFigures, ns: number): string {
  return f.pagesWritten === 0 ? "-" : Math.round(ns / f.pagesWritten).toFixed(0);
}

function perWrite(f: PolicyFigures, count: number): string {
  return f.counters.writes === 0 ? "-" : (count / f.counters.writes).toFixed(2);
}

/** Every order any policy's writes obtained, in numeric order (-1, a write's failed folio, first). */
export function obtainedOrders(comparison: Comparison): number[] {
  const orders = new Set<number>();
  for (const f of comparison.policies) for (const key of Object.keys(f.counters.folioOrders)) orders.add(Number(key));
  return [...orders].sort((a, b) => a - b);
}

/** The widest policy label the tables use: with it, every table fits MAX_COLUMNS. */
export const LABEL_WIDTH = 30;

/**
 * The row label of each policy: its id, or for an id longer than LABEL_WIDTH, its start, "~"
 * and its position in the list (unique, and the same in every table; the list of policies
 * gives the whole id).
 */
export function policyLabels(comparison: Comparison): string[] {
  return labelsFor(comparison.policies.map((f) => f.policy));
}

function labelsFor(policyIds: readonly string[]): string[] {
  return policyIds.map((policy, i) => {
    const id = asciiText(policy);
    if (id.length <= LABEL_WIDTH) return id;
    const suffix = `~${i + 1}`;
    return `${id.slice(0, LABEL_WIDTH - suffix.length)}${suffix}`;
  });
}

function policyList(comparison: Comparison, setting: ComparisonSetting): string[] {
  const labels = policyLabels(comparison);
  const width = Math.max(...labels.map((l) => l.length));
  return comparison.policies.flatMap((f, i) => {
    const label = labels[i] as string;
    const title = setting.policyTitles[f.policy];
    const id = asciiText(f.policy);
    const whole = label === id ? "" : title === undefined ? id : `${id}:`;
    const text = [whole, title ?? ""].filter((t) => t !== "").join(" ");
    if (text === "") return [`  ${label}`];
    const prefix = `  ${label.padEnd(width)}  `;
    return wrapText(text, MAX_COLUMNS, prefix, " ".repeat(prefix.length));
  });
}

function costTable(comparison: Comparison): string[] {
  const labels = policyLabels(comparison);
  return renderTable(
    ["policy", "tput", "total", "copy", "folio", "freelist", "compact", "reclaim", "drain", "wakeup"],
    comparison.policies.map((f, i) => [
      labels[i] as string,
      f.relativeThroughput.toFixed(3),
      perPage(f, f.cost.total),
      perPage(f, f.cost.copy),
      perPage(f, f.cost.folio),
      perPage(f, f.cost.freelist),
      perPage(f, f.cost.compaction),
      perPage(f, f.cost.reclaim),
      perPage(f, f.cost.drain),
      perPage(f, f.cost.wakeups),
    ]),
  );
}

function workTable(comparison: Comparison): string[] {
  const labels = policyLabels(comparison);
  return renderTable(
    ["policy", "writes", "ENOMEM", "slowpath", "compact", "scanned", "reclaim", "drain", "kswapd", "kcompd"],
    comparison.policies.map((f, i) => {
      const c = f.counters;
      return [
        labels[i] as string,
        String(c.writes),
        String(c.enomem),
        perWrite(f, c.slowpathEntries),
        perWrite(f, c.directCompactions),
        perWrite(f, c.compactPagesScanned),
        perWrite(f, c.directReclaims),
        perWrite(f, c.drainAllPages),
        perWrite(f, c.kswapdWakes),
        perWrite(f, c.kcompactdWakes),
      ];
    }),
  );
}

function folioTable(comparison: Comparison): string[] {
  const orders = obtainedOrders(comparison);
  const labels = policyLabels(comparison);
  return renderTable(
    ["policy", "folios", ...orders.map(String)],
    comparison.policies.map((f, i) => {
      const counts = orders.map((o) => f.counters.folioOrders[String(o)] ?? 0);
      const total = counts.reduce((a, b) => a + b, 0);
      return [
        labels[i] as string,
        String(total),
        ...counts.map((n) => (n === 0 ? "-" : ((100 * n) / total).toFixed(1))),
      ];
    }),
  );
}

const KEY = [
  "tput      relative throughput: baseline's CPU cost per page written divided by this policy's",
  "          (baseline = 1.000; higher is better; 0.000 when the policy wrote nothing)",
  "total     CPU ns per page written in the measured windows, the writers' and kswapd's and",
  "          kcompactd's together; then where it went: copy (copying the data in), folio (the",
  "          page-cache work per folio created), freelist (get_page_from_freelist() and",
  "          zone->lock), compact (compaction scanning and migration), reclaim (direct reclaim",
  "          and kswapd), drain (drain_all_pages()), wakeup (kswapd and kcompactd woken)",
  "writes    buffered writes measured; ENOMEM: of those, writes that got -ENOMEM",
  "slowpath  __alloc_pages_slowpath() entries; compact: direct compactions tried (SKIPPED too);",
  "          scanned: pages both direct-compaction scanners looked at; reclaim: direct reclaim",
  "          passes; drain: drain_all_pages() calls; kswapd, kcompd: kswapd and kcompactd woken",
];

/**
 * A write that fails with -ENOMEM costs little, so a policy that fails writes can look fast per
 * page written. Say so under the tables whenever one did, naming it.
 */
function enomemWarning(comparison: Comparison): string[] {
  const failing = comparison.policies.filter((p) => p.counters.enomem > 0).map((p) => p.policy);
  if (failing.length === 0) return [];
  return [
    "",
    ...wrapText(
      `ENOMEM: ${failing.join(", ")} failed writes with -ENOMEM. Their throughput counts only the ` +
        "pages they did write; a write error is a failed transaction (a database may stop on it), " +
        "so read their throughput together with the ENOMEM column and the min-order-fallback property.",
      MAX_COLUMNS,
    ),
  ];
}

/** The whole report: header, policies, the three tables, the key and the cost-model footnote. */
export function comparisonTable(comparison: Comparison, setting: ComparisonSetting): string {
  const mib = trimNumber((setting.nrPages * 4) / 1024, 2);
  const slowpath = setting.kernelVariant === "v7" ? "7.0 slow path" : `${setting.kernelVariant} slow path`;
  const lines: string[] = [
    ...wrapText(`gfpcheck compare: ${comparison.scenario}, seed ${comparison.seed}`, MAX_COLUMNS),
    ...wrapText(setting.title, MAX_COLUMNS),
    ...wrapText(
      `Zone: ${setting.nrPages} pages (${mib} MiB), ${setting.nrCpus} CPUs, pageblock order ` +
        `${setting.pageblockOrder}, ${slowpath}. Measured: the writes of the ${setting.measured} windows.`,
      MAX_COLUMNS,
    ),
    "",
    "Policies:",
    ...policyList(comparison, setting),
    "",
    "Throughput and CPU cost per page written (ns):",
    "",
    ...costTable(comparison),
    "",
    "Work per write (averages over the measured writes):",
    "",
    ...workTable(comparison),
    "",
    "Folio orders obtained (% of the folios the writes created; -1: every order failed):",
    "",
    ...folioTable(comparison),
    "",
    ...KEY,
    "",
    ...wrapText(
      "Throughput comes from the cost model in properties/scenarios/cost-model.ts: CPU nanoseconds per " +
        "unit of work (a page copied, a pfn scanned, a page migrated, a reclaim pass, a CPU drained, a " +
        "thread woken), each argued from what the kernel does for it; none is fitted to a benchmark.",
      MAX_COLUMNS,
    ),
    ...enomemWarning(comparison),
  ];
  return `${lines.map((l) => asciiText(l).trimEnd()).join("\n")}\n`;
}

/** Per-seed columns shown at most; past this the table keeps mean, range and spread only. */
const MAX_SEED_COLUMNS = 5;

/**
 * `compare --seeds N`: each policy's relative throughput at every seed, its mean and its range.
 * One seed's figures can put two policies in either order by luck; this shows whether they do.
 */
export function seedSpreadTable(spread: SeedComparison): string {
  const seeds = spread.seeds;
  const shown = seeds.length <= MAX_SEED_COLUMNS ? seeds : [];
  const labels = labelsFor(spread.policies.map((p) => p.policy));
  const rows = spread.policies.map((p, i) => [
    labels[i] as string,
    ...p.bySeed.slice(0, shown.length).map((x) => x.toFixed(3)),
    p.mean.toFixed(3),
    `${p.min.toFixed(3)}-${p.max.toFixed(3)}`,
    (p.max - p.min).toFixed(3),
    String(p.enomem),
  ]);
  const lines = [
    ...wrapText(
      `Relative throughput over ${seeds.length} seeds (${seeds.join(", ")}); the tables above are for seed ${seeds[0]}:`,
      MAX_COLUMNS,
    ),
    "",
    ...renderTable(["policy", ...shown.map((s) => `seed ${s}`), "mean", "min-max", "spread", "ENOMEM"], rows),
    "",
    ...wrapText(
      "spread: max - min over the seeds; ENOMEM: measured writes that got -ENOMEM, all seeds together. " +
        "Every policy runs the same workload at a seed, so read them seed by seed: a policy ahead of " +
        "another at every seed is ahead; a difference of means within the spreads, with the order " +
        "changing from seed to seed, is the seed's luck, not the policy's.",
      MAX_COLUMNS,
    ),
  ];
  return `${lines.map((l) => asciiText(l).trimEnd()).join("\n")}\n`;
}

/** A comparison's tables, then, when more than one seed ran, the spread over the seeds. */
export function comparisonReportText(
  comparison: Comparison,
  setting: ComparisonSetting,
  spread?: SeedComparison,
): string {
  const text = comparisonTable(comparison, setting);
  return spread === undefined ? text : `${text}\n${seedSpreadTable(spread)}`;
}
