/**
 * Differential test: the pure model (model/system.ts `step`) against the mutable reference
 * allocator (reference-allocator.ts), written independently from the same kernel source. Both
 * run the same generated op sequence; after every op the pfn each allocation got and everything
 * observable about the zone must be equal: NR_FREE_PAGES, nr_free_highatomic, the highatomic
 * reservation, each CPU's pcp count and lists, every free list in order, every pageblock's
 * migratetype and the watermark boost.
 *
 * The reference runs the kernel's behaviour except where the model says it leaves a mechanism
 * out (MODEL_SCOPE in reference-allocator.ts, each switch citing the model's own comment). A
 * disagreement anywhere else is a bug in one of the two, to be settled from the kernel source,
 * not by relaxing a comparison here.
 *
 * The reference stops at get_page_from_freelist(): an allocation is the fast attempt and then one
 * attempt with gfp_to_alloc_flags(). Every op goes through `step`; when the model's slow path went
 * further for an allocation (direct reclaim, compaction, reserve retries, the OOM path: see
 * model/slowpath.ts), that op is redone on the model below the slow path, through the model's own
 * get_page_from_freelist() called the way __alloc_pages() calls it (allocBelowSlowpath), so both
 * sides keep doing the same thing and the zone mechanics stay compared on every step.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALLOC_CMA, ALLOC_WMARK_LOW, allocFlagsNofragment, gfpToAllocFlags } from "../model/alloc-flags.js";
import type { EventSink, TraceEvent } from "../model/events.js";
import { PLANTED_FAULTS, type PlantedFault } from "../model/fault-injection.js";
import { formatGfp, gfpMigratetype } from "../model/gfp.js";
import type { KernelOptions } from "../model/kernel-options.js";
import { MIGRATE_MOVABLE, MIGRATE_TYPES, type Migratetype, migratetypeName } from "../model/migratetype.js";
import { getPageFromFreelist } from "../model/page-alloc.js";
import { defaultUseFor, pageProbe, recordAllocation } from "../model/page-owner.js";
import { vmstatUpdate } from "../model/pcp.js";
import { dequeToArray } from "../model/persistent/chunked-deque.js";
import { listIds } from "../model/persistent/linked-list.js";
import { sparseGet } from "../model/persistent/sparse-array.js";
import { initSystem, type Op, type Outcome, type System, type SystemConfig, step } from "../model/system.js";
import { type ZoneConfigInput, zonePcpPages } from "../model/zone.js";
import { fragmentingOps, type OpMix, type PlannedOp } from "./arbitraries.js";
import {
  MODEL_SCOPE,
  ReferenceAllocator,
  type ReferenceObservation,
  type ReferenceOptions,
} from "./reference-allocator.js";
import { concretize } from "./run-ops.js";
import { SMALL_ZONE, TINY_ZONE } from "./test-zones.js";

const SMALL_MIX: OpMix = { phaseLength: 150, maxPhases: 4 };
const TINY_MIX: OpMix = { phaseLength: 60, maxPhases: 4 };

/** Shrinking a long failing sequence can take minutes; past this the best case so far is reported. */
const SHRINK_BUDGET_MS = 5_000;

interface Mismatch {
  readonly step: number;
  readonly op: Op;
  readonly what: string;
  readonly model: unknown;
  readonly reference: unknown;
  readonly history: readonly Op[];
}

/** Situations a run went through, from the model's events, so a green run can show it tested something. */
type Situation =
  | "claim"
  | "steal"
  | "boost"
  | "highatomic-reserve"
  | "alloc-failed"
  | "pcp-spill"
  | "drain"
  | "pcp-high-raised"
  | "below-high"
  | "decay-spill";

interface DifferentialRun {
  readonly mismatch: Mismatch | undefined;
  readonly reached: ReadonlySet<Situation>;
}

function observeModel(system: System): ReferenceObservation {
  const zone = system.zone;
  const nrPageblocks = zone.config.nrPages >> zone.config.pageblockOrder;
  return {
    nrFreePages: zone.nrFreePages,
    nrFreeHighatomic: zone.nrFreeHighatomic,
    nrReservedHighatomic: zone.nrReservedHighatomic,
    pcpCounts: zone.pcp.map((p) => p.count),
    pcpHighs: zone.pcp.map((p) => p.high),
    belowHigh: zone.belowHigh,
    pcpLists: zone.pcp.map((p) => p.lists.map((l) => dequeToArray(l))),
    freeLists: zone.freeLists.map((l) => listIds(zone.freeBlocks, l)),
    pageblockMt: Array.from({ length: nrPageblocks }, (_, i) => sparseGet(zone.pageblockMt, i) ?? -1),
    watermarkBoost: zone.watermarkBoost,
  };
}

function sameArray(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The first observable that differs, with both values. */
function compare(model: ReferenceObservation, ref: ReferenceObservation, pageblockOrder: number) {
  for (const key of [
    "nrFreePages",
    "nrFreeHighatomic",
    "nrReservedHighatomic",
    "watermarkBoost",
    "belowHigh",
  ] as const) {
    if (model[key] !== ref[key]) return { what: key, model: model[key], reference: ref[key] };
  }
  if (!sameArray(model.pcpCounts, ref.pcpCounts)) {
    return { what: "pcp[cpu].count", model: model.pcpCounts, reference: ref.pcpCounts };
  }
  if (!sameArray(model.pcpHighs, ref.pcpHighs)) {
    return { what: "pcp[cpu].high", model: model.pcpHighs, reference: ref.pcpHighs };
  }
  for (const [cpu, lists] of model.pcpLists.entries()) {
    for (const [pindex, list] of lists.entries()) {
      const other = ref.pcpLists[cpu]?.[pindex] ?? [];
      if (!sameArray(list, other)) {
        return { what: `pcp[${cpu}].lists[${pindex}] (head..tail)`, model: list, reference: other };
      }
    }
  }
  for (const [index, list] of model.freeLists.entries()) {
    const other = ref.freeLists[index] ?? [];
    if (!sameArray(list, other)) {
      const order = Math.floor(index / MIGRATE_TYPES);
      const mt = migratetypeName((index % MIGRATE_TYPES) as Migratetype);
      return { what: `free_area[${order}].free_list[${mt}] (head..tail)`, model: list, reference: other };
    }
  }
  for (const [block, mt] of model.pageblockMt.entries()) {
    if (mt !== ref.pageblockMt[block]) {
      const what = `migratetype of pageblock ${block} (pfn ${block << pageblockOrder})`;
      return { what, model: mt, reference: ref.pageblockMt[block] };
    }
  }
  return undefined;
}

type AllocOp = Extract<Op, { kind: "alloc" }>;

/** The alloc_step events of an allocation that did no more than the reference does. */
const REFERENCE_ALLOC_STEPS: ReadonlySet<string> = new Set([
  "fast_path",
  "wake_all_kswapds",
  "get_page_from_freelist",
  "got_pg",
  "nopage",
]);

/** Did `step` stop where the reference stops: the fast attempt and at most one slow-path attempt? */
function allocWithinReferenceScope(events: readonly TraceEvent[]): boolean {
  let attempts = 0;
  for (const e of events) {
    if (e.name !== "alloc_step") continue;
    if (!REFERENCE_ALLOC_STEPS.has(e.step)) return false;
    if (e.step === "get_page_from_freelist") attempts++;
  }
  return attempts <= 1;
}

/**
 * __alloc_pages() on the model with the slow path cut down to its first get_page_from_freelist()
 * at gfp_to_alloc_flags(), as the reference has it (what `step` did before model/slowpath.ts).
 */
function allocBelowSlowpath(system: System, op: AllocOp, events: EventSink): { system: System; outcome: Outcome } {
  const { order, gfp, cpu } = op;
  if (order > system.zone.config.maxPageOrder) return { system, outcome: { kind: "alloc-failed", order } };
  const migratetype = gfpMigratetype(gfp);
  const probe = pageProbe(system.owners);
  const { dma32Populated, defragMode, highatomicNeedsMinReserve } = system.kernel;
  const fastFlags =
    ALLOC_WMARK_LOW |
    (migratetype === MIGRATE_MOVABLE ? ALLOC_CMA : 0) |
    allocFlagsNofragment(gfp, dma32Populated, defragMode);
  const request = { order, migratetype, cpu, probe, defragMode };
  let result = getPageFromFreelist(system.zone, { ...request, allocFlags: fastFlags }, events);
  if (result.pfn === undefined) {
    const allocFlags = gfpToAllocFlags(gfp, order, { highatomicNeedsMinReserve, rtTask: false, defragMode });
    result = getPageFromFreelist(result.zone, { ...request, allocFlags }, events);
  }
  const after: System = { ...system, zone: result.zone };
  if (result.pfn === undefined) return { system: after, outcome: { kind: "alloc-failed", order } };
  const recorded = recordAllocation(after.owners, {
    pfn: result.pfn,
    order,
    gfp,
    migratetype,
    use: op.use ?? defaultUseFor(migratetype),
  });
  return {
    system: { ...after, owners: recorded.owners },
    outcome: { kind: "allocated", handle: recorded.handle, pfn: result.pfn, order },
  };
}

/** `step`, except for allocations that went past the reference's scope (see the file comment). */
function stepModel(system: System, op: Op): { system: System; outcome: Outcome; events: readonly TraceEvent[] } {
  const result = step(system, op);
  if (op.kind !== "alloc" || allocWithinReferenceScope(result.events)) return result;
  const events: EventSink = [];
  return { ...allocBelowSlowpath(system, op, events), events };
}

function situations(events: readonly TraceEvent[], outcome: Outcome, op: Op): Situation[] {
  const found: Situation[] = [];
  if (outcome.kind === "alloc-failed") found.push("alloc-failed");
  if (op.kind === "drain" && outcome.kind === "drained" && outcome.pages > 0) found.push("drain");
  for (const e of events) {
    if (e.name === "mm_page_alloc_extfrag") found.push(e.change_ownership ? "claim" : "steal");
    else if (e.name === "boost_watermark") found.push("boost");
    else if (e.name === "reserve_highatomic_pageblock") found.push("highatomic-reserve");
    else if (e.name === "mm_page_pcpu_drain" && op.kind === "free") found.push("pcp-spill");
  }
  return found;
}

/**
 * What a "tick" op is to a differential run: outside the reference (kswapd and kcompactd), or
 * just its vmstat worker, which both sides have.
 */
type TickHandling = "outside-scope" | "vmstat-only";

/**
 * Runs `planned` through both and stops at the first step where they disagree. Handles name the
 * model's allocations; the reference's pfn and order for each handle are kept here.
 */
function runDifferential(
  config: SystemConfig,
  planned: readonly PlannedOp[],
  options: ReferenceOptions = MODEL_SCOPE,
  ticks: TickHandling = "outside-scope",
): DifferentialRun {
  let system = initSystem(config);
  const ref = new ReferenceAllocator(config, options);
  const pageblockOrder = system.zone.config.pageblockOrder;
  const refBlocks = new Map<number, { pfn: number; order: number }>();
  const history: Op[] = [];
  const reached = new Set<Situation>();
  const boot = compare(observeModel(system), ref.observe(), pageblockOrder);
  if (boot !== undefined) {
    return { mismatch: { step: -1, op: { kind: "drain", cpu: "all" }, history, ...boot }, reached };
  }
  for (const p of planned) {
    const op = concretize(system, p);
    if (op === undefined) continue;
    const stepIndex = history.length;
    history.push(op);
    const fail = (what: string, model: unknown, reference: unknown): DifferentialRun => ({
      mismatch: { step: stepIndex, op, what, model, reference, history },
      reached,
    });
    if (op.kind === "tick") {
      if (ticks === "outside-scope")
        return fail("op kind", "tick (kswapd, kcompactd)", "outside the reference's scope");
      // Only the tick's vmstat worker (decay_pcp_high() on every CPU): the reference has no
      // kswapd, kcompactd or flusher.
      const before = zonePcpPages(system.zone);
      system = { ...system, zone: vmstatUpdate(system.zone, []) };
      ref.vmstatUpdate();
      if (zonePcpPages(system.zone) < before) reached.add("decay-spill");
      const diff = compare(observeModel(system), ref.observe(), pageblockOrder);
      if (diff !== undefined) return fail(diff.what, diff.model, diff.reference);
      continue;
    }
    const result = stepModel(system, op);
    system = result.system;
    const outcome = result.outcome;
    for (const s of situations(result.events, outcome, op)) reached.add(s);
    try {
      if (op.kind === "alloc") {
        const pfn = ref.alloc(op.order, op.gfp, op.cpu, op.use);
        const modelPfn = outcome.kind === "allocated" ? outcome.pfn : undefined;
        if (modelPfn !== pfn) return fail("allocated pfn", modelPfn ?? "failed", pfn ?? "failed");
        if (outcome.kind === "allocated" && pfn !== undefined) refBlocks.set(outcome.handle, { pfn, order: op.order });
      } else if (op.kind === "free") {
        const block = refBlocks.get(op.handle);
        if (block === undefined) {
          // Both must find the handle unknown; then neither changes anything.
          if (outcome.kind !== "rejected") return fail("free of an unknown handle", outcome, "no such allocation");
          continue;
        }
        refBlocks.delete(op.handle);
        ref.free(block.pfn, block.order, op.cpu);
        if (outcome.kind !== "freed" || outcome.pfn !== block.pfn) {
          return fail("freed block", outcome, { pfn: block.pfn, order: block.order });
        }
      } else if (op.cpu === "all") {
        ref.drainAll();
      } else {
        ref.drainCpu(op.cpu);
      }
    } catch (error) {
      return fail("reference consistency check", outcome, error instanceof Error ? error.message : String(error));
    }
    const diff = compare(observeModel(system), ref.observe(), pageblockOrder);
    if (diff !== undefined) return fail(diff.what, diff.model, diff.reference);
    if (system.zone.pcp.some((p) => p.high > system.zone.config.pcpHighMin)) reached.add("pcp-high-raised");
    if (system.zone.belowHigh) reached.add("below-high");
  }
  return { mismatch: undefined, reached };
}

function formatOp(op: Op): string {
  if (op.kind === "alloc") return `alloc order=${op.order} gfp=${formatGfp(op.gfp)} cpu=${op.cpu}`;
  if (op.kind === "free") return `free handle=${op.handle} cpu=${op.cpu}`;
  if (op.kind === "drain") return `drain cpu=${op.cpu}`;
  return op.kind;
}

const HISTORY_SHOWN = 40;

function formatMismatch(m: Mismatch): string {
  const show = (v: unknown) => JSON.stringify(v);
  const first = Math.max(0, m.history.length - HISTORY_SHOWN);
  const steps = m.history.slice(first).map((op, i) => `  ${String(first + i).padStart(4)}: ${formatOp(op)}`);
  return [
    `model and reference disagree after step ${m.step} (${formatOp(m.op)}) on ${m.what}:`,
    `  model:     ${show(m.model)}`,
    `  reference: ${show(m.reference)}`,
    first > 0 ? `the last ${HISTORY_SHOWN} of ${m.history.length} ops:` : "ops:",
    ...steps,
  ].join("\n");
}

function shapeOf(zone: ZoneConfigInput) {
  return { maxPageOrder: zone.maxPageOrder ?? 10, nrCpus: zone.nrCpus ?? 4 };
}

/**
 * The project's phased op sequences without "tick": kswapd and kcompactd (reclaim, compaction)
 * are outside the reference, and what they do to the zone cannot be redone below them.
 */
function zoneOps(zone: ZoneConfigInput, mix: OpMix): fc.Arbitrary<PlannedOp[]> {
  return fragmentingOps(shapeOf(zone), mix).map((ops) => ops.filter((op) => op.kind !== "tick"));
}

/** Every generated sequence agrees step by step; returns the situations the runs went through. */
function assertAgree(
  config: SystemConfig,
  mix: OpMix,
  seed: number,
  numRuns: number,
  ticks: TickHandling = "outside-scope",
): Set<Situation> {
  const reached = new Set<Situation>();
  const ops =
    ticks === "outside-scope" ? zoneOps(config.zone ?? {}, mix) : fragmentingOps(shapeOf(config.zone ?? {}), mix);
  fc.assert(
    fc.property(ops, (ops) => {
      const run = runDifferential(config, ops, MODEL_SCOPE, ticks);
      if (run.mismatch !== undefined) throw new Error(formatMismatch(run.mismatch));
      for (const s of run.reached) reached.add(s);
    }),
    { seed, numRuns, interruptAfterTimeLimit: SHRINK_BUDGET_MS },
  );
  return reached;
}

/**
 * SMALL_ZONE and TINY_ZONE with vm.min_free_kbytes at 0 (min/low/high of 0/1/2 pages), so that
 * memory fills to the last page and fragments below pageblock_order: only then do fallbacks go
 * below a whole pageblock (a sub-pageblock claim with its watermark boost, or a steal).
 */
const FULL_ZONES: readonly ZoneConfigInput[] = [
  { ...SMALL_ZONE, minFreeKbytes: 0 },
  { ...TINY_ZONE, minFreeKbytes: 0 },
];

/**
 * The planted faults (model/fault-injection.ts) in mechanisms the reference implements. Faults in
 * the slow path after its first attempt, in compaction or in reclaim are beyond it.
 */
const FAULTS_IN_REFERENCE_SCOPE: readonly string[] = [
  "skip-merge",
  "wrong-buddy-pfn",
  "double-count-free",
  "lose-expand-remainder",
  "free-wrong-pfn",
  "claim-keeps-pageblock-type",
  "slowpath-skips-watermark",
];

describe("model vs reference allocator", () => {
  it("agree at boot", () => {
    for (const zone of [SMALL_ZONE, TINY_ZONE, { nrPages: 1 << 12 }, { nrPages: 3 * 512 + 1024 }]) {
      expect(runDifferential({ zone }, []).mismatch).toBeUndefined();
    }
  });

  it("agree on every step on SMALL_ZONE", () => {
    const reached = assertAgree({ zone: SMALL_ZONE }, SMALL_MIX, 0x5eed, 150);
    const wanted: Situation[] = ["claim", "highatomic-reserve", "alloc-failed", "pcp-spill", "drain"];
    expect([...reached]).toEqual(expect.arrayContaining(wanted));
  });

  it("agree on every step on TINY_ZONE (watermarks within reach)", () => {
    const reached = assertAgree({ zone: TINY_ZONE }, TINY_MIX, 0x71e7, 200);
    expect([...reached]).toEqual(expect.arrayContaining(["claim", "alloc-failed", "pcp-spill", "drain"]));
  });

  it("agree on every step on zones filled to the last page (sub-pageblock claims and steals)", () => {
    const reached = new Set<Situation>();
    for (const [i, zone] of FULL_ZONES.entries()) {
      for (const s of assertAgree({ zone }, SMALL_MIX, 0xf011 + i, 80)) reached.add(s);
    }
    expect([...reached]).toEqual(expect.arrayContaining(["steal", "boost", "claim", "alloc-failed"]));
  });

  it("agree with pcp->high auto-tuned, decayed by the vmstat worker at each tick", () => {
    // high_min 16, high_max 64: refills raise pcp->high, ZONE_BELOW_HIGH (TINY_ZONE's high
    // watermark is within reach) lowers it on each spill, and decay_pcp_high() brings it back.
    const reached = new Set<Situation>();
    for (const [i, zone] of [SMALL_ZONE, TINY_ZONE, ...FULL_ZONES].entries()) {
      const tuned = { ...zone, pcpHighMax: 64 };
      const mix = zone.nrPages === TINY_ZONE.nrPages ? TINY_MIX : SMALL_MIX;
      for (const s of assertAgree({ zone: tuned }, mix, 0x4a9e + i, 60, "vmstat-only")) reached.add(s);
    }
    expect([...reached]).toEqual(expect.arrayContaining(["pcp-high-raised", "below-high", "decay-spill", "pcp-spill"]));
    // high_max below high_min, as the kernel's formulas give when the low watermark is above
    // managed / 8: both clamp the kernel's way.
    assertAgree({ zone: { ...SMALL_ZONE, pcpHighMax: 8 } }, SMALL_MIX, 0x4a9f, 30, "vmstat-only");
  });

  it("agree on a CPU whose cache slice leaves PCPF_FREE_HIGH_BATCH clear", () => {
    // SMALL_ZONE's batch is 4: the flag needs a slice above 3 * 4 pages (48 KiB).
    for (const [i, perCpuCacheSliceKb] of [0, 48].entries()) {
      assertAgree({ zone: { ...SMALL_ZONE, perCpuCacheSliceKb } }, SMALL_MIX, 0xcac4e + i, 60);
    }
  });

  it("agree under other kernel options (defrag_mode, 6.1x highatomic, no DMA32 zone, 7.0 slow path)", () => {
    const variants: Partial<KernelOptions>[] = [
      { defragMode: true },
      { highatomicNeedsMinReserve: false },
      { dma32Populated: false },
      { kernelVariant: "v7" },
    ];
    for (const [i, kernel] of variants.entries()) {
      assertAgree({ zone: SMALL_ZONE, kernel }, SMALL_MIX, 0xd1ff + i, 15);
      for (const zone of FULL_ZONES) assertAgree({ zone, kernel }, SMALL_MIX, 0xd1ff + i, 15);
    }
  });

  it("notice every planted fault in the mechanisms the reference implements", () => {
    // A differential test that cannot see a deliberately broken model proves nothing.
    const cases = [SMALL_ZONE, TINY_ZONE].map((zone) => ({
      zone,
      ops: fc.sample(zoneOps(zone, zone === TINY_ZONE ? TINY_MIX : SMALL_MIX), {
        seed: 0xfa17,
        numRuns: 20,
      }),
    }));
    for (const fault of FAULTS_IN_REFERENCE_SCOPE as PlantedFault[]) {
      expect(Object.keys(PLANTED_FAULTS), "a planted fault was renamed or removed").toContain(fault);
      const noticed = cases.some(({ zone, ops }) =>
        ops.some((seq) => runDifferential({ zone: { ...zone, faults: [fault] } }, seq).mismatch !== undefined),
      );
      expect(noticed, `planted fault ${fault} went unnoticed`).toBe(true);
    }
  });
});
