/**
 * gfpcheck check [--policy ID]... [--property ID]... [--runs N] [--time SECONDS] [--seed S]
 *                [--json] [--plant FAULT]
 */

import { join } from "node:path";
import { isPlantedFault, PLANTED_FAULTS, type PlantedFault } from "../../model/fault-injection.js";
import { builtinPolicy } from "../../model/policies/index.js";
import { ALL_PROPERTIES, KNOWN_POLICIES, propertyById } from "../../properties/registry.js";
import { intFlag, parseArgs, UsageError } from "../args.js";
import { type CheckReport, isUnexpected, runCheck } from "../check-run.js";
import { checkMarkdown } from "../report/check-markdown.js";
import { writeReportFile } from "../write-report.js";
import type { CommandContext } from "./context.js";

export const CHECK_HELP = `gfpcheck check — run the property suite: properties x policies

Usage: gfpcheck check [--policy ID]... [--property ID]... [--runs N] [--time SECONDS]
                      [--seed S] [--json] [--plant FAULT]

  --policy ID     a built-in policy (default: all of them: ${KNOWN_POLICIES.join(", ")})
  --property ID   a property (default: all of them: ${ALL_PROPERTIES.map((p) => p.id).join(", ")})
  --runs N        generated op sequences per property and policy (default 100)
  --time SECONDS  stop generating for a property after this long (default: no limit)
  --seed S        fast-check seed; the same seed gives the same output (default 1)
  --json          print the report as JSON instead of the table
  --plant FAULT   break one mechanism on purpose to watch the invariants catch it:
                  ${Object.keys(PLANTED_FAULTS).join(", ")}

Writes reports/check.md and reports/check.json; saves new counterexamples in regressions/.
Exit code: 0 every verdict as expected, 1 an unexpected verdict, 2 bad usage.`;

const DEFAULT_SEED = 1;
const DEFAULT_RUNS = 100;

function table(report: CheckReport): string {
  const width = Math.max(...report.results.map((r) => r.property.length), 8);
  return report.results
    .map((r) => {
      const mark = isUnexpected(r) ? "UNEXPECTED" : r.expected === null ? "" : "as expected";
      const cx = r.counterexample ? `  -> ${r.counterexample.file}` : "";
      return `${r.policy.padEnd(12)} ${r.property.padEnd(width)} ${r.verdict.padEnd(12)} ${mark}${cx}`;
    })
    .join("\n");
}

export function checkCommand(argv: readonly string[], ctx: CommandContext): number {
  const args = parseArgs(
    argv,
    [
      { name: "policy", kind: "string", repeatable: true },
      { name: "property", kind: "string", repeatable: true },
      { name: "runs", kind: "string" },
      { name: "time", kind: "string" },
      { name: "seed", kind: "string" },
      { name: "plant", kind: "string" },
      { name: "json", kind: "boolean" },
    ],
    "check",
  );
  if (args.positionals.length > 0) throw new UsageError(`check: unexpected argument "${args.positionals[0]}"`);
  const policies = (args.flags.get("policy") ?? KNOWN_POLICIES).map((id) => {
    const policy = builtinPolicy(id);
    if (policy === undefined)
      throw new UsageError(`check: unknown policy "${id}" (known: ${KNOWN_POLICIES.join(", ")})`);
    return policy;
  });
  const properties = (args.flags.get("property") ?? ALL_PROPERTIES.map((p) => p.id)).map((id) => {
    const property = propertyById(id);
    if (property === undefined) {
      throw new UsageError(`check: unknown property "${id}" (known: ${ALL_PROPERTIES.map((p) => p.id).join(", ")})`);
    }
    return property;
  });
  const plantText = args.flags.get("plant")?.[0];
  let plant: PlantedFault | undefined;
  if (plantText !== undefined) {
    if (!isPlantedFault(plantText)) {
      throw new UsageError(
        `check: unknown planted fault "${plantText}" (known: ${Object.keys(PLANTED_FAULTS).join(", ")})`,
      );
    }
    plant = plantText;
  }
  const seed = intFlag(args, "seed", DEFAULT_SEED, -(2 ** 31), 2 ** 31 - 1);
  const runs = intFlag(args, "runs", DEFAULT_RUNS, 1, 10_000_000);
  const time = intFlag(args, "time", 0, 0, 365 * 24 * 3600);
  const json = args.booleans.has("json");
  const report = runCheck(
    {
      properties,
      policies,
      seed,
      runs,
      ...(time > 0 ? { timeLimitMs: time * 1000 } : {}),
      ...(plant ? { plant } : {}),
      root: ctx.root,
    },
    (done, total, row) => ctx.progress(`[${done}/${total}] ${row.policy} ${row.property}: ${row.verdict}`),
  );
  const reportsDir = join(ctx.root, "reports");
  const jsonText = `${JSON.stringify(report, null, 2)}\n`;
  writeReportFile(join(reportsDir, "check.json"), jsonText);
  writeReportFile(join(reportsDir, "check.md"), checkMarkdown(report));
  if (json) ctx.out(jsonText.trimEnd());
  else {
    ctx.out(table(report));
    ctx.out(`reports written: ${join("reports", "check.md")}, ${join("reports", "check.json")}`);
  }
  return report.results.some(isUnexpected) ? 1 : 0;
}
