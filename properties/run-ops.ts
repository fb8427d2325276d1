/**
 * Runs an op sequence through the model, checking invariants after every step. The one place
 * where generated plans become concrete ops: what a regression file stores and a replay shows.
 */

import type { TraceEvent } from "../model/events.js";
import { sparseForEach } from "../model/persistent/sparse-array.js";
import { type Op, type Outcome, type System, step } from "../model/system.js";
import type { PlannedOp } from "./arbitraries.js";
import { labelStep } from "./coverage.js";
import { type Invariant, type Violation, violation } from "./invariants/invariant.js";

/** The pseudo-invariant of a run that crashed the model, like a kernel BUG_ON. */
export const MODEL_BUG = "model-bug";

export interface StepRecord {
  readonly op: Op;
  readonly outcome: Outcome;
  readonly events: readonly TraceEvent[];
  readonly labels: readonly string[];
}

export interface RunResult {
  /** The concrete ops executed, up to and including the first violating one. */
  readonly ops: readonly Op[];
  readonly steps: readonly StepRecord[];
  readonly final: System;
  /** The violations of the first failing step (or of the end-of-run checks), empty if none. */
  readonly violations: readonly Violation[];
  /** Index of the failing step, -1 for the end-of-run check, undefined if nothing failed. */
  readonly failedAt: number | undefined;
  /** How many of the input ops were consumed (all of them unless a step failed). */
  readonly plannedOpsUsed: number;
}

export interface RunOptions {
  /** Keep per-step events and labels (replays, coverage); off for speed when only the verdict matters. */
  readonly record?: boolean;
}

function liveHandles(system: System): number[] {
  const handles: number[] = [];
  sparseForEach(system.owners.byHandle, (handle) => {
    handles.push(handle);
    return true;
  });
  return handles;
}

/** Resolves a planned op against the current state; undefined when it cannot apply (no live allocation). */
export function concretize(system: System, planned: PlannedOp): Op | undefined {
  if (planned.kind !== "free" || !("pick" in planned)) return planned as Op;
  const handles = liveHandles(system);
  if (handles.length === 0) return undefined;
  return { kind: "free", handle: handles[planned.pick % handles.length] as number, cpu: planned.cpu };
}

export function runOps(
  initial: System,
  ops: readonly (PlannedOp | Op)[],
  invariants: readonly Invariant[],
  options: RunOptions = {},
): RunResult {
  let system = initial;
  const executed: Op[] = [];
  const steps: StepRecord[] = [];
  for (const [index, planned] of ops.entries()) {
    const used = index + 1;
    const op = "pick" in planned ? concretize(system, planned) : (planned as Op);
    if (op === undefined) continue;
    const stepIndex = executed.length;
    let result: ReturnType<typeof step>;
    try {
      result = step(system, op);
    } catch (error) {
      // The model's own consistency checks (the analogue of a kernel BUG_ON) tripped: the state
      // was already corrupt. That is a failure too, reported as such.
      executed.push(op);
      const message = error instanceof Error ? error.message : String(error);
      const bug = violation(MODEL_BUG, stepIndex, `the model hit an internal inconsistency: ${message}`, []);
      return { ops: executed, steps, final: system, violations: [bug], failedAt: stepIndex, plannedOpsUsed: used };
    }
    executed.push(op);
    if (options.record) {
      const labels = labelStep(result.events, result.outcome);
      if (result.system.zone.nrFreePages < result.system.zone.watermark.low) labels.push("below-low-watermark");
      steps.push({ op, outcome: result.outcome, events: result.events, labels });
    }
    const ctx = { before: system, after: result.system, op, outcome: result.outcome, events: result.events, stepIndex };
    system = result.system;
    const violations = invariants.flatMap((inv) => inv.check(ctx));
    if (violations.length > 0) {
      return { ops: executed, steps, final: system, violations, failedAt: stepIndex, plannedOpsUsed: used };
    }
  }
  const finals = invariants.flatMap((inv) => inv.finish?.(system, executed.length) ?? []);
  const all = { ops: executed, steps, final: system, plannedOpsUsed: ops.length };
  if (finals.length > 0) return { ...all, violations: finals, failedAt: -1 };
  return { ...all, violations: [], failedAt: undefined };
}
