/**
 * Compaction deferral (kernel-semantics.md §3.1; the functions verbatim in research/compaction.md
 * §1): golden vectors for defer_compaction(), compaction_deferred(), compaction_defer_reset() and
 * compaction_restarting(), worked out by hand from the kernel text, and an integration test of
 * who defers: try_to_compact_pages() calls defer_compaction() only when `prio !=
 * COMPACT_PRIO_ASYNC` and the status is COMPLETE or PARTIAL_SKIPPED.
 *
 * The kernel text, in short:
 *   defer_compaction():  considered = 0; shift++; if (order < order_failed) order_failed = order;
 *                        if (shift > COMPACT_MAX_DEFER_SHIFT) shift = COMPACT_MAX_DEFER_SHIFT (6)
 *   compaction_deferred(): limit = 1UL << shift; if (order < order_failed) return false;
 *                        if (++considered >= limit) { considered = limit; return false; } return true
 *   compaction_defer_reset(): if (alloc_success) { considered = 0; shift = 0; }
 *                        if (order >= order_failed) order_failed = order + 1
 *   compaction_restarting(): order >= order_failed && shift == 6 && considered >= 1UL << shift
 * A zone starts zeroed: considered 0, shift 0, order_failed 0.
 */

import { describe, expect, it } from "vitest";
import { compactionDeferReset, compactionDeferred, compactionRestarting, deferCompaction } from "./compaction-defer.js";
import { COMPACT_MAX_DEFER_SHIFT } from "./compaction-types.js";
import type { EventSink, TraceEvent } from "./events.js";
import { __GFP_NORETRY, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "./gfp.js";
import type { KernelOptions } from "./kernel-options.js";
import { type System, step } from "./system.js";
import { allocPath } from "./test-support/alloc-path.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";
import { emptyZone, type ZoneState } from "./zone.js";

/** The three deferral fields, in the kernel's names' order. */
function state(zone: ZoneState) {
  const { considered, deferShift, orderFailed } = zone.compaction;
  return { considered, deferShift, orderFailed };
}

function deferN(zone: ZoneState, order: number, times: number): ZoneState {
  let next = zone;
  for (let i = 0; i < times; i++) next = deferCompaction(next, order, []);
  return next;
}

/** Call compaction_deferred() until it says "run"; how many calls were skipped, and the zone after. */
function skipsUntilRun(zone: ZoneState, order: number): { skips: number; zone: ZoneState } {
  let next = zone;
  for (let skips = 0; skips <= 64; skips++) {
    const d = compactionDeferred(next, order, []);
    next = d.zone;
    if (!d.deferred) return { skips, zone: next };
  }
  throw new Error("compaction_deferred() never let compaction run");
}

describe("defer_compaction() / compaction_deferred(): consecutive failures", () => {
  it("skip 1, 3, 7, 15, 31, 63 attempts after 1..6 failures, then 63 for ever (shift saturates at 6)", () => {
    // After k failures in a row (each one the try that compaction_deferred() finally allowed),
    // shift = min(k, 6) and considered = 0; calls 1 .. limit - 1 have ++considered < limit and skip,
    // call number limit has ++considered == limit and runs:
    //   k=1: limit 2, 1 skip     k=2: limit 4, 3 skips     k=3: limit 8, 7 skips
    //   k=4: limit 16, 15 skips  k=5: limit 32, 31 skips   k=6: limit 64, 63 skips
    //   k=7, 8: shift 7 > 6 is cut back to 6: limit 64, 63 skips.
    let zone = emptyZone();
    const skips: number[] = [];
    for (let k = 1; k <= 8; k++) {
      zone = deferCompaction(zone, 9, []);
      expect(state(zone)).toEqual({ considered: 0, deferShift: Math.min(k, 6), orderFailed: 0 });
      const run = skipsUntilRun(zone, 9);
      skips.push(run.skips);
      // The allowed try leaves considered clamped at the limit.
      expect(run.zone.compaction.considered).toBe(1 << Math.min(k, 6));
      zone = run.zone;
    }
    expect(skips).toEqual([1, 3, 7, 15, 31, 63, 63, 63]);
    expect(zone.compaction.deferShift).toBe(COMPACT_MAX_DEFER_SHIFT);
  });

  it("once the limit is reached every call runs, and considered stays clamped at the limit", () => {
    // shift 2 (limit 4): calls 1, 2, 3 skip (considered 1, 2, 3), call 4 runs (considered 4), then
    // ++considered = 5 >= 4 -> considered = 4, run; and so on.
    let zone = deferN(emptyZone(), 9, 2);
    const answers: boolean[] = [];
    const considered: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = compactionDeferred(zone, 9, []);
      zone = d.zone;
      answers.push(d.deferred);
      considered.push(zone.compaction.considered);
    }
    expect(answers).toEqual([true, true, true, false, false, false]);
    expect(considered).toEqual([1, 2, 3, 4, 4, 4]);
  });

  it("a fresh zone is never deferred: limit 1 << 0 = 1, ++considered = 1 >= 1", () => {
    const d = compactionDeferred(emptyZone(), 9, []);
    expect(d.deferred).toBe(false);
    expect(state(d.zone)).toEqual({ considered: 1, deferShift: 0, orderFailed: 0 });
  });

  it("traces mm_compaction_defer_compaction on every deferral and mm_compaction_deferred on every skip only", () => {
    const events: EventSink = [];
    let zone = deferCompaction(emptyZone(), 9, events);
    zone = deferCompaction(zone, 9, events);
    for (let i = 0; i < 4; i++) zone = compactionDeferred(zone, 9, events).zone;
    const fields = (e: TraceEvent) =>
      "considered" in e ? [e.name, e.order, e.considered, e.defer_shift, e.order_failed] : [e.name];
    // shift 1 then 2; three skips (considered 1, 2, 3 < 4), the fourth call runs untraced.
    expect(events.map(fields)).toEqual([
      ["mm_compaction_defer_compaction", 9, 0, 1, 0],
      ["mm_compaction_defer_compaction", 9, 0, 2, 0],
      ["mm_compaction_deferred", 9, 1, 2, 0],
      ["mm_compaction_deferred", 9, 2, 2, 0],
      ["mm_compaction_deferred", 9, 3, 2, 0],
    ]);
  });
});

describe("compact_order_failed", () => {
  it("orders below it are never deferred and do not count an attempt", () => {
    // reset(order 5, false): 5 >= 0 -> order_failed = 6. defer(order 9): 9 < 6 is false, so
    // order_failed stays 6; shift 1, considered 0.
    let zone = compactionDeferReset(emptyZone(), 5, false, []);
    zone = deferCompaction(zone, 9, []);
    expect(state(zone)).toEqual({ considered: 0, deferShift: 1, orderFailed: 6 });
    for (let order = 0; order <= 5; order++) {
      const d = compactionDeferred(zone, order, []);
      expect(d.deferred, `order ${order}`).toBe(false);
      // `if (order < zone->compact_order_failed) return false;` comes before ++considered.
      expect(d.zone.compaction.considered, `order ${order}`).toBe(0);
    }
    // Order 6 and above: limit 2, ++considered = 1 < 2: skip.
    expect(compactionDeferred(zone, 6, []).deferred).toBe(true);
    expect(compactionDeferred(zone, 9, []).deferred).toBe(true);
  });

  it("a failure at a lower order lowers it", () => {
    // From order_failed 6, shift 1: defer(order 3): 3 < 6 -> order_failed 3, shift 2, considered 0.
    let zone = deferCompaction(compactionDeferReset(emptyZone(), 5, false, []), 9, []);
    zone = deferCompaction(zone, 3, []);
    expect(state(zone)).toEqual({ considered: 0, deferShift: 2, orderFailed: 3 });
    expect(compactionDeferred(zone, 2, []).deferred).toBe(false);
    expect(compactionDeferred(zone, 3, []).deferred).toBe(true);
    expect(compactionDeferred(zone, 5, []).deferred).toBe(true);
  });

  it("on a fresh zone (order_failed 0) every order can be deferred, and a failure cannot raise it", () => {
    // defer(order 9): 9 < 0 is false: order_failed stays 0.
    const zone = deferCompaction(emptyZone(), 9, []);
    expect(state(zone)).toEqual({ considered: 0, deferShift: 1, orderFailed: 0 });
    expect(compactionDeferred(zone, 0, []).deferred).toBe(true);
  });
});

describe("compaction_defer_reset()", () => {
  /** order_failed 4, shift 3, considered 5. */
  function midDeferral(): ZoneState {
    // reset(order 3, false): order_failed 4. Three defers at order 7 (7 < 4 false): shift 3.
    // Five skips at order 7: limit 8, considered 1..5, all < 8.
    let zone = deferN(compactionDeferReset(emptyZone(), 3, false, []), 7, 3);
    for (let i = 0; i < 5; i++) zone = compactionDeferred(zone, 7, []).zone;
    expect(state(zone)).toEqual({ considered: 5, deferShift: 3, orderFailed: 4 });
    return zone;
  }

  it("with alloc_success: forgets the deferral and raises order_failed past the order", () => {
    expect(state(compactionDeferReset(midDeferral(), 4, true, []))).toEqual({
      considered: 0,
      deferShift: 0,
      orderFailed: 5, // 4 >= 4 -> 4 + 1
    });
    expect(state(compactionDeferReset(midDeferral(), 9, true, []))).toEqual({
      considered: 0,
      deferShift: 0,
      orderFailed: 10,
    });
    // Below order_failed: only the deferral is forgotten (2 >= 4 is false).
    expect(state(compactionDeferReset(midDeferral(), 2, true, []))).toEqual({
      considered: 0,
      deferShift: 0,
      orderFailed: 4,
    });
  });

  it("without alloc_success (compaction expected to succeed): only order_failed moves", () => {
    expect(state(compactionDeferReset(midDeferral(), 4, false, []))).toEqual({
      considered: 5,
      deferShift: 3,
      orderFailed: 5,
    });
    expect(state(compactionDeferReset(midDeferral(), 2, false, []))).toEqual({
      considered: 5,
      deferShift: 3,
      orderFailed: 4,
    });
  });

  it("is traced either way", () => {
    const events: EventSink = [];
    compactionDeferReset(midDeferral(), 2, false, events);
    compactionDeferReset(midDeferral(), 4, true, events);
    expect(
      events.map((e) => ("considered" in e ? [e.name, e.order, e.considered, e.defer_shift, e.order_failed] : [])),
    ).toEqual([
      ["mm_compaction_defer_reset", 2, 5, 3, 4],
      ["mm_compaction_defer_reset", 4, 0, 0, 5],
    ]);
  });
});

describe("compaction_restarting()", () => {
  it("holds only at shift 6 with the 64-attempt limit reached, for orders at or above order_failed", () => {
    let zone = deferN(emptyZone(), 9, 6);
    expect(state(zone)).toEqual({ considered: 0, deferShift: 6, orderFailed: 0 });
    expect(compactionRestarting(zone, 9)).toBe(false); // considered 0 < 64
    for (let i = 0; i < 63; i++) zone = compactionDeferred(zone, 9, []).zone;
    expect(zone.compaction.considered).toBe(63);
    expect(compactionRestarting(zone, 9)).toBe(false); // 63 < 64
    const last = compactionDeferred(zone, 9, []);
    expect(last.deferred).toBe(false); // ++considered = 64 >= 64: run
    zone = last.zone;
    expect(compactionRestarting(zone, 9)).toBe(true);
    expect(compactionRestarting(zone, 0)).toBe(true); // 0 >= order_failed 0
    // Raise order_failed to 5 without forgetting the deferral: orders below it are not restarting.
    const raised = compactionDeferReset(zone, 4, false, []);
    expect(compactionRestarting(raised, 4)).toBe(false);
    expect(compactionRestarting(raised, 5)).toBe(true);
    // A real success forgets everything.
    expect(compactionRestarting(compactionDeferReset(zone, 9, true, []), 9)).toBe(false);
  });

  it("does not hold below the maximum shift even with the limit reached", () => {
    // shift 5: limit 32; 31 skips, the 32nd call runs with considered = 32 = limit, but 5 != 6.
    let zone = deferN(emptyZone(), 9, 5);
    zone = skipsUntilRun(zone, 9).zone;
    expect(state(zone)).toEqual({ considered: 32, deferShift: 5, orderFailed: 0 });
    expect(compactionRestarting(zone, 9)).toBe(false);
  });
});

describe("who defers: direct compaction on a fragmented zone", () => {
  // 2048 pages with a page table at every pfn 4k (no order >= 2 block can be made), 200 free
  // order-0 pages, no page cache (slowpath.test.ts explains the layout and watermarks). Costly
  // order-4 requests: compaction runs (200 > 144 and fragmentation_index(4) = 933 > 500) and
  // fails with COMPLETE; direct reclaim finds compaction_ready() and reclaims nothing.
  const built = new Map<string, System>();
  function fragmented(kernelVariant: KernelOptions["kernelVariant"]): System {
    let system = built.get(kernelVariant);
    if (system === undefined) {
      system = buildZone({ nrPages: 2048, kernelVariant, slot: pinnedLayout(200, 0) }).system;
      built.set(kernelVariant, system);
    }
    return system;
  }

  function directCompactions(events: readonly TraceEvent[]) {
    return events.flatMap((e) => (e.name === "direct_compact" ? [{ prio: e.prio, result: e.result }] : []));
  }

  it.each(["classic", "v7"] as const)(
    "repeated failing async compactions (costly __GFP_NORETRY) leave compact_defer_shift at 0 (%s)",
    (variant) => {
      let system = fragmented(variant);
      for (let i = 0; i < 8; i++) {
        const result = step(system, { kind: "alloc", order: 4, gfp: GFP_HIGHUSER_MOVABLE | __GFP_NORETRY, cpu: 0 });
        system = result.system;
        expect(result.outcome.kind).toBe("alloc-failed");
        // Two async attempts per call (initial, then after reclaim), both failing with a status that
        // would defer a sync attempt (COMPLETE or PARTIAL_SKIPPED)...
        const attempts = directCompactions(result.events);
        expect(attempts.map((a) => a.prio)).toEqual([2, 2]);
        for (const a of attempts) expect(["COMPACT_COMPLETE", "COMPACT_PARTIAL_SKIPPED"]).toContain(a.result);
        // ...but `if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE || status ==
        // COMPACT_PARTIAL_SKIPPED)) defer_compaction(zone, order);` never fires.
        expect(result.events.some((e) => e.name === "mm_compaction_defer_compaction")).toBe(false);
        // compaction_deferred() still counts the attempts: considered clamped at 1 << 0 = 1.
        expect(state(system.zone)).toEqual({ considered: 1, deferShift: 0, orderFailed: 0 });
      }
    },
  );

  it.each(["classic", "v7"] as const)(
    "a failing SYNC_LIGHT compaction defers, and the next async attempt is skipped (%s)",
    (variant) => {
      let system = fragmented(variant);
      // GFP_KERNEL order 4: async (no defer), reclaim (compaction_ready), SYNC_LIGHT COMPLETE ->
      // defer_compaction(zone, 4): shift 0 -> 1, considered 0, order_failed min(0, 4) = 0.
      const first = step(system, { kind: "alloc", order: 4, gfp: GFP_KERNEL, cpu: 0 });
      system = first.system;
      expect(directCompactions(first.events)).toEqual([
        { prio: 2, result: "COMPACT_COMPLETE" },
        { prio: 1, result: "COMPACT_COMPLETE" },
      ]);
      expect(state(system.zone)).toEqual({ considered: 0, deferShift: 1, orderFailed: 0 });

      // Again: the async attempt meets compaction_deferred(): limit 2, ++considered = 1 < 2: DEFERRED.
      // The SYNC_LIGHT attempt: ++considered = 2 >= 2: runs, COMPLETE, defer: shift 2, considered 0.
      const second = step(system, { kind: "alloc", order: 4, gfp: GFP_KERNEL, cpu: 0 });
      system = second.system;
      expect(directCompactions(second.events)).toEqual([
        { prio: 2, result: "COMPACT_DEFERRED" },
        { prio: 1, result: "COMPACT_COMPLETE" },
      ]);
      expect(allocPath(second.events)).toContain("direct_compact COMPACT_PRIO_ASYNC COMPACT_DEFERRED");
      expect(state(system.zone)).toEqual({ considered: 0, deferShift: 2, orderFailed: 0 });
    },
  );
});
