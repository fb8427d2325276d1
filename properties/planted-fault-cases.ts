/**
 * Which planted fault proves which property can fail. Every invariant has at least one; every
 * planted fault is used by one (planted-faults.test.ts checks both).
 */

import type { PlantedFault } from "../model/fault-injection.js";

export interface PlantedFaultCase {
  readonly property: string;
  readonly fault: PlantedFault;
}

export const PLANTED_FAULT_CASES: readonly PlantedFaultCase[] = [
  { property: "no-leaks", fault: "double-count-free" },
  { property: "no-leaks", fault: "lose-expand-remainder" },
  { property: "coalescing", fault: "skip-merge" },
  { property: "alignment", fault: "wrong-buddy-pfn" },
  { property: "freelist-hygiene", fault: "claim-keeps-pageblock-type" },
  { property: "watermark-safety", fault: "slowpath-skips-watermark" },
];

/** "A handful of ops": the most a shrunk planted-fault counterexample may need. */
export const HANDFUL_OF_OPS = 10;

/** The seed and budget the tests and the committed regressions use. */
export const PLANTED_FAULT_SEED = 2026;
export const PLANTED_FAULT_RUNS = 200;
