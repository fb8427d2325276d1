/** Hand-made comparison figures for the tests of compare.ts and of the reports drawn from it. */

import { ZERO_ALLOC_COUNTERS } from "../../../model/alloc-counters.js";
import type { ComparisonCounters, PolicyFigures } from "../compare.js";
import type { CostBreakdown } from "../cost-model.js";

/** A cost breakdown whose total is the sum of its parts. */
export function cost(parts: Omit<CostBreakdown, "total">): CostBreakdown {
  const total =
    parts.copy + parts.folio + parts.freelist + parts.wakeups + parts.compaction + parts.reclaim + parts.drain;
  return { ...parts, total };
}

/** Counters of a run that did nothing; spread it and set what a test needs. */
export const NO_WORK: ComparisonCounters = {
  writes: 0,
  slowpathEntries: 0,
  directCompactions: 0,
  compactPagesScanned: 0,
  directReclaims: 0,
  drainAllPages: 0,
  kswapdWakes: 0,
  kcompactdWakes: 0,
  enomem: 0,
  folioOrders: {},
};

/** One policy's figures: writes of 512 pages each, cost per page from the breakdown. */
export function policyFigures(
  policy: string,
  relativeThroughput: number,
  pagesWritten: number,
  c: CostBreakdown,
  counters: ComparisonCounters,
): PolicyFigures {
  return {
    policy,
    relativeThroughput,
    counters,
    pagesRequested: counters.writes * 512,
    pagesWritten,
    cost: c,
    costPerPageWrittenNs: pagesWritten === 0 ? Number.POSITIVE_INFINITY : c.total / pagesWritten,
    writeCounters: ZERO_ALLOC_COUNTERS,
    timeline: [],
  };
}
