/**
 * gfpcheck validate FILE [--runs N] [--time SECONDS] [--seed S] [--seeds N] [--pages N]
 *
 * What most users come for: their policy module against every property, then every scenario
 * under it and under every built-in policy, in one report to paste into a patch email.
 */

import { join } from "node:path";
import { WRITE_GFP } from "../../model/filemap.js";
import { __GFP_NORETRY, __GFP_NOWARN, GFP_KERNEL } from "../../model/gfp.js";
import { POLICY_HELPERS } from "../../model/policies/helpers.js";
import { BUILTIN_POLICIES } from "../../model/policies/index.js";
import type { Policy } from "../../model/policies/policy.js";
import { ALL_PROPERTIES } from "../../properties/registry.js";
import { type Comparison, compareAtSeeds, type SeedComparison } from "../../properties/scenarios/compare.js";
import { SCENARIOS } from "../../properties/scenarios/index.js";
import { intFlag, parseArgs, UsageError } from "../args.js";
import { type CheckReport, runCheck } from "../check-run.js";
import { resolvePolicy } from "../policy-file.js";
import { isInteractive } from "../progress.js";
import { comparisonSection, htmlPage } from "../report/comparison-html.js";
import {
  type ComparisonSetting,
  comparisonReportText,
  MAX_COLUMNS,
  renderTable,
  settingOf,
  wrapText,
} from "../report/comparison-table.js";
import { escapeXml } from "../report/svg-chart.js";
import { writeReportFile } from "../write-report.js";
import { DEFAULT_SCENARIO_SEED, MAX_SEEDS, MIN_PAGES, pagesFlag, scenarioFor, seedsFlag } from "./compare.js";
import type { CommandContext } from "./context.js";

const DEFAULT_RUNS = 100;

export const VALIDATE_HELP = `gfpcheck validate — check a policy of your own before proposing it

Usage: gfpcheck validate FILE [--runs N] [--time SECONDS] [--seed S] [--seeds N] [--pages N]

  FILE            your policy: a .ts or .js module whose default export (or \`policy\` export)
                  is a Policy; start from cli/examples/wake-kcompactd-above-costly.ts.
                  A built-in policy's id works too.
  --runs N        generated op sequences per property (default ${DEFAULT_RUNS})
  --time SECONDS  stop generating for a property after this long (default: no limit; with a
                  limit, how many runs fit varies, and so may the report)
  --seed S        seed of the properties and of the scenarios; the same seed gives the same
                  report byte for byte (default ${DEFAULT_SCENARIO_SEED})
  --seeds N       also run the scenarios at seeds S+1 .. S+N-1 (N up to ${MAX_SEEDS}) and add each
                  policy's relative throughput at every seed, with its mean and min-max: one
                  seed's order of two close policies can be luck (the properties run at S)
  --pages N       run the scenarios on a smaller zone for a quick look: N pages, a power of
                  two from ${MIN_PAGES}

${wrapText(
  `Runs every property (${ALL_PROPERTIES.map((p) => p.id).join(", ")}) against the policy, then ` +
    `every scenario (${SCENARIOS.map((s) => s.id).join(", ")}) under it and under every built-in ` +
    "policy. Writes reports/validate-<id>.txt, the verdicts and the comparison tables as fixed-width " +
    "plain text to paste into a patch email as it is, and reports/validate-<id>.html, the same with " +
    "charts; saves counterexamples under regressions/.",
  94,
).join("\n")}

A policy proposed upstream should hold every property. Exit code: 1 if the policy violates
one (the report names the saved counterexample), 0 otherwise, 2 for bad input (a file that
does not load, exports no policy, or has a field or hook of the wrong type). "inconclusive"
means too few runs reached the property's situation: raise --runs.`;

/**
 * Calls every hook of the policy once per order with the requests the model will make, so a
 * hook that throws or returns the wrong type (a loaded policy's hooks are guarded) is reported
 * before minutes of running rather than in the middle of them.
 */
export function probePolicy(policy: Policy): void {
  const h = POLICY_HELPERS;
  const startOrder = 9;
  for (let order = startOrder; order >= 0; order--) {
    policy.folioGfp?.({ gfp: WRITE_GFP, order, minOrder: 0, startOrder, hintOrder: startOrder }, h);
    for (const gfp of [WRITE_GFP, WRITE_GFP | __GFP_NORETRY | __GFP_NOWARN, GFP_KERNEL]) {
      policy.slowpath?.entryGfp?.({ gfp, order }, h);
      policy.slowpath?.beforeReclaimOrCompaction?.({ gfp, order }, h);
    }
  }
}

export interface ValidateReport {
  /** The FILE argument as given. */
  readonly source: string;
  readonly policy: Policy;
  readonly check: CheckReport;
  /** Per scenario: the comparison at --seed, and with --seeds the spread over all of them. */
  readonly comparisons: readonly {
    readonly comparison: Comparison;
    readonly setting: ComparisonSetting;
    readonly spread?: SeedComparison;
  }[];
}

function violated(report: ValidateReport): string[] {
  return report.check.results.filter((r) => r.verdict === "violated").map((r) => r.property);
}

function conclusion(report: ValidateReport): string {
  const id = report.policy.id;
  const bad = violated(report);
  const inconclusive = report.check.results.filter((r) => r.verdict === "inconclusive").map((r) => r.property);
  if (bad.length > 0) {
    return (
      `Result: ${id} violates ${bad.length === 1 ? "a property" : `${bad.length} properties`} (${bad.join(", ")}). ` +
      "A policy proposed upstream should hold every property."
    );
  }
  if (inconclusive.length > 0) {
    return (
      `Result: no property violated by ${id}; inconclusive, as too few runs reached the situation ` +
      `(raise --runs): ${inconclusive.join(", ")}.`
    );
  }
  return `Result: ${id} holds every property.`;
}

/** reports/validate-<id>.txt: the property verdicts, then a comparison table per scenario. */
export function validateText(report: ValidateReport): string {
  const { policy, check } = report;
  const lines: string[] = [
    `gfpcheck validate: ${policy.id}`,
    ...wrapText(policy.title, MAX_COLUMNS),
    ...wrapText(`Proposed in: ${policy.proposedIn}`, MAX_COLUMNS, "", "  "),
    `File: ${report.source}`,
    "",
    `Properties (seed ${check.seed}, up to ${check.runsPerProperty} runs each):`,
    "",
    ...renderTable(
      ["property", "verdict", "runs", "reached", "needed"],
      check.results.map((r) => [r.property, r.verdict, String(r.runs), String(r.reached), String(r.minRuns)]),
      2,
    ),
    "",
    ...wrapText(
      "reached: runs that reached the property's situation; a property holds when at least `needed` " +
        "runs reached it and none failed, and is inconclusive when fewer did.",
      MAX_COLUMNS,
    ),
  ];
  const inconclusive = check.results.filter((r) => r.verdict === "inconclusive");
  if (inconclusive.length > 0) {
    lines.push("", "Inconclusive, and the situation too few runs reached:");
    for (const r of inconclusive) lines.push(...wrapText(`${r.property}: ${r.situation}`, MAX_COLUMNS, "  ", "    "));
  }
  const found = check.results.filter((r) => r.counterexample !== null);
  if (found.length > 0) {
    lines.push("", "Counterexamples (shrunk, saved):");
    for (const r of found) {
      const cx = r.counterexample;
      if (cx === null) continue;
      lines.push(...wrapText(`${r.property}: ${cx.violation} (${cx.ops.length} ops)`, MAX_COLUMNS, "  ", "    "));
      lines.push(`    ${cx.file}`);
    }
    lines.push("Replay one step by step, with the allocator state: npm run gfpcheck -- replay FILE");
  }
  lines.push("", ...wrapText(conclusion(report), MAX_COLUMNS));
  const text = lines.map((l) => l.trimEnd()).join("\n");
  const tables = report.comparisons.map(({ comparison, setting, spread }) =>
    comparisonReportText(comparison, setting, spread),
  );
  return [`${text}\n`, ...tables].join(`\n${"=".repeat(MAX_COLUMNS)}\n\n`);
}

/** reports/validate-<id>.html: the same, with an HTML table and the comparison charts. */
export function validateHtml(report: ValidateReport): string {
  const { policy, check } = report;
  const rows = check.results.map((r) => {
    const cx = r.counterexample === null ? "" : `${r.counterexample.file}: ${r.counterexample.violation}`;
    const cells = [r.property, r.verdict, String(r.runs), String(r.reached), String(r.minRuns), r.situation, cx];
    return `<tr>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`;
  });
  const head = ["property", "verdict", "runs", "reached", "needed", "situation", "counterexample"];
  const body = [
    `<p>${escapeXml(policy.title)}</p>`,
    `<p>Proposed in: ${escapeXml(policy.proposedIn)}. File: <code>${escapeXml(report.source)}</code>.</p>`,
    `<h2>${escapeXml(`Properties (seed ${check.seed}, up to ${check.runsPerProperty} runs each)`)}</h2>`,
    `<table>\n<tr>${head.map((c) => `<th>${c}</th>`).join("")}</tr>\n${rows.join("\n")}\n</table>`,
    `<p><strong>${escapeXml(conclusion(report))}</strong></p>`,
    ...report.comparisons.map(({ comparison, setting, spread }) => comparisonSection(comparison, setting, spread)),
  ].join("\n");
  return htmlPage(`gfpcheck validate: ${policy.id}`, body);
}

export async function validateCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs(argv, [
    { name: "runs", kind: "string" },
    { name: "time", kind: "string" },
    { name: "seed", kind: "string" },
    { name: "seeds", kind: "string" },
    { name: "pages", kind: "string" },
  ]);
  if (args.positionals.length !== 1) {
    throw new UsageError(
      args.positionals.length === 0
        ? "expected a policy file (gfpcheck validate FILE; see --help)"
        : `expected one policy file, got ${args.positionals.length}: ${args.positionals.join(" ")}`,
    );
  }
  const source = args.positionals[0] as string;
  const seed = intFlag(args, "seed", DEFAULT_SCENARIO_SEED, -(2 ** 31), 2 ** 31 - 1);
  const seeds = seedsFlag(args, seed);
  const runs = intFlag(args, "runs", DEFAULT_RUNS, 1, 10_000_000);
  const time = intFlag(args, "time", 0, 0, 365 * 24 * 3600);
  const pages = pagesFlag(args);
  const scenarios = SCENARIOS.map((s) => scenarioFor(s.id, pages));
  const policy = await resolvePolicy(source, ctx.root);
  probePolicy(policy);

  const check = runCheck(
    {
      properties: ALL_PROPERTIES,
      policies: [policy],
      seed,
      runs,
      ...(time > 0 ? { timeLimitSeconds: time } : {}),
      root: ctx.root,
    },
    (event) => {
      if (event.kind === "start") {
        ctx.progress(`validate [${event.index + 1}/${event.total}] ${event.unit.property}...`);
        return;
      }
      const r = event.row;
      ctx.progress(
        `validate [${event.index + 1}/${event.total}] ${r.property}: ${r.verdict} (${r.runs} runs, ${r.reached} reached the situation)`,
      );
      if (event.savedFile !== undefined) ctx.progress(`validate: counterexample saved: ${event.savedFile}`);
    },
  );
  const policies = [policy, ...BUILTIN_POLICIES.filter((p) => p.id !== policy.id)];
  const comparisons = scenarios.map((scenario) => {
    const { comparison, spread } = compareAtSeeds(scenario, policies, seeds, (s) =>
      ctx.progress(`validate: ${scenario.id} under ${policy.id} and every built-in policy (seed ${s})...`),
    );
    const setting = settingOf(scenario, policies);
    return spread === undefined ? { comparison, setting } : { comparison, setting, spread };
  });
  if (isInteractive(ctx)) ctx.progress("");
  const report: ValidateReport = { source, policy, check, comparisons };
  const text = validateText(report);
  const base = join("reports", `validate-${policy.id}`);
  writeReportFile(join(ctx.root, `${base}.txt`), text);
  writeReportFile(join(ctx.root, `${base}.html`), validateHtml(report));
  ctx.out(text.trimEnd());
  ctx.out("");
  ctx.out(`reports written: ${base}.txt, ${base}.html`);
  return violated(report).length > 0 ? 1 : 0;
}
