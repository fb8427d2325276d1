/**
 * `gfpcheck check` without the terminal: runs properties x policies, compares with the
 * expected-verdict matrix, saves new counterexamples, and returns the report. The command
 * (commands/check.ts) prints it and writes the files.
 */

import { join, relative } from "node:path";
import type { PlantedFault } from "../model/fault-injection.js";
import type { Policy } from "../model/policies/policy.js";
import type { SystemConfig } from "../model/system.js";
import { checkProperty, type Verdict } from "../properties/check-property.js";
import { counterexampleCase } from "../properties/counterexample-case.js";
import { expectedVerdict, loadExpectedVerdicts } from "../properties/expected-verdicts.js";
import { type OpJson, opToJson } from "../properties/op-codec.js";
import type { Property } from "../properties/property.js";
import type { ExpectedVerdict } from "../properties/regression-file.js";
import { saveRegression } from "../properties/regression-store.js";

export interface CheckRequest {
  readonly properties: readonly Property[];
  readonly policies: readonly Policy[];
  readonly seed: number;
  readonly runs: number;
  readonly timeLimitMs?: number;
  /** Run with a planted fault (for showing that invariants catch bugs); such results have no expectation. */
  readonly plant?: PlantedFault;
  /** The project directory: counterexamples go to its regressions/, and file names in the report are relative to it. */
  readonly root: string;
}

export interface CheckResultRow {
  readonly policy: string;
  readonly property: string;
  readonly verdict: Verdict;
  readonly expected: ExpectedVerdict | null;
  readonly coverage: Readonly<Record<string, number>>;
  readonly runs: number;
  readonly reached: number;
  readonly situation: string;
  readonly counterexample: {
    readonly file: string;
    readonly saved: boolean;
    readonly violation: string;
    readonly ops: readonly OpJson[];
  } | null;
}

export interface CheckReport {
  readonly seed: number;
  readonly runsPerProperty: number;
  readonly plantedFault: PlantedFault | null;
  readonly results: readonly CheckResultRow[];
}

export function isUnexpected(row: CheckResultRow): boolean {
  return row.expected === null ? row.verdict === "inconclusive" : row.verdict !== row.expected;
}

export function runCheck(
  request: CheckRequest,
  onProgress?: (done: number, total: number, row: CheckResultRow) => void,
): CheckReport {
  const matrix = loadExpectedVerdicts();
  const total = request.properties.length * request.policies.length;
  const results: CheckResultRow[] = [];
  for (const policyValue of request.policies) {
    const policy = policyValue.id;
    for (const property of request.properties) {
      const zone = { ...property.system.zone, ...(request.plant ? { faults: [request.plant] } : {}) };
      const system: SystemConfig = { ...property.system, zone, policy: policyValue };
      const result = checkProperty(property, {
        seed: request.seed,
        numRuns: request.runs,
        system,
        ...(request.timeLimitMs === undefined ? {} : { timeLimitMs: request.timeLimitMs }),
      });
      let counterexample: CheckResultRow["counterexample"] = null;
      const regression = counterexampleCase(result, policy, system, request.runs);
      if (regression !== undefined && result.counterexample !== null) {
        const saved = saveRegression(join(request.root, "regressions"), regression);
        counterexample = {
          file: relative(request.root, saved.file),
          saved: saved.created,
          violation: regression.description,
          ops: result.counterexample.ops.map(opToJson),
        };
      }
      const row: CheckResultRow = {
        policy,
        property: property.id,
        verdict: result.verdict,
        expected: request.plant ? null : expectedVerdict(matrix, policy, property.id),
        coverage: result.coverage,
        runs: result.runs,
        reached: result.reached,
        situation: result.situation,
        counterexample,
      };
      results.push(row);
      onProgress?.(results.length, total, row);
    }
  }
  return { seed: request.seed, runsPerProperty: request.runs, plantedFault: request.plant ?? null, results };
}
