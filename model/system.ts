/**
 * The whole modelled machine and `step(system, op)`: the one function the property harness,
 * the CLI and the regressions drive. Pure: the input system is never modified; the result is a
 * new system, the events of the step (frozen), and what the op achieved.
 */

import { match } from "ts-pattern";
import { allocPages } from "./alloc-pages.js";
import type { EventSink, TraceEvent } from "./events.js";
import { type GfpMask, gfpMigratetype, gfpMobilityConflict } from "./gfp.js";
import { kcompactdDoWork } from "./kcompactd.js";
import { DEFAULT_KERNEL_OPTIONS, type KernelOptions } from "./kernel-options.js";
import { kswapdRun } from "./kswapd.js";
import { IDLE_NODE, type NodeState } from "./node.js";
import { bootZone, freePages } from "./page-alloc.js";
import {
  defaultUseFor,
  emptyPageOwners,
  getAllocation,
  type PageOwners,
  type PageUse,
  recordAllocation,
  releaseAllocation,
} from "./page-owner.js";
import { drainAllPages, drainPagesZone } from "./pcp.js";
import { baseline } from "./policies/baseline.js";
import type { Policy } from "./policies/policy.js";
import type { ZoneConfigInput, ZoneState } from "./zone.js";

export interface System {
  readonly zone: ZoneState;
  readonly owners: PageOwners;
  /** kswapd and kcompactd. */
  readonly node: NodeState;
  readonly kernel: KernelOptions;
  /** The allocation policy under test (model/policies/). */
  readonly policy: Policy;
}

export interface SystemConfig {
  readonly zone?: ZoneConfigInput;
  readonly kernel?: Partial<KernelOptions>;
  /** Default: baseline. */
  readonly policy?: Policy;
}

export type Op =
  /** alloc_pages(gfp, order) on `cpu`; `use` says what the memory is for (default: from the migratetype). */
  | {
      readonly kind: "alloc";
      readonly order: number;
      readonly gfp: GfpMask;
      readonly cpu: number;
      readonly use?: PageUse;
    }
  /** __free_pages() of an earlier allocation, on `cpu`. */
  | { readonly kind: "free"; readonly handle: number; readonly cpu: number }
  /** drain_local_pages() on one CPU, or drain_all_pages(NULL). */
  | { readonly kind: "drain"; readonly cpu: number | "all" }
  /** Time passes: kswapd and then kcompactd run once if they are awake. */
  | { readonly kind: "tick" };

export type OpKind = Op["kind"];

export type Outcome =
  | { readonly kind: "allocated"; readonly handle: number; readonly pfn: number; readonly order: number }
  | { readonly kind: "alloc-failed"; readonly order: number }
  | { readonly kind: "freed"; readonly handle: number; readonly pfn: number; readonly order: number }
  | { readonly kind: "drained"; readonly pages: number }
  | { readonly kind: "ticked"; readonly kswapdRan: boolean; readonly kcompactdRan: boolean }
  /** The op does not make sense in this state (unknown handle, CPU out of range); nothing changed. */
  | { readonly kind: "rejected"; readonly reason: string };

export interface StepResult {
  readonly system: System;
  readonly events: readonly TraceEvent[];
  readonly outcome: Outcome;
}

export function initSystem(config: SystemConfig = {}): System {
  const zone = bootZone(config.zone ?? {});
  return {
    zone,
    owners: emptyPageOwners(zone.config.nrPages),
    node: IDLE_NODE,
    kernel: { ...DEFAULT_KERNEL_OPTIONS, ...config.kernel },
    policy: config.policy ?? baseline,
  };
}

function validCpu(system: System, cpu: number): boolean {
  return Number.isInteger(cpu) && cpu >= 0 && cpu < system.zone.config.nrCpus;
}

function stepAlloc(
  system: System,
  op: Extract<Op, { kind: "alloc" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
  if (gfpMobilityConflict(op.gfp)) {
    return {
      system,
      outcome: {
        kind: "rejected",
        reason: "__GFP_MOVABLE and __GFP_RECLAIMABLE together (a WARN in gfp_migratetype())",
      },
    };
  }
  const result = allocPages(system, op, system.kernel, system.policy, events);
  const after: System = { ...system, ...result.state };
  if (result.pfn === undefined) {
    return { system: after, outcome: { kind: "alloc-failed", order: op.order } };
  }
  const migratetype = gfpMigratetype(op.gfp);
  const recorded = recordAllocation(after.owners, {
    pfn: result.pfn,
    order: op.order,
    gfp: op.gfp,
    migratetype,
    use: op.use ?? defaultUseFor(migratetype),
  });
  return {
    system: { ...after, owners: recorded.owners },
    outcome: { kind: "allocated", handle: recorded.handle, pfn: result.pfn, order: op.order },
  };
}

function stepFree(
  system: System,
  op: Extract<Op, { kind: "free" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
  const alloc = getAllocation(system.owners, op.handle);
  if (alloc === undefined) return { system, outcome: { kind: "rejected", reason: `no allocation #${op.handle}` } };
  const zone = freePages(system.zone, alloc.pfn, alloc.order, op.cpu, events);
  return {
    system: { ...system, zone, owners: releaseAllocation(system.owners, op.handle) },
    outcome: { kind: "freed", handle: op.handle, pfn: alloc.pfn, order: alloc.order },
  };
}

function stepDrain(
  system: System,
  op: Extract<Op, { kind: "drain" }>,
  events: EventSink,
): { system: System; outcome: Outcome } {
  const before = system.zone.pcp.reduce((n, pcp) => n + pcp.count, 0);
  let zone: ZoneState;
  if (op.cpu === "all") {
    zone = drainAllPages(system.zone, { caller: "op" }, events);
  } else {
    if (!validCpu(system, op.cpu)) return { system, outcome: { kind: "rejected", reason: `no cpu ${op.cpu}` } };
    zone = drainPagesZone(system.zone, op.cpu, events).zone;
  }
  const after = zone.pcp.reduce((n, pcp) => n + pcp.count, 0);
  return { system: { ...system, zone }, outcome: { kind: "drained", pages: before - after } };
}

function stepTick(system: System, events: EventSink): { system: System; outcome: Outcome } {
  const kswapdRan = !system.node.kswapd.sleeping;
  let state = kswapdRun(system, events);
  const kcompactdRan = !state.node.kcompactd.sleeping;
  if (kcompactdRan) state = kcompactdDoWork(state, events);
  return { system: { ...system, ...state }, outcome: { kind: "ticked", kswapdRan, kcompactdRan } };
}

/** Apply one op. */
export function step(system: System, op: Op): StepResult {
  const events: EventSink = [];
  const result = match(op)
    .with({ kind: "alloc" }, (o) => stepAlloc(system, o, events))
    .with({ kind: "free" }, (o) => stepFree(system, o, events))
    .with({ kind: "drain" }, (o) => stepDrain(system, o, events))
    .with({ kind: "tick" }, () => stepTick(system, events))
    .exhaustive();
  return { system: result.system, events: Object.freeze(events), outcome: result.outcome };
}
