/**
 * kcompactd (mm/compaction.c) with and without vm.defrag_mode (6.15+, "mm: page_alloc:
 * defrag_mode kswapd/kcompactd watermarks" and its fix): whether it wakes, whether it compacts,
 * and when it stops.
 *
 * The zone: 2048 pages in four 512-page pageblocks (watermarks min 90, low 112, high 134):
 * - pageblock 0: page tables (unmovable). It is pinned so that the first pageblock compaction
 *   empties is not the zone's first: compact_zone() does not drain after migrating from a block
 *   starting at pfn 0, since it takes a last_migrated_pfn of 0 for "none";
 * - pageblocks 1 and 2: every even pfn free, every odd one anonymous memory (movable);
 * - pageblock 3: every fourth pfn anonymous memory, the rest free (order-0 and order-1 blocks),
 *   except that pfns 2044-2047 are all free: one free order-2 block. No free block is larger.
 * Pageblock 3 alone holds targets for all 256 pages of pageblock 1, so the free scanner stays in
 * it while the migrate scanner empties pageblock 1.
 */

import { describe, expect, it } from "vitest";
import type { EventSink } from "./events.js";
import { kcompactdDoWork, wakeupKcompactd } from "./kcompactd.js";
import { pgdatBalanced } from "./kswapd.js";
import { IDLE_NODE } from "./node.js";
import { emptyPageOwners } from "./page-owner.js";
import type { System } from "./system.js";
import { M, SMALL_TEST_ZONE, withFree } from "./test-support/small-zone.js";
import { buildZone } from "./test-support/zone-layout.js";
import { emptyZone } from "./zone.js";

const NR_PAGES = 2048;
const PAGEBLOCK = 512;
const ORDER = 2;

const built = buildZone({
  nrPages: NR_PAGES,
  kernelVariant: "v7",
  slot: (pfn) => {
    if (pfn < PAGEBLOCK) return "pgtable";
    if (pfn < 3 * PAGEBLOCK) return pfn % 2 === 0 ? "free" : "anon";
    return pfn % 4 !== 0 || pfn >= NR_PAGES - 4 ? "free" : "anon";
  },
}).system;

/** kcompactd woken for ORDER, as wakeup_kcompactd() leaves it. */
function awake(system: System): System {
  return { ...system, node: { ...system.node, kcompactd: { sleeping: false, maxOrder: ORDER } } };
}

function names(events: EventSink): string[] {
  return events.map((e) => e.name);
}

describe("kcompactd and vm.defrag_mode", () => {
  it("starts from the layout the tests assume", () => {
    const zone = built.zone;
    expect(zone.watermark).toMatchObject({ min: 90, low: 112, high: 134 });
    expect(zone.nrFreePages).toBe(PAGEBLOCK + 384 + 1);
    expect(zone.nrFreePagesBlocks).toBe(0);
  });

  it("is not woken without defrag_mode: an order-2 block is free above the min watermark", () => {
    // kcompactd_node_suitable(): compaction_suit_allocation_order(ALLOC_WMARK_MIN) says SUCCESS.
    const events: EventSink = [];
    expect(wakeupKcompactd(built, ORDER, false, events).woken).toBe(false);
  });

  it("is woken under defrag_mode: the high watermark is not met in whole free pageblocks", () => {
    // ALLOC_WMARK_HIGH, counted on NR_FREE_PAGES_BLOCKS (0 pages): no SUCCESS; then
    // compaction_suitable() on NR_FREE_PAGES: 897 > 134 + compact_gap(2) = 142: CONTINUE.
    const events: EventSink = [];
    const woke = wakeupKcompactd(built, ORDER, true, events);
    expect(woke.woken).toBe(true);
    expect(names(events)).toContain("mm_compaction_wakeup_kcompactd");
  });

  it("does not compact without defrag_mode", () => {
    const events: EventSink = [];
    const after = kcompactdDoWork(awake(built), false, events);
    expect(names(events)).not.toContain("mm_compaction_begin");
    expect(after.zone.nrFreePagesBlocks).toBe(0);
    expect(after.node.kcompactd).toEqual({ sleeping: true, maxOrder: 0 });
  });

  it("under defrag_mode compacts until the high watermark is met in whole free pageblocks", () => {
    const events: EventSink = [];
    const after = kcompactdDoWork(awake(built), true, events);
    expect(names(events)).toContain("mm_compaction_begin");
    // __compact_finished()'s defrag_mode branch: at a pageblock boundary, SUCCESS only once
    // __zone_watermark_ok(order 2, high 134, NR_FREE_PAGES_BLOCKS) passes. The free order-2
    // block was there all along, so the ordinary "a suitable page is free" test would have
    // stopped at the first boundary with none of the pageblocks free.
    const finished = events.filter((e) => e.name === "mm_compaction_finished");
    expect(finished.at(-1)).toMatchObject({ ret: "COMPACT_SUCCESS" });
    expect(finished.slice(0, -1).every((e) => "ret" in e && e.ret === "COMPACT_CONTINUE")).toBe(true);
    expect(after.zone.nrFreePagesBlocks).toBe(PAGEBLOCK);
    expect(pgdatBalanced(after.zone, ORDER, true)).toBe(true);
    expect(after.zone.nrFreePages).toBe(built.zone.nrFreePages);
    expect(after.node.kcompactd).toEqual({ sleeping: true, maxOrder: 0 });
  });

  it("asks kcompactd_node_suitable() about the pending maximum order, not only the one asked for", () => {
    // kcompactd asleep with order 4 still pending (a wake that was refused). wakeup_kcompactd(2)
    // raises nothing, then kcompactd_node_suitable() tests kcompactd_max_order 4: 897 - 15 > 90,
    // but no free block of order 4 or more, so not SUCCESS; compaction_suitable(): 897 > 90 +
    // compact_gap(4) = 122, fragmentation_index(4) = 1000 - (1000 + 897 * 1000 / 16) / 767 free
    // blocks = 926 > 500: CONTINUE, so it wakes. Order 2 alone says SUCCESS (the free order-2 block).
    const pending = { ...built, node: { ...built.node, kcompactd: { sleeping: true, maxOrder: 4 } } };
    const woke = wakeupKcompactd(pending, ORDER, false, []);
    expect(woke.woken).toBe(true);
    expect(woke.state.node.kcompactd).toEqual({ sleeping: false, maxOrder: 4 });
  });

  it("uses the high watermark under defrag_mode, the min one without", () => {
    // The small test zone (8-page pageblocks, watermarks 64/80/96): 11 free pageblocks (88 pages
    // in whole blocks) and 40 free order-2 blocks, 248 free pages in all.
    let zone = emptyZone(SMALL_TEST_ZONE);
    for (let i = 0; i < 11; i++) zone = withFree(zone, i * 8, 3, M);
    for (let i = 0; i < 40; i++) zone = withFree(zone, 512 + i * 8, 2, M);
    expect([zone.nrFreePagesBlocks, zone.nrFreePages]).toEqual([88, 248]);
    const state = { zone, owners: emptyPageOwners(zone.config.nrPages), node: IDLE_NODE };
    // Without defrag_mode: ALLOC_WMARK_MIN on NR_FREE_PAGES, 248 - 3 > 64 and an order-2 block
    // is free: SUCCESS, kcompactd stays asleep.
    expect(wakeupKcompactd(state, ORDER, false, []).woken).toBe(false);
    // Under defrag_mode: ALLOC_WMARK_HIGH on NR_FREE_PAGES_BLOCKS, 88 - 3 <= 96 (the min
    // watermark would pass: 85 > 64); compaction_suitable(): 248 > 96 + 8. kcompactd wakes.
    expect(wakeupKcompactd(state, ORDER, true, []).woken).toBe(true);
  });
});
