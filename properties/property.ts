/**
 * A property: an invariant (or several), the op sequences that exercise it, the zone they run
 * on, and the situation it is about. The situation keeps verdicts honest: when too few runs
 * reach it, the verdict is `inconclusive`, never `holds`.
 */

import type fc from "fast-check";
import { entersSlowpath } from "../model/events.js";
import { __GFP_DIRECT_RECLAIM } from "../model/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../model/migratetype.js";
import { initSystem, type SystemConfig } from "../model/system.js";
import type { ZoneConfigInput } from "../model/zone.js";
import { fragmentingOps, type OpMix, type PlannedOp, serverOps, workloadOps } from "./arbitraries.js";
import { alignment } from "./invariants/alignment.js";
import {
  BOUNDED_COMPACTION,
  boundedCompactionAcrossCalls,
  boundedCompactionPerCall,
} from "./invariants/bounded-compaction.js";
import { coalescing } from "./invariants/coalescing.js";
import { freelistHygiene } from "./invariants/freelist-hygiene.js";
import type { Invariant } from "./invariants/invariant.js";
import { minOrderFallback } from "./invariants/min-order-fallback.js";
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

function stepsWith(run: RunResult, label: string): number {
  return run.steps.filter((s) => s.labels.includes(label)).length;
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

/**
 * Two costly allocation calls of the same order that were allowed to reclaim and compact (their
 * gfp has __GFP_DIRECT_RECLAIM) both entered the slow path: the second is where a policy could
 * repeat a compaction that already failed. Defined on what the caller asked for, not on what
 * the policy did with it, so a policy that never compacts reaches it as often as baseline.
 */
function repeatedCostlySlowpath(run: RunResult): boolean {
  const entries = new Map<number, number>();
  let pendingOrder: number | undefined;
  for (const step of run.steps) {
    for (const e of step.events) {
      if (entersSlowpath(e)) {
        pendingOrder = e.order > PAGE_ALLOC_COSTLY_ORDER ? e.order : undefined;
      } else if (e.name === "mm_page_alloc" && pendingOrder !== undefined && e.order === pendingOrder) {
        if ((e.gfp_flags & __GFP_DIRECT_RECLAIM) !== 0) {
          const seen = (entries.get(e.order) ?? 0) + 1;
          if (seen >= 2) return true;
          entries.set(e.order, seen);
        }
        pendingOrder = undefined;
      }
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
        "two costly allocations of the same order, both allowed to reclaim and compact, entered the slow path",
      reached: (run) => repeatedCostlySlowpath(run),
      minRuns: 10,
    },
  },
];

/** Six phases of up to 80 workload ops (each a write, a read, a fork...: many allocations). */
const WORKLOAD_MIX: OpMix = { phaseLength: 80, maxPhases: 6 };

/** Properties of the workload: page-cache folios, page tables, the policies' filemap gfp. */
export const WORKLOAD_PROPERTIES: readonly Property[] = [
  {
    id: minOrderFallback.id,
    title: minOrderFallback.statement,
    invariants: [minOrderFallback],
    system: { zone: MEDIUM_ZONE },
    ops: (config) => {
      const zone = initSystem(config);
      return workloadOps(
        {
          maxPageOrder: zone.pagecache.config.maxOrder,
          nrCpus: zone.zone.config.nrCpus,
          sharedBufferPages: zone.memory.config.sharedBufferPages,
          privatePages: zone.memory.config.privatePages,
        },
        WORKLOAD_MIX,
      );
    },
    situation: {
      description: "writes falling back to min_order while free memory is at or below the min watermark",
      reached: (run) => stepsWith(run, "min-order-attempt-below-min") >= 1,
      minRuns: 10,
    },
  },
];
