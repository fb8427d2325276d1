/**
 * Runs one property with fast-check and turns the outcome into a verdict with its evidence:
 * `violated` with the shrunk counterexample, `holds` when enough runs reached the property's
 * situation and none failed, `inconclusive` otherwise.
 */

import fc from "fast-check";
import { PolicyError } from "../model/policies/validate-policy.js";
import type { Op, SystemConfig } from "../model/system.js";
import { initSystem } from "../model/system.js";
import type { PlannedOp } from "./arbitraries.js";
import type { Violation } from "./invariants/invariant.js";
import { shrinkSequence } from "./minimize.js";
import { plannedOpSimplifier } from "./op-shrink.js";
import type { Property } from "./property.js";
import { prefixRunner, runOps } from "./run-ops.js";

export type Verdict = "holds" | "violated" | "inconclusive";

export interface Counterexample {
  /** The shrunk, concrete op sequence. */
  readonly ops: readonly Op[];
  readonly violations: readonly Violation[];
  readonly failedAt: number;
  /** fast-check provenance: enough to regenerate the unshrunk case while the generators stay the same. */
  readonly seed: number;
  readonly path: string;
  /** Length of the sequence fast-check found, before it was shrunk. */
  readonly foundLength: number;
}

export interface PropertyResult {
  readonly property: string;
  readonly verdict: Verdict;
  /** Runs generated before the first failure (shrinking attempts are not counted). */
  readonly runs: number;
  /** Runs that reached the property's situation. */
  readonly reached: number;
  /** For each coverage label, in how many runs it occurred. */
  readonly coverage: Readonly<Record<string, number>>;
  readonly counterexample: Counterexample | null;
  readonly situation: string;
}

export interface CheckOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Overrides the property's system (a policy, a planted fault). */
  readonly system?: SystemConfig;
  /** Stop generating after this many milliseconds (fast-check interruptAfterTimeLimit). */
  readonly timeLimitMs?: number;
}

export function checkProperty(property: Property, options: CheckOptions): PropertyResult {
  const config = options.system ?? property.system;
  const initial = initSystem(config);
  let shrinking = false;
  let runs = 0;
  let reached = 0;
  const coverage = new Map<string, number>();
  const predicate = fc.property(property.ops(config), (planned) => {
    const run = runOps(initial, planned, property.invariants, { record: !shrinking });
    if (!shrinking) {
      runs++;
      if (property.situation.reached(run)) reached++;
      const seen = new Set(run.steps.flatMap((s) => s.labels));
      for (const label of seen) coverage.set(label, (coverage.get(label) ?? 0) + 1);
    }
    if (run.violations.length > 0) {
      shrinking = true;
      return false;
    }
    return true;
  });
  // endOnFailure: fast-check finds the failure; minimize.ts shrinks it.
  const result = fc.check(predicate, {
    seed: options.seed,
    numRuns: options.numRuns,
    endOnFailure: true,
    ...(options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs }),
  });
  const coverageRecord = Object.fromEntries([...coverage.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const base = {
    property: property.id,
    runs,
    reached,
    coverage: coverageRecord,
    situation: property.situation.description,
  };
  // A user's policy hook that throws is bad input, not a counterexample.
  if (result.failed && result.errorInstance instanceof PolicyError) throw result.errorInstance;
  if (result.failed && result.counterexample !== null) {
    const [found] = result.counterexample;
    // Shrink towards the same failure: a violation of the same invariant (or the same crash).
    const run = prefixRunner(initial, property.invariants);
    const first = run(found);
    const kind = first.violations[0]?.invariant;
    // Ops after the failing one never ran; drop them before shrinking.
    const prefix = found.slice(0, first.plannedOpsUsed);
    const stillFails = (candidate: readonly PlannedOp[]) => run(candidate).violations.some((v) => v.invariant === kind);
    const shrunk = shrinkSequence(prefix, stillFails, plannedOpSimplifier(initial.zone.config.maxPageOrder));
    const final = runOps(initial, shrunk, property.invariants);
    return {
      ...base,
      verdict: "violated",
      counterexample: {
        ops: final.ops,
        violations: final.violations,
        failedAt: final.failedAt ?? -1,
        seed: result.seed,
        path: result.counterexamplePath ?? "",
        foundLength: found.length,
      },
    };
  }
  if (result.failed) throw result.errorInstance ?? new Error(`property ${property.id} failed without a counterexample`);
  const enough = reached >= property.situation.minRuns;
  return { ...base, verdict: enough ? "holds" : "inconclusive", counterexample: null };
}
