/**
 * A property: an invariant (or several), the op sequences that exercise it, the zone they run
 * on, and the situation it is about. The situation keeps verdicts honest: when too few runs
 * reach it, the verdict is `inconclusive`, never `holds`.
 */

import type fc from "fast-check";
import type { SystemConfig } from "../model/system.js";
import type { ZoneConfigInput } from "../model/zone.js";
import { fragmentingOps, type OpMix, type PlannedOp } from "./arbitraries.js";
import { alignment } from "./invariants/alignment.js";
import { coalescing } from "./invariants/coalescing.js";
import { freelistHygiene } from "./invariants/freelist-hygiene.js";
import type { Invariant } from "./invariants/invariant.js";
import { noLeaks } from "./invariants/no-leaks.js";
import { watermarkSafety } from "./invariants/watermark-safety.js";
import type { RunResult } from "./run-ops.js";
import { SMALL_ZONE, TINY_ZONE } from "./test-zones.js";

/** Up to 4 phases of 150 ops: enough to fill the 1024-page zone several times over. */
const SMALL_ZONE_MIX: OpMix = { phaseLength: 150, maxPhases: 4 };
/** Shorter phases for the 256-page zone, so its counterexamples shrink fast. */
const TINY_ZONE_MIX: OpMix = { phaseLength: 60, maxPhases: 4 };

export interface Situation {
  /** What a run must do for the property to be tested at all. */
  readonly description: string;
  readonly reached: (run: RunResult) => boolean;
  /** Fraction of runs that must reach it for a verdict. */
  readonly minFraction: number;
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
    minFraction: 0.3,
  }),
  zoneProperty(coalescing, {
    description: "freed pages reaching the buddy lists (pcp spill or drain) after blocks were split",
    reached: (run) => runHas(run, "op:freed", "buddy-take") && runHasAny(run, "pcp-spill", "drain-all"),
    minFraction: 0.3,
  }),
  zoneProperty(alignment, {
    description: "blocks of several orders split from larger ones, freed and merged again",
    reached: (run) => runHas(run, "op:freed", "buddy-take", "pcp-refill"),
    minFraction: 0.3,
  }),
  zoneProperty(freelistHygiene, {
    description: "allocations falling back into another migratetype's pageblocks (claim or steal)",
    reached: (run) => runHasAny(run, "fallback-claim", "fallback-steal"),
    minFraction: 0.2,
  }),
  zoneProperty(
    watermarkSafety,
    {
      description: "allocations made while the zone is below its low watermark",
      reached: (run) =>
        run.steps.some((s) => s.labels.includes("below-low-watermark") && s.labels.includes("op:allocated")),
      minFraction: 0.2,
    },
    TINY_ZONE,
    TINY_ZONE_MIX,
  ),
];
