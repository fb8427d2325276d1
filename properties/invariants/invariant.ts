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

export interface Invariant {
  /** Stable id used by the CLI, reports and regression files. */
  readonly id: string;
  /** One sentence: what must always hold. */
  readonly statement: string;
  /** The kernel rule it encodes, with its source. */
  readonly source: string;
  check(ctx: StepContext): readonly Violation[];
  /** Optional check of the final state once the sequence is over. */
  finish?(final: System, steps: number): readonly Violation[];
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
