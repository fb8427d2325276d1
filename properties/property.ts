/**
 * A property: an invariant (or several), the op sequences that exercise it, the zone they run
 * on, and the situation it is about. The situation keeps verdicts honest: when too few runs
 * reach it, the verdict is `inconclusive`, never `holds`.
 */

import type fc from "fast-check";
import { PAGE_ALLOC_COSTLY_ORDER } from "../model/migratetype.js";
import type { SystemConfig } from "../model/system.js";
import type { ZoneConfigInput } from "../model/zone.js";
import { fragmentingOps, type OpMix, type PlannedOp, serverOps } from "./arbitraries.js";
import { alignment } from "./invariants/alignment.js";
import {
  BOUNDED_COMPACTION,
  boundedCompactionAcrossCalls,
  boundedCompactionPerCall,
} from "./invariants/bounded-compaction.js";
import { coalescing } from "./invariants/coalescing.js";
import { freelistHygiene } from "./invariants/freelist-hygiene.js";
import type { Invariant } from "./invariants/invariant.js";
import { noLeaks } from "./invariants/no-leaks.js";
import { watermarkSafety } from "./invariants/watermark-safety.js";
import type { RunResult } from "./run-ops.js";
import { MEDIUM_ZONE, SMALL_ZONE, TINY_ZONE } from "./test-zones.js";

/** Up to 4 phases of 150 ops: enough to fill the 1024-page zone several times over. */
const SMALL_ZONE_MIX: OpMix = { phaseLength: 150, maxPhases: 4 };
/** Shorter phases for the 256-page zone, so its counterexamples shrink fast. */
const TINY_ZONE_MIX: OpMix = { phaseLength: 60, maxPhases: 4 };

export interface Situation {
  /** What a run must do for the property to be tested at all. */
  readonly description: string;
  readonly reached: (run: RunResult) => boolean;
  /**
   * How many generated runs must reach the situation before "no counterexample" means "holds".
   * An absolute count: what makes a verdict believable is the number of runs that exercised the
   * situation, not their share of a budget the caller chose.
   */
  readonly minRuns: number;
}

export interface Property {
  readonly id: string;
  readonly title: string;
  readonly invariants: readonly Invariant[];
  readonly system: SystemConfig;
  readonly ops: (config: SystemConfig) => fc.Arbitrary<PlannedOp[]>;
  readonly situation: Situation;
}

export function runHas(run: RunResult, ...labels: string[]): boolean {
  return labels.every((label) => run.steps.some((s) => s.labels.includes(label)));
}

export function runHasAny(run: RunResult, ...labels: string[]): boolean {
  return run.steps.some((s) => labels.some((label) => s.labels.includes(label)));
}

function zoneProperty(
  invariant: Invariant,
  situation: Situation,
  zone: ZoneConfigInput = SMALL_ZONE,
  mix: OpMix = SMALL_ZONE_MIX,
): Property {
  const shape = { maxPageOrder: zone.maxPageOrder ?? 10, nrCpus: zone.nrCpus ?? 1 };
  return {
    id: invariant.id,
    title: invariant.statement,
    invariants: [invariant],
    system: { zone },
    ops: () => fragmentingOps(shape, mix),
    situation,
  };
}

export const FOUNDATION_PROPERTIES: readonly Property[] = [
  zoneProperty(noLeaks, {
    description: "allocations and frees with pages spilling from pcp lists back to the buddy lists",
    reached: (run) => runHas(run, "op:freed", "pcp-spill"),
    minRuns: 20,
  }),
  zoneProperty(coalescing, {
    description: "freed pages reaching the buddy lists (pcp spill or drain) after blocks were split",
    reached: (run) => runHas(run, "op:freed", "buddy-take") && runHasAny(run, "pcp-spill", "drain-all"),
    minRuns: 20,
  }),
  zoneProperty(alignment, {
    description: "blocks of several orders split from larger ones, freed and merged again",
    reached: (run) => runHas(run, "op:freed", "buddy-take", "pcp-refill"),
    minRuns: 20,
  }),
  zoneProperty(freelistHygiene, {
    description: "allocations falling back into another migratetype's pageblocks (claim or steal)",
    reached: (run) => runHasAny(run, "fallback-claim", "fallback-steal"),
    minRuns: 15,
  }),
  zoneProperty(
    watermarkSafety,
    {
      description: "allocations made while the zone is below its low watermark",
      reached: (run) =>
        run.steps.some((s) => s.labels.includes("below-low-watermark") && s.labels.includes("op:allocated")),
      minRuns: 15,
    },
    TINY_ZONE,
    TINY_ZONE_MIX,
  ),
];

/** Six phases of up to 100 ops: enough to fill the 1024-page zone and fragment it. */
const MEDIUM_ZONE_MIX: OpMix = { phaseLength: 100, maxPhases: 6 };

/** A costly direct compaction that scanned and failed, followed by another direct compaction of that order. */
function repeatedCostlyCompaction(run: RunResult): boolean {
  const failedScan = new Set<number>();
  for (const step of run.steps) {
    for (const e of step.events) {
      if (e.name !== "direct_compact" || e.order <= PAGE_ALLOC_COSTLY_ORDER) continue;
      if (failedScan.has(e.order)) return true;
      if (!e.success && e.migrate_scanned + e.free_scanned > 0) failedScan.add(e.order);
    }
  }
  return false;
}

/** Properties about the slow path: reclaim, compaction and the background threads in play. */
export const SLOWPATH_PROPERTIES: readonly Property[] = [
  {
    id: BOUNDED_COMPACTION,
    title:
      "Direct compaction runs no more often than the gfp flags allow, and a failed one is not repeated for the same order until something that could help was freed.",
    invariants: [boundedCompactionPerCall, boundedCompactionAcrossCalls],
    system: { zone: MEDIUM_ZONE },
    ops: () =>
      serverOps({ maxPageOrder: MEDIUM_ZONE.maxPageOrder ?? 7, nrCpus: MEDIUM_ZONE.nrCpus ?? 2 }, MEDIUM_ZONE_MIX),
    situation: {
      description:
        "a costly direct compaction scanned and failed, and a later allocation of that order tried direct compaction again",
      reached: (run) => repeatedCostlyCompaction(run),
      minRuns: 10,
    },
  },
];
