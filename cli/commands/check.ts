/**
 * gfpcheck check [--policy ID|FILE]... [--property ID]... [--runs N] [--seeds M] [--shard K/N]
 *                [--time SECONDS] [--seed S] [--json] [--plant FAULT]
 *
 * Every argument is checked (and every policy file loaded) before the first property runs, so
 * bad input costs nothing and leaves nothing behind.
 */

import { join } from "node:path";
import { isPlantedFault, PLANTED_FAULTS, type PlantedFault } from "../../model/fault-injection.js";
import type { Policy } from "../../model/policies/policy.js";
import type { Property } from "../../properties/property.js";
import { ALL_PROPERTIES, KNOWN_POLICIES, propertyById } from "../../properties/registry.js";
import { intFlag, parseArgs, UsageError } from "../args.js";
import {
  type CheckReport,
  checkReportJson,
  isUnexpected,
  isUnexpectedInShard,
  reportExitCode,
  runCheck,
} from "../check-run.js";
import { resolvePolicy } from "../policy-file.js";
import { checkProgress, isInteractive } from "../progress.js";
import { checkHtml } from "../report/check-html.js";
import { checkMarkdown } from "../report/check-markdown.js";
import { MAX_SEEDS, parseShard, type Shard } from "../shard.js";
import { writeReportFile } from "../write-report.js";
import type { CommandContext } from "./context.js";

export const CHECK_HELP = `gfpcheck check — run the property suite: properties x policies

Usage: gfpcheck check [--policy ID|FILE]... [--property ID]... [--runs N] [--seeds M]
                      [--shard K/N] [--time SECONDS] [--seed S] [--json] [--plant FAULT]

  --policy ID|FILE  a built-in policy or a policy file (default: every built-in:
                    ${KNOWN_POLICIES.join(", ")})
  --property ID   a property (default: all of them: ${ALL_PROPERTIES.map((p) => p.id).join(", ")})
  --runs N        generated op sequences per property and policy (default 100)
  --seeds M       split the runs over M seeds derived from --seed (default 1); the unit of
                  work is then (policy, property, seed index)
  --shard K/N     run only the K-th of N shares of the units (round-robin by unit number) and
                  write reports/check-shard-K-of-N.json; run K = 1..N on N machines with the
                  same other arguments, then "gfpcheck merge" the N files
  --time SECONDS  stop generating for a unit after this long (default: no limit; with a limit
                  the results depend on the machine's speed)
  --seed S        fast-check seed; the same seed gives the same reports, byte for byte (default 1)
  --json          print the report as JSON (the same as reports/check.json) instead of the matrix
  --plant FAULT   break one mechanism on purpose to watch the invariants catch it:
                  ${Object.keys(PLANTED_FAULTS).join(", ")}

Writes reports/check.md, reports/check.json and reports/check.html; saves new counterexamples
in regressions/ (for a policy file: in regressions/<policy-id>/, which npm test does not replay).
Progress goes to stderr: a bar on a terminal, a line per finished unit otherwise.
Exit code: 0 every verdict as expected, 1 an unexpected verdict (in one shard of several: a
violation of a property expected to hold), 2 bad input or usage.`;

const DEFAULT_SEED = 1;
const DEFAULT_RUNS = 100;
const MAX_RUNS = 10_000_000;

type Row = CheckReport["results"][number];

/** A verdict cell of the terminal matrix. */
function cellText(row: Row, unexpected: (row: Row) => boolean, partial: boolean): string {
  if (unexpected(row)) return `${row.verdict.toUpperCase()}!`;
  if (partial && row.verdict !== "violated") return `${row.verdict}…`;
  return row.expected === null ? `~${row.verdict}` : row.verdict;
}

/**
 * The policy x property matrix, then a line per unexpected verdict or counterexample. For one
 * shard of several only a violation is final; the rest is marked partial.
 */
export function checkMatrix(report: CheckReport): string {
  const partial = report.shard !== null && report.shard.count > 1;
  const unexpected = partial ? isUnexpectedInShard : isUnexpected;
  const cell = (row: Row) => cellText(row, unexpected, partial);
  const policies = [...new Set(report.results.map((r) => r.policy))];
  const properties = [...new Set(report.results.map((r) => r.property))];
  if (report.results.length === 0) return "no units of work in this shard";
  const corner = "policy \\ property";
  const firstWidth = Math.max(corner.length, ...policies.map((p) => p.length));
  const widths = properties.map((property) =>
    Math.max(property.length, ...report.results.filter((r) => r.property === property).map((r) => cell(r).length)),
  );
  const line = (first: string, cells: readonly string[]) =>
    [first.padEnd(firstWidth), ...cells.map((c, i) => c.padEnd(widths[i] ?? 0))].join("  ").trimEnd();
  const lines = [line(corner, properties)];
  for (const policy of policies) {
    const cells = properties.map((property) => {
      const row = report.results.find((r) => r.policy === policy && r.property === property);
      return row === undefined ? "-" : cell(row);
    });
    lines.push(line(policy, cells));
  }
  lines.push("");
  lines.push(
    partial
      ? "(UPPER CASE! = a violation not expected; … = partial: the shards' merge decides; ~ = no expected verdict)"
      : "(UPPER CASE! = not the expected verdict; ~ = no expected verdict: a policy file or a planted fault)",
  );
  const policyWidth = Math.max(12, ...policies.map((p) => p.length));
  const propertyWidth = Math.max(16, ...properties.map((p) => p.length));
  for (const r of report.results) {
    if (!unexpected(r) && r.counterexample === null) continue;
    const mark = unexpected(r) ? "UNEXPECTED" : r.expected === null ? "" : "as expected";
    const cx = r.counterexample ? `  -> ${r.counterexample.file}` : "";
    const why =
      r.verdict === "inconclusive"
        ? `  (${r.reached} of ${r.runs} runs reached the situation, ${r.minRuns} needed)`
        : "";
    lines.push(
      `${r.policy.padEnd(policyWidth)} ${r.property.padEnd(propertyWidth)} ${r.verdict.padEnd(12)} ${mark}${cx}${why}`.trimEnd(),
    );
  }
  const count = report.results.filter(unexpected).length;
  const total = report.results.length;
  if (partial)
    lines.push(
      count === 0 ? "no unexpected violation in this shard" : `${count} unexpected violation(s) in this shard`,
    );
  else
    lines.push(
      count === 0 ? `${total} of ${total} verdicts as expected` : `${count} of ${total} verdicts NOT as expected`,
    );
  return lines.join("\n");
}

/** Writes check.json, check.md and check.html into reports/ (each through a temporary file). */
export function writeCheckReports(root: string, report: CheckReport): string[] {
  const reportsDir = join(root, "reports");
  writeReportFile(join(reportsDir, "check.json"), checkReportJson(report));
  writeReportFile(join(reportsDir, "check.md"), checkMarkdown(report));
  writeReportFile(join(reportsDir, "check.html"), checkHtml(report));
  return ["reports/check.md", "reports/check.json", "reports/check.html"];
}

/** The file a shard's report goes to, so shards run in one directory do not overwrite each other. */
export function shardReportFile(shard: Shard): string {
  return `reports/check-shard-${shard.index}-of-${shard.count}.json`;
}

function uniqueIds<T>(items: readonly T[], id: (item: T) => string, flag: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(id(item))) throw new UsageError(`--${flag} ${id(item)}: given twice`);
    seen.add(id(item));
  }
}

interface CheckArgs {
  readonly policyArgs: readonly string[];
  readonly properties: readonly Property[];
  readonly seed: number;
  readonly runs: number;
  readonly seeds: number;
  readonly time: number;
  readonly shard: Shard | null;
  readonly plant: PlantedFault | undefined;
  readonly json: boolean;
}

/** Everything but the policy files: cheap checks first. */
function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const args = parseArgs(argv, [
    { name: "policy", kind: "string", repeatable: true },
    { name: "property", kind: "string", repeatable: true },
    { name: "runs", kind: "string" },
    { name: "seeds", kind: "string" },
    { name: "shard", kind: "string" },
    { name: "time", kind: "string" },
    { name: "seed", kind: "string" },
    { name: "plant", kind: "string" },
    { name: "json", kind: "boolean" },
  ]);
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])} (options start with --)`);
  }
  const seed = intFlag(args, "seed", DEFAULT_SEED, -(2 ** 31), 2 ** 31 - 1);
  const runs = intFlag(args, "runs", DEFAULT_RUNS, 1, MAX_RUNS);
  const seeds = intFlag(args, "seeds", 1, 1, MAX_SEEDS);
  if (seeds > runs) throw new UsageError(`--seeds: ${seeds} seeds cannot share ${runs} runs (use --seeds <= --runs)`);
  const time = intFlag(args, "time", 0, 0, 365 * 24 * 3600);
  const shardText = args.flags.get("shard")?.[0];
  const shard = shardText === undefined ? null : parseShard(shardText);
  const plantText = args.flags.get("plant")?.[0];
  if (plantText !== undefined && !isPlantedFault(plantText)) {
    throw new UsageError(
      `--plant: unknown planted fault ${JSON.stringify(plantText)} (known: ${Object.keys(PLANTED_FAULTS).join(", ")})`,
    );
  }
  const properties = (args.flags.get("property") ?? ALL_PROPERTIES.map((p) => p.id)).map((id) => {
    const property = propertyById(id);
    if (property === undefined) {
      throw new UsageError(
        `--property: unknown property ${JSON.stringify(id)} (known: ${ALL_PROPERTIES.map((p) => p.id).join(", ")})`,
      );
    }
    return property;
  });
  uniqueIds(properties, (p) => p.id, "property");
  return {
    policyArgs: args.flags.get("policy") ?? KNOWN_POLICIES,
    properties,
    seed,
    runs,
    seeds,
    time,
    shard,
    plant: plantText as PlantedFault | undefined,
    json: args.booleans.has("json"),
  };
}

export async function checkCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseCheckArgs(argv);
  const policies: Policy[] = [];
  for (const arg of args.policyArgs) policies.push(await resolvePolicy(arg, ctx.root));
  uniqueIds(policies, (p) => p.id, "policy");

  const progress = checkProgress(ctx, {
    interactive: isInteractive(ctx),
    columns: (process.stderr.columns ?? 0) >= 20 ? process.stderr.columns : 100,
  });
  const report = runCheck(
    {
      properties: args.properties,
      policies,
      seed: args.seed,
      runs: args.runs,
      seeds: args.seeds,
      ...(args.time > 0 ? { timeLimitSeconds: args.time } : {}),
      ...(args.shard ? { shard: args.shard } : {}),
      ...(args.plant ? { plant: args.plant } : {}),
      root: ctx.root,
    },
    progress.update,
  );
  progress.finish();

  const jsonText = checkReportJson(report);
  let written: string[];
  if (report.shard !== null) {
    const file = shardReportFile(report.shard);
    writeReportFile(join(ctx.root, file), jsonText);
    written = [file];
  } else written = writeCheckReports(ctx.root, report);
  if (args.json) ctx.out(jsonText.trimEnd());
  else {
    ctx.out(checkMatrix(report));
    if (report.shard !== null) {
      ctx.out(
        `shard ${report.shard.index}/${report.shard.count}: partial results; join the shards with: gfpcheck merge reports/check-shard-*.json`,
      );
    }
    ctx.out(`reports written: ${written.join(", ")}`);
  }
  return reportExitCode(report);
}
