/**
 * Which planted fault proves which property can fail. Every invariant has at least one; every
 * planted fault is used by one (planted-faults.test.ts checks both).
 */

import type { PlantedFault } from "../model/fault-injection.js";

export interface PlantedFaultCase {
  readonly property: string;
  readonly fault: PlantedFault;
  /** The one invariant of the property that must catch it (default: the property's own id). */
  readonly invariant?: string;
  /** The policy the fault lives in, when it breaks a policy's mechanism rather than the kernel's. */
  readonly policy?: string;
  /** The most ops the shrunk counterexample may have (default HANDFUL_OF_OPS). */
  readonly maxOps?: number;
}

/**
 * A slow-path fault needs a fragmented zone to show: allocations that fill the 1024-page zone
 * to its watermarks, unmovable pages pinned in each of its eight order-7 regions, then the
 * allocations that compact. That takes tens of single ops, and the shrinker leaves only ops
 * that matter: no single op and no pair of ops can be removed (minimize.ts). Measured at the
 * test seed: 19 and 13 ops for the two slow-path faults below, and 2 for the min-order one (a
 * read that fills the page cache, then a one-page write); the bound leaves room for generator
 * and model changes without accepting an unshrunk case.
 */
const FRAGMENTED_ZONE_OPS = 40;

export const PLANTED_FAULT_CASES: readonly PlantedFaultCase[] = [
  { property: "no-leaks", fault: "double-count-free" },
  { property: "no-leaks", fault: "keep-free-blocks-count" },
  { property: "no-leaks", fault: "lose-expand-remainder" },
  { property: "coalescing", fault: "skip-merge" },
  { property: "no-leaks", fault: "wrong-buddy-pfn" },
  { property: "alignment", fault: "free-wrong-pfn" },
  { property: "freelist-hygiene", fault: "claim-keeps-pageblock-type" },
  { property: "watermark-safety", fault: "slowpath-skips-watermark" },
  {
    property: "bounded-compaction",
    fault: "slowpath-never-gives-up",
    invariant: "bounded-compaction/per-call",
    maxOps: FRAGMENTED_ZONE_OPS,
  },
  {
    property: "bounded-compaction",
    fault: "compact-once-forgets",
    invariant: "bounded-compaction/across-calls",
    policy: "compact-once",
    maxOps: FRAGMENTED_ZONE_OPS,
  },
  {
    property: "min-order-fallback",
    fault: "min-order-without-reclaim",
    maxOps: FRAGMENTED_ZONE_OPS,
  },
];

/** "A handful of ops": the most a shrunk planted-fault counterexample may need. */
export const HANDFUL_OF_OPS = 10;

/** The seed and budget the tests and the committed regressions use. */
export const PLANTED_FAULT_SEED = 2026;
export const PLANTED_FAULT_RUNS = 200;
