/**
 * gfpcheck merge FILE... [--json]
 *
 * Joins the JSON reports of the shards of one check (`check --shard K/N`, K = 1..N, the other
 * arguments the same) into the report an unsharded run would have written: rows of the same
 * (policy, property) are combined as shard.ts describes. Every file is read and checked before
 * anything is written; a file that is not a check report, a shard of another run, a shard given
 * twice or missing is bad input (exit 2) naming the file and the field.
 */

import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isPlantedFault, type PlantedFault } from "../../model/fault-injection.js";
import { FieldError, type OpJson, opFromJson } from "../../properties/op-codec.js";
import { propertyById } from "../../properties/registry.js";
import { parseArgs, UsageError } from "../args.js";
import {
  CHECK_REPORT_SCHEMA,
  type CheckReport,
  type CheckResultRow,
  type CounterexampleRef,
  checkReportJson,
  reportExitCode,
} from "../check-run.js";
import { combineAll, MAX_SEEDS, MAX_SHARDS, type Shard, unitPosition } from "../shard.js";
import { checkMatrix, writeCheckReports } from "./check.js";
import type { CommandContext } from "./context.js";

export const MERGE_HELP = `gfpcheck merge — join the reports of the shards of one check

Usage: gfpcheck merge FILE... [--json]

  FILE    a shard report: reports/check-shard-K-of-N.json, written by
          "gfpcheck check --shard K/N" (an unsharded reports/check.json counts as 1/1)
  --json  print the merged report as JSON instead of the matrix

Give all N shards of one run (same --seed, --runs, --seeds, --policy, --property, --time,
--plant). Rows of one (policy, property) are joined: violated if any shard found a violation
(the counterexample of the lowest unit is kept), runs, reached and coverage summed, holds only
if the summed reached count meets the property's minRuns, inconclusive otherwise.
Counterexample files stay where each shard saved them: collect the shards' regressions/ too.
In a CI matrix, collect each shard's reports/check-shard-K-of-N.json into one reports/ and
run "gfpcheck merge reports/*.json". reports/check.json is skipped when given with other files
(it is what merge writes), so that also works after a previous merge; any other JSON file
(compare's, say) is refused: name the shards, reports/check-shard-*.json.

Writes reports/check.json, reports/check.md and reports/check.html, and prints the matrix.
Exit code: 0 every merged verdict as expected, 1 an unexpected verdict, 2 bad input or usage.`;

/** A problem at a field of the report being read. */
class ReportFieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field "${field}": ${problem}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function int(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ReportFieldError(field, `expected an integer in [${min}, ${max}], got ${shown(value)}`);
  }
  return value;
}

function str(obj: Record<string, unknown>, key: string, field: string): string {
  const value = obj[key];
  if (typeof value !== "string") throw new ReportFieldError(field, `expected a string, got ${shown(value)}`);
  return value;
}

function strings(obj: Record<string, unknown>, key: string): string[] {
  const value = obj[key];
  if (!Array.isArray(value)) throw new ReportFieldError(key, `expected an array of ids, got ${shown(value)}`);
  return value.map((v, i) => {
    if (typeof v !== "string" || v === "")
      throw new ReportFieldError(`${key}[${i}]`, `expected an id, got ${shown(v)}`);
    return v;
  });
}

function readShard(value: unknown): Shard | null {
  if (value === null) return null;
  if (!isRecord(value))
    throw new ReportFieldError("shard", `expected null or { "index", "count" }, got ${shown(value)}`);
  const count = int(value, "count", "shard.count", 1, MAX_SHARDS);
  const index = int(value, "index", "shard.index", 1, count);
  return { index, count };
}

function readCoverage(value: unknown, field: string): Record<string, number> {
  if (!isRecord(value)) throw new ReportFieldError(field, `expected an object of label counts, got ${shown(value)}`);
  const coverage: Record<string, number> = {};
  for (const key of Object.keys(value)) coverage[key] = int(value, key, `${field}.${key}`, 0);
  return coverage;
}

function readCounterexample(value: unknown, field: string): CounterexampleRef | null {
  if (value === null) return null;
  if (!isRecord(value)) throw new ReportFieldError(field, `expected null or an object, got ${shown(value)}`);
  const file = str(value, "file", `${field}.file`);
  if (file === "") throw new ReportFieldError(`${field}.file`, "expected a file name");
  const unit = int(value, "unit", `${field}.unit`, 0);
  const violation = str(value, "violation", `${field}.violation`);
  if (!Array.isArray(value.ops))
    throw new ReportFieldError(`${field}.ops`, `expected an array of ops, got ${shown(value.ops)}`);
  const ops = value.ops.map((op, i) => {
    try {
      opFromJson(op, `${field}.ops[${i}]`);
    } catch (error) {
      if (error instanceof FieldError) throw new ReportFieldError(error.field, error.problem);
      throw error;
    }
    return op as OpJson;
  });
  return { file, unit, violation, ops };
}

const VERDICTS = ["holds", "violated", "inconclusive"] as const;

function readRow(value: unknown, field: string): CheckResultRow {
  if (!isRecord(value)) throw new ReportFieldError(field, `expected an object, got ${shown(value)}`);
  const verdict = value.verdict;
  if (!VERDICTS.includes(verdict as (typeof VERDICTS)[number])) {
    throw new ReportFieldError(
      `${field}.verdict`,
      `expected "holds", "violated" or "inconclusive", got ${shown(verdict)}`,
    );
  }
  const expected = value.expected;
  if (expected !== null && expected !== "holds" && expected !== "violated") {
    throw new ReportFieldError(`${field}.expected`, `expected "holds", "violated" or null, got ${shown(expected)}`);
  }
  if (!Array.isArray(value.units) || value.units.length === 0) {
    throw new ReportFieldError(
      `${field}.units`,
      `expected a non-empty array of unit numbers, got ${shown(value.units)}`,
    );
  }
  const units = value.units.map((unit: unknown, i) => {
    if (typeof unit !== "number" || !Number.isSafeInteger(unit) || unit < 0) {
      throw new ReportFieldError(`${field}.units[${i}]`, `expected a unit number, got ${shown(unit)}`);
    }
    return unit;
  });
  return {
    policy: str(value, "policy", `${field}.policy`),
    property: str(value, "property", `${field}.property`),
    verdict: verdict as CheckResultRow["verdict"],
    expected,
    coverage: readCoverage(value.coverage, `${field}.coverage`),
    runs: int(value, "runs", `${field}.runs`, 0),
    reached: int(value, "reached", `${field}.reached`, 0),
    minRuns: int(value, "minRuns", `${field}.minRuns`, 0),
    situation: str(value, "situation", `${field}.situation`),
    units,
    counterexample: readCounterexample(value.counterexample, `${field}.counterexample`),
  };
}

/** Reads and checks one report: its shape, and that each row's units are its own and its shard's. */
export function parseCheckReport(text: string, file: string): CheckReport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text in its message; keep the message to one line.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${file}: not valid JSON (${message.replace(/\s+/g, " ").slice(0, 120)})`);
  }
  try {
    if (!isRecord(json)) throw new ReportFieldError("", "expected a JSON object at the top level");
    if (json.schema !== CHECK_REPORT_SCHEMA) {
      throw new ReportFieldError(
        "schema",
        `expected "${CHECK_REPORT_SCHEMA}" (a report of gfpcheck check), got ${shown(json.schema)}; give only check reports, e.g. reports/check-shard-*.json`,
      );
    }
    const seed = int(json, "seed", "seed", -(2 ** 31), 2 ** 31 - 1);
    const runsPerProperty = int(json, "runsPerProperty", "runsPerProperty", 1);
    const seeds = int(json, "seeds", "seeds", 1, MAX_SEEDS);
    const timeLimitSeconds =
      json.timeLimitSeconds === null ? null : int(json, "timeLimitSeconds", "timeLimitSeconds", 1);
    const plant = json.plantedFault;
    if (plant !== null && !isPlantedFault(plant)) {
      throw new ReportFieldError("plantedFault", `expected null or a planted fault's name, got ${shown(plant)}`);
    }
    const shard = readShard(json.shard);
    const policies = strings(json, "policies");
    const properties = strings(json, "properties");
    if (!Array.isArray(json.results))
      throw new ReportFieldError("results", `expected an array, got ${shown(json.results)}`);
    const results = json.results.map((row, i) => readRow(row, `results[${i}]`));
    results.forEach((row, i) => {
      for (const unit of row.units) {
        const at = unitPosition(unit, properties.length, seeds);
        if (policies[at.policyIndex] !== row.policy || properties[at.propertyIndex] !== row.property) {
          throw new ReportFieldError(
            `results[${i}].units`,
            `unit ${unit} is not one of ${row.policy} × ${row.property}`,
          );
        }
        if (shard !== null && unit % shard.count !== shard.index - 1) {
          throw new ReportFieldError(
            `results[${i}].units`,
            `unit ${unit} is not in shard ${shard.index}/${shard.count}`,
          );
        }
      }
    });
    return {
      schema: CHECK_REPORT_SCHEMA,
      seed,
      runsPerProperty,
      seeds,
      timeLimitSeconds,
      plantedFault: plant as PlantedFault | null,
      shard,
      policies,
      properties,
      results,
    };
  } catch (error) {
    if (error instanceof ReportFieldError) {
      throw new UsageError(`${file}: ${error.field === "" ? "" : `field "${error.field}": `}${error.problem}`);
    }
    throw error;
  }
}

function readReportFile(file: string, root: string): CheckReport {
  const absolute = isAbsolute(file) ? file : resolve(root, file);
  if (!existsSync(absolute)) throw new UsageError(`${file}: no such file`);
  if (!statSync(absolute).isFile()) throw new UsageError(`${file}: not a file`);
  return parseCheckReport(readFileSync(absolute, "utf8"), file);
}

/** The settings every shard of one run shares. */
const SHARED_FIELDS = [
  "seed",
  "runsPerProperty",
  "seeds",
  "timeLimitSeconds",
  "plantedFault",
  "policies",
  "properties",
] as const;

/** Joins the reports of all shards of one run; throws UsageError naming the file at fault. */
export function mergeReports(inputs: readonly { readonly file: string; readonly report: CheckReport }[]): CheckReport {
  const first = inputs[0];
  if (first === undefined) throw new UsageError("no reports to merge");
  const count = first.report.shard?.count ?? 1;
  const byIndex = new Map<number, string>();
  for (const { file, report } of inputs) {
    for (const field of SHARED_FIELDS) {
      if (JSON.stringify(report[field]) !== JSON.stringify(first.report[field])) {
        throw new UsageError(
          `${file}: field "${field}": ${shown(report[field])}, but ${first.file} has ${shown(first.report[field])} (shards of one check share every argument but --shard)`,
        );
      }
    }
    const shard = report.shard ?? { index: 1, count: 1 };
    if (shard.count !== count) {
      throw new UsageError(
        `${file}: field "shard": shard ${shard.index}/${shard.count}, but ${first.file} is one of ${count}`,
      );
    }
    const other = byIndex.get(shard.index);
    if (other !== undefined)
      throw new UsageError(`${file}: field "shard": shard ${shard.index}/${count} was already given by ${other}`);
    byIndex.set(shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new UsageError(
      `shard${missing.length > 1 ? "s" : ""} ${missing
        .slice(0, 10)
        .map((k) => `${k}/${count}`)
        .join(", ")}${missing.length > 10 ? ", ..." : ""} missing (given: ${[...byIndex.keys()]
        .sort((a, b) => a - b)
        .map((k) => `${k}/${count}`)
        .join(", ")})`,
    );
  }
  const head = first.report;
  const seen = new Map<number, string>();
  for (const { file, report } of inputs) {
    for (const row of report.results) {
      for (const unit of row.units) {
        const other = seen.get(unit);
        if (other !== undefined) throw new UsageError(`${file}: field "results": unit ${unit} is also in ${other}`);
        seen.set(unit, file);
      }
    }
  }
  const total = head.policies.length * head.properties.length * head.seeds;
  for (let unit = 0; unit < total; unit++) {
    if (seen.has(unit)) continue;
    const at = unitPosition(unit, head.properties.length, head.seeds);
    const owner = byIndex.get((unit % count) + 1) ?? first.file;
    throw new UsageError(
      `${owner}: field "results": no result for unit ${unit} (${head.policies[at.policyIndex]} × ${head.properties[at.propertyIndex]}, seed ${at.seedIndex + 1}/${head.seeds})`,
    );
  }
  const minRuns = new Map<string, number>();
  head.properties.forEach((id, i) => {
    const property = propertyById(id);
    if (property === undefined)
      throw new UsageError(`${first.file}: field "properties[${i}]": unknown property ${shown(id)}`);
    minRuns.set(id, property.situation.minRuns);
  });
  return {
    ...head,
    shard: null,
    results: combineAll(
      inputs.flatMap((i) => i.report.results),
      (id) => minRuns.get(id) ?? 0,
    ),
  };
}

export async function mergeCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const args = parseArgs(argv, [{ name: "json", kind: "boolean" }]);
  if (args.positionals.length === 0) {
    throw new UsageError("give the shard reports to merge, e.g. gfpcheck merge reports/check-shard-*.json");
  }
  const output = join(ctx.root, "reports", "check.json");
  const files = args.positionals.filter((file) => {
    const own = resolve(ctx.root, file) === output;
    if (own && args.positionals.length > 1) ctx.progress(`merge: skipping ${file} (the file merge writes)`);
    return !own || args.positionals.length === 1;
  });
  const inputs = files.map((file) => ({ file, report: readReportFile(file, ctx.root) }));
  const merged = mergeReports(inputs);
  const jsonText = checkReportJson(merged);
  const written = writeCheckReports(ctx.root, merged);
  if (args.booleans.has("json")) ctx.out(jsonText.trimEnd());
  else {
    ctx.out(checkMatrix(merged));
    ctx.out(`merged ${inputs.length} report(s); reports written: ${written.join(", ")}`);
  }
  return reportExitCode(merged);
}
