/**
 * kswapd (mm/vmscan.c): pgdat_balanced() with and without vm.defrag_mode (which free pages count
 * toward the high watermark; zones laid out by hand on the small test zone: 1024 pages, 8-page
 * pageblocks, watermarks 64/80/96), balance_pgdat()'s priority ladder and ZONE_RECLAIM_ACTIVE.
 */

import { describe, expect, it } from "vitest";
import type { EventSink, TraceEvent } from "./events.js";
import { kswapdRun, pgdatBalanced } from "./kswapd.js";
import { KTHREAD_CPU } from "./node.js";
import { setDirty } from "./page-owner.js";
import { MAX_RECLAIM_RETRIES } from "./reclaim-retry.js";
import { initSystem, type Op, type System, step } from "./system.js";
import { M, SMALL_TEST_ZONE, withFree } from "./test-support/small-zone.js";
import { buildZone, pinnedLayout, SETUP_MOVABLE } from "./test-support/zone-layout.js";
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

  it("checks the node at the re-read kswapd_order (0) when the run kept its order, and sleeps", () => {
    // 200 free order-0 pages, nothing reclaimable, kswapd not hopeless: balance_pgdat(order 9)
    // reclaims nothing (kswapd_failures 1) and keeps order 9, which the node cannot meet. kswapd()
    // loops back, re-reads kswapd_order (0) and prepare_kswapd_sleep(0) passes (200 > 134): sleep.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(200, 0) }).system;
    const events: EventSink = [];
    const after = kswapdRun(woken(system, 9, 0), false, events);
    expect(after.node.kswapd).toEqual({ sleeping: true, order: 0, failures: 1 });
    expect(events.map((e) => e.name)).toContain("mm_vmscan_kswapd_sleep");
    expect(kcompactdWakes(events)).toEqual([]);
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

describe("balance_pgdat(): the priority ladder", () => {
  // 2048 pages, watermarks 90/112/134: nr_to_reclaim = max(high 134, SWAP_CLUSTER_MAX) = 134.
  // Reclaimed pages wait on KTHREAD_CPU's pcp list, at most 4 of them (ZONE_RECLAIM_ACTIVE), so
  // NR_FREE_PAGES is the free pages plus what was reclaimed, less 0 to 4.
  const awake = (system: System): System => ({
    ...system,
    node: { ...system.node, kswapd: { sleeping: false, order: 0, failures: 0 } },
  });
  /** The run's kswapd_run event: pages and folios scanned, pages reclaimed, shrink_node() passes, balanced at the end. */
  const expectRun = (
    events: readonly TraceEvent[],
    [scanned, folios]: [number, number],
    reclaimed: number,
    passes: number,
    balanced: boolean,
  ) =>
    expect(events.find((e) => e.name === "kswapd_run")).toEqual({
      name: "kswapd_run",
      order: 0,
      nr_scanned: scanned,
      nr_reclaimed: reclaimed,
      nr_passes: passes,
      nr_folios_scanned: folios,
      balanced,
    });

  it("raises the priority after each short pass and stops once balanced (64 free, 200 page cache)", () => {
    // Priorities 12..8 scan 200 >> p = 0 pages. Then 7: 1, 6: 3, 5: 6, 4: 11, 3: 22 (43 in all,
    // NR_FREE_PAGES at most 107), 2: floor(157 / 4) = 39: 82, NR_FREE_PAGES at least 142 > 134.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(64, 200) }).system;
    const events: EventSink = [];
    kswapdRun(awake(system), false, events);
    expectRun(events, [82, 82], 82, 6, true);
  });

  it("never scans at priority 0: 40 free, 100 page cache ends unbalanced with 30 pages left", () => {
    // Priorities 6..1 take 1, 3, 6, 11, 19, 30 = 70 (the loop is `while (sc.priority >= 1)`);
    // NR_FREE_PAGES at most 110. kswapd stays awake for its next run.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(40, 100) }).system;
    const events: EventSink = [];
    const after = kswapdRun(awake(system), false, events);
    expectRun(events, [70, 70], 70, 6, false);
    expect(after.node.kswapd.sleeping).toBe(false);
    expect(after.node.kswapd.failures).toBe(0);
  });

  it("boosted reclaim stops at the first pass that reclaims nothing", () => {
    // 250 free pages pass the boosted high watermark (134 + boost 64 = 198): only the boost asks
    // for reclaim. Priority 12 scans 200 >> 12 = 0 pages: `if (nr_boost_reclaim && !nr_reclaimed)
    // break;`. The boost is dropped all the same, and wakeup_kcompactd(pageblock_order) records
    // the order; it wakes nobody, compaction not being suitable for order 9 with 250 free pages.
    const built = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(250, 200) }).system;
    const boosted = awake({ ...built, zone: { ...built.zone, watermarkBoost: 64 } });
    const events: EventSink = [];
    const after = kswapdRun(boosted, false, events);
    expectRun(events, [0, 0], 0, 0, true);
    expect(after.zone.watermarkBoost).toBe(0);
    expect(after.node.kcompactd).toEqual({ sleeping: true, maxOrder: 9 });
  });

  it("keeps the priority after a pass that scanned nr_to_reclaim pages (kswapd_shrink_node())", () => {
    // The file LRU, oldest first: A1, A2 (clean, order 0), D (dirty, order 9), 75 clean order-3
    // folios; 1114 pages. 834 pages of anon leave exactly 100 free once the pcp lists are drained
    // (alloc_factor grows the order-0 refills, so they end up holding a few pages).
    const pagecache = (order: number): Op => ({ kind: "alloc", order, gfp: SETUP_MOVABLE, cpu: 0, use: "pagecache" });
    const anon = (order: number): Op => ({ kind: "alloc", order, gfp: SETUP_MOVABLE, cpu: 0, use: "anon" });
    const ops: Op[] = [
      pagecache(0),
      pagecache(0),
      pagecache(9),
      ...Array.from({ length: 75 }, () => pagecache(3)),
      ...Array.from({ length: 104 }, () => anon(3)),
      anon(0),
      anon(0),
    ];
    let system = initSystem({ zone: { nrPages: 2048, nrCpus: 2, watermarkBoostFactor: 0 } });
    const handles: number[] = [];
    for (const op of ops) {
      const result = step(system, op);
      if (result.outcome.kind !== "allocated") throw new Error(`set-up allocation failed: ${result.outcome.kind}`);
      handles.push(result.outcome.handle);
      system = result.system;
    }
    system = step(system, { kind: "drain", cpu: "all" }).system;
    system = { ...system, owners: setDirty(system.owners, handles[2] as number, true) };
    expect(system.zone.nrFreePages).toBe(100);
    // Priority 10: floor(1114 / 1024) = 1: A1. Priority 9: floor(1113 / 512) = 2: A2, then D
    // (dirty: activated), 513 pages scanned >= 134, so the priority stays 9; again at 9:
    // floor(600 / 512) = 1, one folio (8). Then 8: 2 -> 8, 7: 4 -> 8, 6: 9 -> two folios, 16.
    // Reclaimed 42: NR_FREE_PAGES at least 138 > 134. (Raising the priority after the D pass would
    // give 1 + 1 + 8 + 8 + 16 = 34 at priority 6, at most 134, and go on to 58.)
    const events: EventSink = [];
    kswapdRun(awake(system), false, events);
    // Six passes: 10, 9, 9 again, 8, 7, 6; eight folios: A1, A2, D and five order-3 ones.
    expectRun(events, [554, 8], 42, 6, true);
  });
});
