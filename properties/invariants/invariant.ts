/**
 * What an invariant is: a pure function from one step (the state before and after, the op,
 * the events) to the violations it finds. Never a bare boolean: the evidence (which pages,
 * which step, what was expected and what was seen) is what a replay shows.
 */

import type { TraceEvent } from "../../model/events.js";
import type { Op, Outcome, System } from "../../model/system.js";

export interface StepContext {
  readonly before: System;
  readonly after: System;
  readonly op: Op;
  readonly outcome: Outcome;
  readonly events: readonly TraceEvent[];
  /** 0-based index of the op in the sequence. */
  readonly stepIndex: number;
}

export interface Violation {
  readonly invariant: string;
  /** 0-based step; -1 for the end-of-sequence check. */
  readonly step: number;
  readonly message: string;
  /** The pfns involved, for the memory map of a replay. */
  readonly pages: readonly number[];
  readonly expected?: unknown;
  readonly seen?: unknown;
}

/**
 * A check that remembers earlier steps (a window of time, a count per order), written as a pure
 * reducer: `initial` is its memory before the first step, `observe` returns the new memory and
 * the violations of one step. Memories are immutable, so a run can be resumed from any step.
 */
export interface Observer<S> {
  readonly initial: S;
  observe(memory: S, ctx: StepContext): { readonly memory: S; readonly violations: readonly Violation[] };
}

export interface Invariant {
  /** Stable id used by the CLI, reports and regression files. */
  readonly id: string;
  /** One sentence: what must always hold. */
  readonly statement: string;
  /** The kernel rule it encodes, with its source. */
  readonly source: string;
  /** A check of one step on its own; or `observer` for a check across steps. */
  check?(ctx: StepContext): readonly Violation[];
  readonly observer?: Observer<unknown>;
  /** Optional check of the final state once the sequence is over. */
  finish?(final: System, steps: number): readonly Violation[];
}

/** One step of an invariant: a stateless check, or an observer advancing its memory. */
export function observeStep(
  invariant: Invariant,
  memory: unknown,
  ctx: StepContext,
): { memory: unknown; violations: readonly Violation[] } {
  if (invariant.observer !== undefined) return invariant.observer.observe(memory, ctx);
  if (invariant.check === undefined) throw new Error(`invariant ${invariant.id} has neither check nor observer`);
  return { memory, violations: invariant.check(ctx) };
}

export function initialMemory(invariant: Invariant): unknown {
  return invariant.observer?.initial;
}

/** Caps the evidence list: the first few violations of a step say everything a person needs. */
export const MAX_VIOLATIONS_PER_STEP = 8;

export function violation(
  invariant: string,
  step: number,
  message: string,
  pages: readonly number[],
  expected?: unknown,
  seen?: unknown,
): Violation {
  return {
    invariant,
    step,
    message,
    pages,
    ...(expected === undefined ? {} : { expected }),
    ...(seen === undefined ? {} : { seen }),
  };
}
