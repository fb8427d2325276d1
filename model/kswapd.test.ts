/**
 * kswapd (mm/vmscan.c): pgdat_balanced() with and without vm.defrag_mode (which free pages count
 * toward the high watermark; zones laid out by hand on the small test zone: 1024 pages, 8-page
 * pageblocks, watermarks 64/80/96), and balance_pgdat()'s ZONE_RECLAIM_ACTIVE.
 */

import { describe, expect, it } from "vitest";
import type { EventSink } from "./events.js";
import { kswapdRun, pgdatBalanced } from "./kswapd.js";
import { KTHREAD_CPU } from "./node.js";
import { MAX_RECLAIM_RETRIES } from "./reclaim-retry.js";
import type { System } from "./system.js";
import { M, SMALL_TEST_ZONE, withFree } from "./test-support/small-zone.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";
import { emptyZone, type ZoneState } from "./zone.js";

/** `count` free blocks of one order, at the start of the zone, each on the movable list. */
function freeBlocks(count: number, order: number): ZoneState {
  let zone = emptyZone(SMALL_TEST_ZONE);
  for (let i = 0; i < count; i++) zone = withFree(zone, i << order, order, M);
  return zone;
}

describe("pgdat_balanced()", () => {
  it("has the small zone's high watermark at 96", () => {
    expect(emptyZone(SMALL_TEST_ZONE).watermark.high).toBe(96);
  });

  // 30 order-2 blocks: 120 free pages, none of them in a whole (order-3) pageblock.
  const fragmented = freeBlocks(30, 2);

  it("counts every free page without defrag_mode", () => {
    expect(fragmented.nrFreePages).toBe(120);
    expect(fragmented.nrFreePagesBlocks).toBe(0);
    // __zone_watermark_ok(order 2): 120 - 3 > 96, and an order-2 block is free.
    expect(pgdatBalanced(fragmented, 2, false)).toBe(true);
  });

  it("counts only whole free pageblocks under defrag_mode at order > 0", () => {
    // `if (defrag_mode && order) item = NR_FREE_PAGES_BLOCKS;`: 0 pages.
    expect(pgdatBalanced(fragmented, 2, true)).toBe(false);
    expect(pgdatBalanced(fragmented, 1, true)).toBe(false);
  });

  it("counts every free page under defrag_mode at order 0 (kswapd's hand-over to kcompactd)", () => {
    expect(pgdatBalanced(fragmented, 0, true)).toBe(true);
  });

  it("is balanced under defrag_mode once whole free pageblocks pass the watermark", () => {
    // 13 order-3 blocks: 104 pages, all in whole pageblocks; 104 - 3 > 96 at order 2.
    const whole = freeBlocks(13, 3);
    expect(whole.nrFreePagesBlocks).toBe(104);
    expect(pgdatBalanced(whole, 2, true)).toBe(true);
    // 12 of them (96 pages) are not enough: the check is free - (2^order - 1) > mark.
    expect(pgdatBalanced(freeBlocks(12, 3), 2, true)).toBe(false);
  });
});

describe("balance_pgdat() and ZONE_RECLAIM_ACTIVE", () => {
  // 2048 pages (pcp batch 1, high 56; watermarks 90/112/134): 64 free pages, 200 clean
  // page-cache pages to reclaim (test-support's pinned layout).
  const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(64, 200) }).system;
  const woken = { ...system, node: { ...system.node, kswapd: { sleeping: false, order: 0, failures: 0 } } };

  it("frees what kswapd reclaims through a pcp list that holds at most batch * 4 pages", () => {
    const events: EventSink = [];
    const after = kswapdRun(woken, false, events);
    // Reclaimed folios go through KTHREAD_CPU's pcp (free_unref_folios()). With the flag set
    // nr_pcp_high() is min(1 << 2, 56) = 4, so no more than 4 pages wait there.
    const reclaimed = events.flatMap((e) => (e.name === "kswapd_run" ? [e.nr_reclaimed] : []));
    expect(reclaimed[0]).toBeGreaterThan(4);
    expect(after.zone.pcp[KTHREAD_CPU]?.count).toBeLessThanOrEqual(4);
    // clear_reclaim_active() when balance_pgdat() is done.
    expect(after.zone.reclaimActive).toBe(false);
    expect(pgdatBalanced(after.zone, 0, false)).toBe(true);
  });
});

describe("kswapd() and kswapd_try_to_sleep(): which order kcompactd is woken for", () => {
  const woken = (system: System, order: number, failures: number): System => ({
    ...system,
    node: { ...system.node, kswapd: { sleeping: false, order, failures } },
  });
  const kcompactdWakes = (events: EventSink) => events.filter((e) => e.name === "mm_compaction_wakeup_kcompactd");

  it("wakes kcompactd for the request's order when balancing dropped to order 0", () => {
    // 64 free pages, 200 clean page-cache pages, no free block of order 2: balance_pgdat(order 2)
    // reclaims at least compact_gap(2) = 8 pages, drops to order 0 and balances there.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(64, 200) }).system;
    const events: EventSink = [];
    const after = kswapdRun(woken(system, 2, 0), false, events);
    expect(after.node.kswapd.sleeping).toBe(true);
    expect(kcompactdWakes(events)).toEqual([{ name: "mm_compaction_wakeup_kcompactd", order: 2, highest_zoneidx: 0 }]);
  });

  it("wakes nobody when the run kept its order (here: hopeless, nothing to reclaim)", () => {
    // 200 free pages, nothing reclaimable, kswapd hopeless: balance_pgdat(order 2) reclaims
    // nothing and keeps order 2, so kswapd() loops back and re-reads kswapd_order (0).
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(200, 0) }).system;
    const events: EventSink = [];
    const after = kswapdRun(woken(system, 2, MAX_RECLAIM_RETRIES), false, events);
    expect(after.node.kswapd.sleeping).toBe(true);
    expect(kcompactdWakes(events)).toEqual([]);
    expect(after.node.kcompactd.sleeping).toBe(true);
  });
});
