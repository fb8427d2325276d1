/**
 * Runs an op sequence through the model, checking invariants after every step. The one place
 * where generated plans become concrete ops: what a regression file stores and a replay shows.
 */

import type { TraceEvent } from "../model/events.js";
import { sparseForEach } from "../model/persistent/sparse-array.js";
import { PolicyError } from "../model/policies/validate-policy.js";
import { type Op, type Outcome, SERVER_PID, type System, step } from "../model/system.js";
import type { PlannedOp } from "./arbitraries.js";
import { labelStep } from "./coverage.js";
import { type Invariant, initialMemory, observeStep, type Violation, violation } from "./invariants/invariant.js";

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

/** Live pids in ascending order (the newest fork last), with or without the server. */
export function livePids(system: System, includeServer: boolean): number[] {
  const pids: number[] = [];
  sparseForEach(system.memory.processes, (pid) => {
    if (includeServer || pid !== SERVER_PID) pids.push(pid);
    return true;
  });
  return pids;
}

/** Resolves a planned op against the current state; undefined when it cannot apply (nothing to pick). */
export function concretize(system: System, planned: PlannedOp | Op): Op | undefined {
  if (!("pick" in planned)) return planned as Op;
  if (planned.kind === "free") {
    const handles = liveHandles(system);
    if (handles.length === 0) return undefined;
    return { kind: "free", handle: handles[planned.pick % handles.length] as number, cpu: planned.cpu };
  }
  const pids = livePids(system, planned.kind === "touch");
  if (pids.length === 0) return undefined;
  const pid = pids[planned.pick % pids.length] as number;
  if (planned.kind === "exit") return { kind: "exit", pid, cpu: planned.cpu };
  const { pick: _pick, ...rest } = planned;
  return { ...rest, pid };
}

/** Where a run stands before an op: resumable, because every part of it is immutable. */
interface Checkpoint {
  readonly system: System;
  readonly memories: readonly unknown[];
  /** Concrete ops executed so far (a prefix of the run's `ops`). */
  readonly executed: number;
}

interface Trajectory {
  readonly planned: readonly (PlannedOp | Op)[];
  /** checkpoints[i]: the run before planned op i. */
  readonly checkpoints: readonly Checkpoint[];
  readonly executed: readonly Op[];
}

function runFrom(
  planned: readonly (PlannedOp | Op)[],
  invariants: readonly Invariant[],
  options: RunOptions,
  start: Checkpoint,
  startIndex: number,
  executedPrefix: readonly Op[],
  checkpoints: Checkpoint[] | undefined,
): RunResult {
  let system = start.system;
  let memories = start.memories;
  const executed: Op[] = executedPrefix.slice(0, start.executed);
  const steps: StepRecord[] = [];
  for (let index = startIndex; index < planned.length; index++) {
    checkpoints?.push({ system, memories, executed: executed.length });
    const used = index + 1;
    const op = concretize(system, planned[index] as PlannedOp | Op);
    if (op === undefined) continue;
    const stepIndex = executed.length;
    let result: ReturnType<typeof step>;
    try {
      result = step(system, op);
    } catch (error) {
      // A user's policy hook misbehaved: bad input, not a finding about the allocator.
      if (error instanceof PolicyError) throw error;
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
    const next: unknown[] = [];
    const violations: Violation[] = [];
    invariants.forEach((inv, i) => {
      const observed = observeStep(inv, memories[i], ctx);
      next.push(observed.memory);
      violations.push(...observed.violations);
    });
    memories = next;
    if (violations.length > 0) {
      return { ops: executed, steps, final: system, violations, failedAt: stepIndex, plannedOpsUsed: used };
    }
  }
  checkpoints?.push({ system, memories, executed: executed.length });
  const finals = invariants.flatMap((inv) => inv.finish?.(system, executed.length) ?? []);
  const all = { ops: executed, steps, final: system, plannedOpsUsed: planned.length };
  if (finals.length > 0) return { ...all, violations: finals, failedAt: -1 };
  return { ...all, violations: [], failedAt: undefined };
}

function startOf(initial: System, invariants: readonly Invariant[]): Checkpoint {
  return { system: initial, memories: invariants.map(initialMemory), executed: 0 };
}

export function runOps(
  initial: System,
  ops: readonly (PlannedOp | Op)[],
  invariants: readonly Invariant[],
  options: RunOptions = {},
): RunResult {
  return runFrom(ops, invariants, options, startOf(initial, invariants), 0, [], undefined);
}

/**
 * A runner for shrinking: candidates differ from the current sequence late as often as early,
 * so it keeps the checkpoints of the last failing run and resumes each candidate from the
 * longest prefix it shares with it (ops are compared by identity, as shrinking slices arrays).
 */
export function prefixRunner(initial: System, invariants: readonly Invariant[]) {
  let base: Trajectory | undefined;
  return (planned: readonly (PlannedOp | Op)[]): RunResult => {
    let shared = 0;
    if (base !== undefined) {
      const limit = Math.min(planned.length, base.checkpoints.length - 1);
      while (shared < limit && planned[shared] === base.planned[shared]) shared++;
    }
    const start = base?.checkpoints[shared] ?? startOf(initial, invariants);
    const checkpoints: Checkpoint[] = base === undefined ? [] : base.checkpoints.slice(0, shared);
    const result = runFrom(
      planned,
      invariants,
      {},
      start,
      base === undefined ? 0 : shared,
      base?.executed ?? [],
      checkpoints,
    );
    if (result.violations.length > 0) base = { planned, checkpoints, executed: result.ops };
    return result;
  };
}
