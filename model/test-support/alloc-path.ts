/**
 * Test support: what one allocation did, in the two forms the slow-path tests compare against
 * expectations written by hand from the kernel text.
 *
 * - `allocPath(events)`: the `alloc_step` lines (describeAllocSteps()), with page frame numbers
 *   replaced by `#`. Which pfn a page comes from is buddy-allocator detail the slow path does not
 *   decide; the step sequence is what the kernel text prescribes.
 * - `pathCounters(events)`: the allocCounters() fields that describe the path (wakeups, direct
 *   compactions by priority and result, deferral, reclaim passes, drains, retry decisions, OOM,
 *   NOFAIL trips), every one of them, so an expectation built with `counters({...})` (which fills
 *   in zeros) pins all of them at once.
 */

import { type AllocCounters, allocCounters } from "../alloc-counters.js";
import type { TraceEvent } from "../events.js";
import { describeAllocSteps } from "../events-format.js";

export function allocPath(events: readonly TraceEvent[]): string[] {
  return describeAllocSteps(events).map((line) => line.replace(/pfn \d+/g, "pfn #"));
}

export const PATH_COUNTER_NAMES = [
  "allocFailures",
  "wakeAllKswapds",
  "kswapdWakeups",
  "kcompactdWakeups",
  "directCompactions",
  "directCompactPrioAsync",
  "directCompactPrioSyncLight",
  "directCompactPrioSyncFull",
  "directCompactSkipped",
  "directCompactDeferred",
  "directCompactComplete",
  "directCompactPartialSkipped",
  "directCompactNoSuitablePage",
  "directCompactNotSuitableZone",
  "directCompactContinue",
  "directCompactContended",
  "directCompactSuccess",
  "compactStall",
  "compactFail",
  "compactSuccess",
  "deferCompaction",
  "compactionDeferred",
  "directReclaims",
  "directReclaimProgress",
  "directReclaimCompactionReady",
  "drainAllPagesCalls",
  "reclaimRetryChecks",
  "compactRetryChecks",
  "compactRetries",
  "outOfMemory",
  "nofailRetries",
] as const satisfies readonly (keyof AllocCounters)[];

export type PathCounterName = (typeof PATH_COUNTER_NAMES)[number];
export type PathCounters = Record<PathCounterName, number>;

export function pathCounters(events: readonly TraceEvent[]): PathCounters {
  const all = allocCounters(events);
  return Object.fromEntries(PATH_COUNTER_NAMES.map((name) => [name, all[name]])) as PathCounters;
}

/** The expected path counters: the ones given, every other one zero. */
export function counters(nonZero: Partial<PathCounters>): PathCounters {
  const zero = Object.fromEntries(PATH_COUNTER_NAMES.map((name) => [name, 0])) as PathCounters;
  return { ...zero, ...nonZero };
}
