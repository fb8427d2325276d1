/** The invariants, by stable id. */

import { alignment } from "./alignment.js";
import { boundedCompactionAcrossCalls, boundedCompactionPerCall } from "./bounded-compaction.js";
import { coalescing } from "./coalescing.js";
import { freelistHygiene } from "./freelist-hygiene.js";
import type { Invariant } from "./invariant.js";
import { minOrderFallback } from "./min-order-fallback.js";
import { noLeaks } from "./no-leaks.js";
import { watermarkSafety } from "./watermark-safety.js";

export const INVARIANTS: readonly Invariant[] = [
  noLeaks,
  coalescing,
  alignment,
  freelistHygiene,
  watermarkSafety,
  boundedCompactionPerCall,
  boundedCompactionAcrossCalls,
  minOrderFallback,
];

export function invariantById(id: string): Invariant | undefined {
  return INVARIANTS.find((inv) => inv.id === id);
}

export type { Invariant, StepContext, Violation } from "./invariant.js";
