/**
 * gfpcheck compare --scenario ID [--policies A,B,...] [--seed S] [--pages N] [--json]
 *
 * Runs one scenario under several policies and shows the figures side by side: the plain-text
 * table (for a patch email), the contract JSON, and an HTML page with charts.
 */

import { join } from "node:path";
import { BUILTIN_POLICIES } from "../../model/policies/index.js";
import type { Policy } from "../../model/policies/policy.js";
import {
  type Comparison,
  compareAtSeeds,
  comparisonJson,
  type SeedComparison,
} from "../../properties/scenarios/compare.js";
import {
  type ForkingServerShape,
  FULL_SCALE,
  forkingServerScenario,
} from "../../properties/scenarios/forking-server-checkpoint.js";
import { SCENARIOS, scenarioById } from "../../properties/scenarios/index.js";
import type { Scenario } from "../../properties/scenarios/scenario.js";
import { intFlag, type ParsedArgs, parseArgs, UsageError } from "../args.js";
import { resolvePolicy } from "../policy-file.js";
import { isInteractive } from "../progress.js";
import { comparisonHtml } from "../report/comparison-html.js";
import { comparisonReportText, settingOf, wrapText } from "../report/comparison-table.js";
import { writeReportFile } from "../write-report.js";
import type { CommandContext } from "./context.js";

export const DEFAULT_SCENARIO_SEED = 1;
/** The smallest zone --pages allows: eight pageblocks, enough for every migratetype to have one. */
export const MIN_PAGES = 4096;
export const MAX_PAGES = 1 << 20;
/** --seeds: enough to see a spread; each seed costs a full comparison. */
export const MAX_SEEDS = 20;

export const COMPARE_HELP = `gfpcheck compare — one scenario under several policies, side by side

Usage: gfpcheck compare --scenario ID [--policies A,B,...] [--seed S] [--seeds N] [--pages N] [--json]

  --scenario ID        the workload: ${SCENARIOS.map((s) => s.id).join(", ")}
${wrapText(
  "built-in policy ids or policy files, comma-separated (default: every built-in: " +
    `${BUILTIN_POLICIES.map((p) => p.id).join(", ")}). baseline always runs, and first: every other ` +
    "figure is read against it",
  94,
  "  --policies A,B,...   ",
  " ".repeat(23),
).join("\n")}
  --seed S             the workload's seed; the same seed gives byte-identical output
                       (default ${DEFAULT_SCENARIO_SEED})
  --seeds N            also run seeds S+1 .. S+N-1 (N from 1 to ${MAX_SEEDS}, default 1) and add a table of
                       each policy's relative throughput at every seed with its mean and
                       min-max; the other tables and the HTML stay those of seed S. With --json,
                       adds "acrossSeeds": { seeds, policies: [ { policy, bySeed, mean, min,
                       max, enomem } ] }
  --pages N            a smaller zone for a quick look: N pages, a power of two from ${MIN_PAGES}
                       (default ${FULL_SCALE.nrPages}); connections, transactions and checkpoint writes
                       shrink with it
  --json               print the figures as JSON instead of the table:
                       { scenario, seed, policies: [ { policy, relativeThroughput, counters } ] }

Throughput is relative to baseline and comes from the cost model in
properties/scenarios/cost-model.ts (CPU ns per unit of work, none fitted to a benchmark).
The full-size scenario takes about twenty seconds per policy and seed on a 2-core machine.

Writes reports/compare-<scenario>.txt (the table, ready to paste into an email), .json and
.html (charts: folio orders obtained, cost per page written, compactions and drain_all_pages()
over the run).
Exit code: 0 done, 2 bad usage (an unknown scenario or policy, a policy file that does not load).`;

/** Scenarios that can be run on a smaller (or larger) zone, by id. */
const SCALABLE: Readonly<Record<string, (nrPages: number) => Scenario>> = {
  "forking-server-checkpoint": (nrPages) => forkingServerScenario(scaledForkingServer(nrPages)),
};

/**
 * The forking-server workload on a zone of `nrPages`: everything that is a count of work
 * (connections, transactions, checkpoint writes) scales with the zone, so the small run keeps
 * the full run's proportions (a checkpoint writes half the zone) and runs proportionally faster.
 */
export function scaledForkingServer(nrPages: number): ForkingServerShape {
  const scale = (n: number) => Math.max(1, Math.round((n * nrPages) / FULL_SCALE.nrPages));
  return {
    ...FULL_SCALE,
    nrPages,
    backends: scale(FULL_SCALE.backends),
    transactionsPerCycle: scale(FULL_SCALE.transactionsPerCycle),
    checkpointWrites: scale(FULL_SCALE.checkpointWrites),
  };
}

/** --pages N: a power of two in [MIN_PAGES, MAX_PAGES], or undefined for the scenario's own size. */
export function pagesFlag(args: ParsedArgs): number | undefined {
  if (!args.flags.has("pages")) return undefined;
  const pages = intFlag(args, "pages", FULL_SCALE.nrPages, MIN_PAGES, MAX_PAGES);
  if ((pages & (pages - 1)) !== 0) throw new UsageError(`--pages: expected a power of two, got ${pages}`);
  return pages;
}

/** --seeds N with --seed S: the seeds S .. S+N-1 (just [S] without --seeds). */
export function seedsFlag(args: ParsedArgs, seed: number): number[] {
  const nrSeeds = intFlag(args, "seeds", 1, 1, MAX_SEEDS);
  if (seed + nrSeeds - 1 > 2 ** 31 - 1) throw new UsageError(`--seeds: seed ${seed} + ${nrSeeds - 1} is past 2^31 - 1`);
  return Array.from({ length: nrSeeds }, (_, i) => seed + i);
}

/** A scenario by id, on a zone of `pages` when given. */
export function scenarioFor(id: string, pages: number | undefined): Scenario {
  const scenario = scenarioById(id);
  if (scenario === undefined) {
    throw new UsageError(`unknown scenario "${id}" (known: ${SCENARIOS.map((s) => s.id).join(", ")})`);
  }
  if (pages === undefined) return scenario;
  const scaled = SCALABLE[id];
  if (scaled === undefined) throw new UsageError(`scenario "${id}" cannot be run with --pages`);
  return scaled(pages);
}

/** --policies A,B,...: each a built-in id or a policy file; no empty entries, no id twice. */
export async function policiesFlag(text: string, root: string): Promise<Policy[]> {
  const policies: Policy[] = [];
  for (const entry of text.split(",").map((s) => s.trim())) {
    if (entry === "") throw new UsageError(`--policies: an empty entry in "${text}" (expected A,B,...)`);
    const policy = await resolvePolicy(entry, root);
    if (policies.some((p) => p.id === policy.id)) throw new UsageError(`--policies: policy "${policy.id}" given twice`);
    policies.push(policy);
  }
  return policies;
}

export async function compareCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs(argv, [
    { name: "scenario", kind: "string" },
    { name: "policies", kind: "string" },
    { name: "seed", kind: "string" },
    { name: "seeds", kind: "string" },
    { name: "pages", kind: "string" },
    { name: "json", kind: "boolean" },
  ]);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const scenarioId = args.flags.get("scenario")?.[0];
  if (scenarioId === undefined) {
    throw new UsageError(`--scenario is required (known: ${SCENARIOS.map((s) => s.id).join(", ")})`);
  }
  const seed = intFlag(args, "seed", DEFAULT_SCENARIO_SEED, -(2 ** 31), 2 ** 31 - 1);
  const seeds = seedsFlag(args, seed);
  const scenario = scenarioFor(scenarioId, pagesFlag(args));
  const policiesText = args.flags.get("policies")?.[0];
  const policies = policiesText === undefined ? [...BUILTIN_POLICIES] : await policiesFlag(policiesText, ctx.root);
  const count = policies.some((p) => p.id === "baseline") ? policies.length : policies.length + 1;
  const { comparison, spread } = compareAtSeeds(scenario, policies, seeds, (s) =>
    ctx.progress(`compare: ${scenario.id} under ${count} policies (seed ${s})...`),
  );
  if (isInteractive(ctx)) ctx.progress("");
  const files = writeComparisonReports(comparison, spread, scenario, policies, ctx.root);
  if (args.booleans.has("json")) ctx.out(comparisonJsonText(comparison, spread).trimEnd());
  else {
    ctx.out(comparisonReportText(comparison, settingOf(scenario, policies), spread).trimEnd());
    ctx.out("");
    ctx.out(`reports written: ${files.join(", ")}`);
  }
  return 0;
}

/** The contract's JSON, with "acrossSeeds" added when more than one seed ran. */
export function comparisonJsonText(comparison: Comparison, spread?: SeedComparison): string {
  const doc = comparisonJson(comparison);
  return `${JSON.stringify(spread === undefined ? doc : { ...doc, acrossSeeds: spread }, null, 2)}\n`;
}

/** reports/compare-<scenario>.{txt,json,html}; returns their paths relative to the root. */
function writeComparisonReports(
  comparison: Comparison,
  spread: SeedComparison | undefined,
  scenario: Scenario,
  policies: readonly Policy[],
  root: string,
): string[] {
  const setting = settingOf(scenario, policies);
  const base = join("reports", `compare-${scenario.id}`);
  const files: [string, string][] = [
    [`${base}.txt`, comparisonReportText(comparison, setting, spread)],
    [`${base}.json`, comparisonJsonText(comparison, spread)],
    [`${base}.html`, comparisonHtml(comparison, setting, spread)],
  ];
  for (const [file, text] of files) writeReportFile(join(root, file), text);
  return files.map(([file]) => file);
}
