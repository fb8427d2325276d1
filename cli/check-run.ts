/**
 * `gfpcheck check` without the terminal: runs the work units (policy x property x seed index,
 * see shard.ts) of this shard, compares with the expected-verdict matrix, saves new
 * counterexamples, and returns the report. The command (commands/check.ts) prints it and
 * writes the files.
 *
 * The report holds nothing that changes from run to run with the same arguments: no times, no
 * "newly saved" flags. Whether a counterexample file was new goes to the progress stream.
 */

import { mkdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { PlantedFault } from "../model/fault-injection.js";
import { builtinPolicy } from "../model/policies/index.js";
import type { Policy } from "../model/policies/policy.js";
import type { SystemConfig } from "../model/system.js";
import { checkProperty, type Verdict } from "../properties/check-property.js";
import { counterexampleCase } from "../properties/counterexample-case.js";
import { expectedVerdict, loadExpectedVerdicts } from "../properties/expected-verdicts.js";
import { type OpJson, opToJson } from "../properties/op-codec.js";
import type { Property } from "../properties/property.js";
import type { ExpectedVerdict } from "../properties/regression-file.js";
import { saveRegression } from "../properties/regression-store.js";
import { combineAll, type Shard, shardUnits, type WorkUnit, workUnits } from "./shard.js";

/** The `schema` of reports/check.json (and of shard reports, which `gfpcheck merge` reads). */
export const CHECK_REPORT_SCHEMA = "gfpcheck-check/1";

export interface CheckRequest {
  readonly properties: readonly Property[];
  readonly policies: readonly Policy[];
  readonly seed: number;
  /** Generated runs per property and policy, split over `seeds`. */
  readonly runs: number;
  /** How many seeds the runs are split over (default 1). */
  readonly seeds?: number;
  /** Stop generating for one unit after this long. Results then depend on the machine's speed. */
  readonly timeLimitSeconds?: number;
  /** Run only this shard's units. */
  readonly shard?: Shard;
  /** Run with a planted fault (for showing that invariants catch bugs); such results have no expectation. */
  readonly plant?: PlantedFault;
  /** The project directory: counterexamples go to its regressions/, and file names in the report are relative to it. */
  readonly root: string;
}

export interface CounterexampleRef {
  /** The saved regression file, relative to the project directory, with `/` separators. */
  readonly file: string;
  /** The unit that found it (see shard.ts). */
  readonly unit: number;
  readonly violation: string;
  readonly ops: readonly OpJson[];
}

export interface CheckResultRow {
  readonly policy: string;
  readonly property: string;
  readonly verdict: Verdict;
  /** From properties/expected-verdicts.json; null for a policy file or a planted fault. */
  readonly expected: ExpectedVerdict | null;
  /** For each coverage label, in how many runs it occurred. */
  readonly coverage: Readonly<Record<string, number>>;
  readonly runs: number;
  /** Runs that reached the property's situation. */
  readonly reached: number;
  /** Reached runs needed before "no counterexample" means "holds". */
  readonly minRuns: number;
  readonly situation: string;
  /** The units this row joins. */
  readonly units: readonly number[];
  readonly counterexample: CounterexampleRef | null;
}

export interface CheckReport {
  readonly schema: typeof CHECK_REPORT_SCHEMA;
  readonly seed: number;
  readonly runsPerProperty: number;
  readonly seeds: number;
  readonly timeLimitSeconds: number | null;
  readonly plantedFault: PlantedFault | null;
  /** Null for a whole run (or a merge of all shards). */
  readonly shard: Shard | null;
  /** The work, in unit order: every policy and property of the run, whichever shard this is. */
  readonly policies: readonly string[];
  readonly properties: readonly string[];
  readonly results: readonly CheckResultRow[];
}

/** A verdict other than the expected one (or inconclusive, which is never acceptable). */
export function isUnexpected(row: CheckResultRow): boolean {
  return row.expected === null ? row.verdict === "inconclusive" : row.verdict !== row.expected;
}

/**
 * In one shard of several, only a violation is final (the other shards cannot undo it); a
 * holds or inconclusive waits for `gfpcheck merge`.
 */
export function isUnexpectedInShard(row: CheckResultRow): boolean {
  return row.verdict === "violated" && row.expected === "holds";
}

/** The exit code a report earns: 1 for an unexpected verdict, else 0. */
export function reportExitCode(report: CheckReport): number {
  const partial = report.shard !== null && report.shard.count > 1;
  return report.results.some(partial ? isUnexpectedInShard : isUnexpected) ? 1 : 0;
}

/** Where a policy's counterexamples go: regressions/ for built-ins (npm test replays them), regressions/<id>/ otherwise. */
export function regressionDir(root: string, policy: Policy): string {
  const builtin = builtinPolicy(policy.id) === policy;
  return builtin ? join(root, "regressions") : join(root, "regressions", policy.id);
}

export type CheckProgress =
  | { readonly kind: "start"; readonly index: number; readonly total: number; readonly unit: UnitInfo }
  | {
      readonly kind: "done";
      readonly index: number;
      readonly total: number;
      readonly unit: UnitInfo;
      readonly row: CheckResultRow;
      /** A counterexample file written by this unit (absent when there was none or it was already there). */
      readonly savedFile?: string;
    };

export interface UnitInfo {
  readonly policy: string;
  readonly property: string;
  readonly seedIndex: number;
  readonly seeds: number;
  readonly runs: number;
}

function runUnit(request: CheckRequest, unit: WorkUnit, matrix: ReturnType<typeof loadExpectedVerdicts>) {
  const policyValue = request.policies[unit.policyIndex] as Policy;
  const property = request.properties[unit.propertyIndex] as Property;
  const policy = policyValue.id;
  const zone = { ...property.system.zone, ...(request.plant ? { faults: [request.plant] } : {}) };
  const system: SystemConfig = { ...property.system, zone, policy: policyValue };
  const result = checkProperty(property, {
    seed: unit.seed,
    numRuns: unit.runs,
    system,
    ...(request.timeLimitSeconds === undefined ? {} : { timeLimitMs: request.timeLimitSeconds * 1000 }),
  });
  let counterexample: CounterexampleRef | null = null;
  let savedFile: string | undefined;
  const regression = counterexampleCase(result, policy, system, unit.runs);
  if (regression !== undefined && result.counterexample !== null) {
    const saved = saveRegression(regressionDir(request.root, policyValue), regression);
    const file = relative(request.root, saved.file).split(sep).join("/");
    if (saved.created) savedFile = file;
    counterexample = {
      file,
      unit: unit.unit,
      violation: regression.description,
      ops: result.counterexample.ops.map(opToJson),
    };
  }
  const row: CheckResultRow = {
    policy,
    property: property.id,
    verdict: result.verdict,
    expected:
      request.plant || builtinPolicy(policy) !== policyValue ? null : expectedVerdict(matrix, policy, property.id),
    coverage: result.coverage,
    runs: result.runs,
    reached: result.reached,
    minRuns: property.situation.minRuns,
    situation: result.situation,
    units: [unit.unit],
    counterexample,
  };
  return { row, savedFile };
}

export function runCheck(request: CheckRequest, onProgress?: (event: CheckProgress) => void): CheckReport {
  const matrix = loadExpectedVerdicts();
  const seeds = request.seeds ?? 1;
  const all = workUnits(request.policies.length, request.properties.length, seeds, request.seed, request.runs);
  const units = shardUnits(all, request.shard ?? null);
  // Both directories exist after a check, even when nothing was found.
  mkdirSync(join(request.root, "regressions"), { recursive: true });
  mkdirSync(join(request.root, "reports"), { recursive: true });
  const parts: CheckResultRow[] = [];
  units.forEach((unit, index) => {
    const info: UnitInfo = {
      policy: (request.policies[unit.policyIndex] as Policy).id,
      property: (request.properties[unit.propertyIndex] as Property).id,
      seedIndex: unit.seedIndex,
      seeds,
      runs: unit.runs,
    };
    onProgress?.({ kind: "start", index, total: units.length, unit: info });
    const { row, savedFile } = runUnit(request, unit, matrix);
    parts.push(row);
    onProgress?.({
      kind: "done",
      index,
      total: units.length,
      unit: info,
      row,
      ...(savedFile === undefined ? {} : { savedFile }),
    });
  });
  const minRuns = new Map(request.properties.map((p) => [p.id, p.situation.minRuns]));
  const shard = request.shard ?? null;
  return {
    schema: CHECK_REPORT_SCHEMA,
    seed: request.seed,
    runsPerProperty: request.runs,
    seeds,
    timeLimitSeconds: request.timeLimitSeconds ?? null,
    plantedFault: request.plant ?? null,
    shard: shard !== null && shard.count > 1 ? shard : null,
    policies: request.policies.map((p) => p.id),
    properties: request.properties.map((p) => p.id),
    results: combineAll(parts, (id) => minRuns.get(id) ?? 0),
  };
}

/** The report as written to reports/check.json and printed by --json. */
export function checkReportJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
