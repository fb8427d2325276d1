/**
 * Per-CPU lists against mm/page_alloc.c (~6.18, research/buddy.md §4, §2b, §5):
 * pcp_allowed_order(), order_to_pindex(), nr_pcp_alloc(), rmqueue_bulk(), __rmqueue_pcplist(),
 * free_frozen_page_commit(), nr_pcp_free(), free_pcppages_bulk(), drain_pages_zone() and
 * __drain_all_pages(); pcp->high auto-tuning (nr_pcp_alloc(), nr_pcp_high(), decay_pcp_high()
 * and ZONE_BELOW_HIGH) against the 6.19-era text.
 *
 * SMALL_TEST_ZONE sets pcp->high by hand (16), which, as vm.percpu_pagelist_high_fraction does,
 * makes high_min == high_max: pcp->high then stays 16. The auto-tuning tests give it a high_max.
 */

import { describe, expect, it } from "vitest";
import { accountFreepages, addToFreeList } from "./buddy.js";
import type { EventSink, TraceEvent } from "./events.js";
import { bootZone } from "./page-alloc.js";
import {
  drainAllPages,
  drainPagesZone,
  freePcppagesBulk,
  freeToPcp,
  nrPcpAlloc,
  nrPcpFree,
  nrPcpHigh,
  rmqueueBulk,
  rmqueuePcplist,
  vmstatUpdate,
} from "./pcp.js";
import { NR_LOWORDER_PCP_LISTS, orderToPindex, pcpAllowedOrder, pindexToOrder } from "./pcp-index.js";
import { H, M, NO_MOVABLE_PAGES, SMALL_TEST_ZONE, U, withFree } from "./test-support/small-zone.js";
import { nonEmptyFreeLists as lists, pcpListPfns as pcpIds } from "./test-support/zone-lists.js";
import { emptyZone, type PerCpuPages, setPageblockMigratetype, type ZoneState } from "./zone.js";
import { buildZoneConfig } from "./zone-config.js";

const NONE = NO_MOVABLE_PAGES;

function pcpOf(zone: ZoneState, cpu = 0): PerCpuPages {
  const pcp = zone.pcp[cpu];
  if (pcp === undefined) throw new Error(`no cpu ${cpu}`);
  return pcp;
}

function withPcp(zone: ZoneState, cpu: number, update: Partial<PerCpuPages>): ZoneState {
  const pcp = zone.pcp.slice();
  pcp[cpu] = { ...pcpOf(zone, cpu), ...update };
  return { ...zone, pcp };
}

function freeAll(zone: ZoneState, pfns: readonly number[], order = 0, cpu = 0, events: EventSink = []): ZoneState {
  return pfns.reduce((z, pfn) => freeToPcp(z, pfn, order, cpu, events), zone);
}

function drained(events: readonly TraceEvent[]): number[] {
  return events.flatMap((e) => (e.name === "mm_page_pcpu_drain" ? [e.pfn] : []));
}

function zoneLocks(events: readonly TraceEvent[]): number {
  return events.filter((e) => e.name === "zone_lock").length;
}

const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

describe("pcp_allowed_order() and order_to_pindex()", () => {
  it("allows orders 0..PAGE_ALLOC_COSTLY_ORDER and the THP order only", () => {
    const thp = buildZoneConfig(SMALL_TEST_ZONE);
    expect(range(0, 7).map((o) => pcpAllowedOrder(thp, o))).toEqual([true, true, true, true, false, true, false]);
    const noThp = buildZoneConfig({ ...SMALL_TEST_ZONE, thpOrder: null });
    expect(range(0, 7).map((o) => pcpAllowedOrder(noThp, o))).toEqual([true, true, true, true, false, false, false]);
    // NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1) (+ 2 with THP).
    expect(NR_LOWORDER_PCP_LISTS).toBe(12);
    expect(thp.nrPcpLists).toBe(14);
    expect(noThp.nrPcpLists).toBe(12);
  });

  it("maps (order, mt) to MIGRATE_PCPTYPES * order + mt, and the THP order to 12 (other) / 13 (movable)", () => {
    expect(orderToPindex(0, U)).toBe(0);
    expect(orderToPindex(0, M)).toBe(1);
    expect(orderToPindex(0, 2)).toBe(2);
    expect(orderToPindex(1, U)).toBe(3);
    expect(orderToPindex(3, 2)).toBe(11);
    expect(orderToPindex(5, M)).toBe(13);
    expect(orderToPindex(5, U)).toBe(12);
    expect(orderToPindex(5, 2)).toBe(12);
    const config = buildZoneConfig(SMALL_TEST_ZONE);
    expect(range(0, 14).map((p) => pindexToOrder(config, p))).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 5, 5]);
    expect(() => pindexToOrder(buildZoneConfig({ ...SMALL_TEST_ZONE, thpOrder: null }), 12)).toThrow(/THP order/);
  });
});

describe("nr_pcp_alloc()", () => {
  const fresh = { count: 0, allocFactor: 0, high: 0 };

  it("is batch >> order but at least 2 blocks", () => {
    const zone = emptyZone(SMALL_TEST_ZONE); // batch 4, high 16
    expect([0, 1, 2, 3, 5].map((o) => nrPcpAlloc(zone, fresh, o).batch)).toEqual([4, 2, 2, 2, 2]);
    const big = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 63, pcpHigh: 252 });
    // 63 >> 1 = 31, 63 >> 3 = 7, 63 >> 5 = 1 -> 2.
    expect([0, 1, 3, 5].map((o) => nrPcpAlloc(big, fresh, o).batch)).toEqual([63, 31, 7, 2]);
  });

  it("is 1 for a batch of 1 (whose alloc_factor still grows) and when high < batch (pcp disabled / boot pageset)", () => {
    // A hand-set high (high_min == high_max): pcp->high, 0 at first, is clamped to it.
    expect(nrPcpAlloc(emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 1 }), fresh, 0)).toEqual({
      batch: 1,
      allocFactor: 1,
      high: 16,
    });
    expect(nrPcpAlloc(emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 3 }), fresh, 0)).toEqual({
      batch: 1,
      allocFactor: 0,
      high: 3,
    });
  });

  it("doubles the order-0 refill per alloc_factor while the doubled batch fits below high with a batch to spare", () => {
    // batch 63, high 321 (zone_highsize() of a 2^18-page zone on 4 CPUs), empty pcp:
    // max_nr_alloc = max(high - count - batch, batch) = max(321 - 0 - 63, 63) = 258.
    const zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 63, pcpHigh: 321 });
    const steps = [0, 1, 2, 3].map((allocFactor) => nrPcpAlloc(zone, { count: 0, allocFactor, high: 321 }, 0));
    expect(steps).toEqual([
      { batch: 63, allocFactor: 1, high: 321 }, // 63 <= 258: alloc_factor++
      { batch: 126, allocFactor: 2, high: 321 }, // 63 << 1 = 126 <= 258
      { batch: 252, allocFactor: 3, high: 321 }, // 63 << 2 = 252 <= 258
      { batch: 258, allocFactor: 3, high: 321 }, // 63 << 3 = 504 > 258: min(504, 258), no increment
    ]);
    // Pages already on the pcp (other lists) count against high: max(321 - 200 - 63, 63) = 63.
    expect(nrPcpAlloc(zone, { count: 200, allocFactor: 2, high: 321 }, 0)).toEqual({
      batch: 63,
      allocFactor: 2,
      high: 321,
    });
  });

  it("stops raising alloc_factor at CONFIG_PCP_BATCH_SCALE_MAX, and leaves it alone for order > 0", () => {
    const roomy = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 10_000 });
    // 4 << 5 = 128 <= 9992, but alloc_factor is already CONFIG_PCP_BATCH_SCALE_MAX (5).
    expect(nrPcpAlloc(roomy, { count: 0, allocFactor: 5, high: 0 }, 0)).toEqual({
      batch: 128,
      allocFactor: 5,
      high: 10_000,
    });
    // Order 2: base batch 4 >> 2 = 1 -> 2 blocks, whatever alloc_factor is.
    expect(nrPcpAlloc(roomy, { count: 0, allocFactor: 3, high: 0 }, 2)).toEqual({
      batch: 2,
      allocFactor: 3,
      high: 10_000,
    });
  });
});

describe("allocation: rmqueue_bulk() refill and __rmqueue_pcplist()", () => {
  it("refills an empty list with nr_pcp_alloc blocks appended at the tail in split order, then takes the head", () => {
    // Booted zone: 16 MOVABLE blocks of order 6. Refill of 4 order-0 blocks under one zone lock:
    //  1) __rmqueue_smallest: order-6 head 0, expand -> 32/5, 16/4, 8/3, 4/2, 2/1, 1/0; gives 0.
    //  2) order-0 head 1.  3) order-1 head 2, expand -> 3/0; gives 2.  4) order-0 head 3.
    // list_add_tail each: [0, 1, 2, 3]; list_first_entry -> 0.
    const events: EventSink = [];
    const got = rmqueuePcplist(bootZone(SMALL_TEST_ZONE), 0, M, 0, 0, NONE, events);
    expect(got.pfn).toBe(0);
    expect(pcpIds(got.zone, orderToPindex(0, M))).toEqual([1, 2, 3]);
    expect(pcpOf(got.zone).count).toBe(3);
    // pcp pages are not in NR_FREE_PAGES.
    expect(got.zone.nrFreePages).toBe(1020);
    expect(lists(got.zone)).toEqual({
      [`2/${M}`]: [4],
      [`3/${M}`]: [8],
      [`4/${M}`]: [16],
      [`5/${M}`]: [32],
      [`6/${M}`]: range(1, 15).map((i) => i * 64),
    });
    expect(zoneLocks(events)).toBe(1);
    expect(events.filter((e) => e.name === "mm_page_alloc_zone_locked").map((e) => e.pfn)).toEqual([0, 1, 2, 3]);

    // The next allocation takes the head without touching the buddy lists.
    const next: EventSink = [];
    const again = rmqueuePcplist(got.zone, 0, M, 0, 0, NONE, next);
    expect(again.pfn).toBe(1);
    expect(zoneLocks(next)).toBe(0);
    expect(pcpOf(again.zone).count).toBe(2);
  });

  it("refills a higher order with max(batch >> order, 2) blocks and counts pages, not blocks", () => {
    // Order 2: 4 >> 2 = 1 -> 2 blocks: 0 (split from 0/6) and 4 (the order-2 half). Take 0.
    const got = rmqueuePcplist(bootZone(SMALL_TEST_ZONE), 2, M, 0, 0, NONE, []);
    expect(got.pfn).toBe(0);
    expect(pcpIds(got.zone, orderToPindex(2, M))).toEqual([4]);
    expect(pcpOf(got.zone).count).toBe(4);
  });

  it("puts claimed pages on the requested type's list", () => {
    // UNMOVABLE refill on a booted zone: the first __rmqueue claims 0/6 whole (pageblocks 0-7
    // become UNMOVABLE); the next three come from UNMOVABLE lists in NORMAL mode.
    const got = rmqueueBulk(bootZone(SMALL_TEST_ZONE), 0, 4, U, 0, 1, NONE, []);
    expect(got.alloced).toBe(4);
    expect(pcpIds(got.zone, orderToPindex(0, U), 1)).toEqual([0, 1, 2, 3]);
    expect(pcpOf(got.zone, 1).count).toBe(4);
  });

  it("stops early when the buddy lists run dry", () => {
    let zone = accountFreepages(addToFreeList(emptyZone(SMALL_TEST_ZONE), 40, 1, M, false), 2, M);
    zone = rmqueueBulk(zone, 0, 4, M, 0, 0, NONE, []).zone;
    expect(pcpIds(zone, orderToPindex(0, M))).toEqual([40, 41]);
    expect(pcpOf(zone).count).toBe(2);
    expect(zone.nrFreePages).toBe(0);
  });

  it("halves free_count on every pcp allocation", () => {
    const zone = withPcp(bootZone(SMALL_TEST_ZONE), 0, { freeCount: 13 });
    expect(pcpOf(rmqueuePcplist(zone, 0, M, 0, 0, NONE, []).zone).freeCount).toBe(6);
  });

  it("takes the zone lock less often while a CPU allocates without freeing; a free halves alloc_factor", () => {
    // batch 63, high 321 on a 4096-page zone. 200 order-0 allocations on CPU 0: refills of 63,
    // 126 and 252 pages (see nr_pcp_alloc() above), so 3 zone locks and 441 - 200 = 241 pages
    // left on the pcp. Without alloc_factor: 4 refills of 63, 252 - 200 = 52 left.
    let zone = bootZone({ nrPages: 4096, maxPageOrder: 10, pageblockOrder: 9, nrCpus: 4, pcpBatch: 63, pcpHigh: 321 });
    const events: EventSink = [];
    const pfns: number[] = [];
    for (let i = 0; i < 200; i++) {
      const got = rmqueuePcplist(zone, 0, M, 0, 0, NONE, events);
      zone = got.zone;
      pfns.push(got.pfn as number);
    }
    expect(events.filter((e) => e.name === "zone_lock" && e.caller === "rmqueue_bulk").length).toBe(3);
    expect(pcpOf(zone).count).toBe(241);
    expect(pcpOf(zone).allocFactor).toBe(3);
    // free_frozen_page_commit(): alloc_factor >>= 1, so 3 -> 1, then 0.
    zone = freeToPcp(zone, pfns[0] as number, 0, 0, []);
    expect(pcpOf(zone).allocFactor).toBe(1);
    zone = freeToPcp(zone, pfns[1] as number, 0, 0, []);
    expect(pcpOf(zone).allocFactor).toBe(0);
  });
});

describe("nr_pcp_free()", () => {
  it("clamps free_count to [batch, high - batch] with the kernel's __clamp(), also when high < 2 * batch", () => {
    const zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 16 }); // [4, 12]
    const pcp = (freeCount: number) => ({ ...pcpOf(zone), freeCount });
    expect([0, 4, 7, 12, 40].map((f) => nrPcpFree(zone, pcp(f), 16, false))).toEqual([4, 4, 7, 12, 12]);
    // high 6: lo = batch = 4 > hi = high - batch = 2. __clamp(): val >= hi ? hi : (val <= lo ? lo : val).
    const tight = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 6 });
    const tightPcp = (freeCount: number) => ({ ...pcpOf(tight), freeCount });
    expect(nrPcpFree(tight, tightPcp(1), 6, false)).toBe(4); // 1 < 2, 1 <= 4: lo
    expect(nrPcpFree(tight, tightPcp(3), 6, false)).toBe(2); // 3 >= 2: hi
  });
});

describe("free: free_frozen_page_commit()", () => {
  it("adds the page at the head of its list, so the next allocation gets it back", () => {
    const got = rmqueuePcplist(bootZone(SMALL_TEST_ZONE), 0, M, 0, 0, NONE, []); // list [1, 2, 3]
    const freed = freeToPcp(got.zone, 0, 0, 0, []);
    expect(pcpIds(freed, orderToPindex(0, M))).toEqual([0, 1, 2, 3]);
    expect(pcpOf(freed).count).toBe(4);
    expect(rmqueuePcplist(freed, 0, M, 0, 0, NONE, []).pfn).toBe(0);
  });

  it("grows free_count by 1 << order while it is below batch << CONFIG_PCP_BATCH_SCALE_MAX", () => {
    // batch 4 -> cap 4 << 5 = 128. 127 < 128 -> 127 + 8 = 135; then 135 >= 128 -> unchanged.
    let zone = withPcp(emptyZone({ ...SMALL_TEST_ZONE, pcpHigh: 1000 }), 0, { freeCount: 127 });
    zone = freeToPcp(zone, 0, 3, 0, []);
    expect(pcpOf(zone).freeCount).toBe(135);
    zone = freeToPcp(zone, 8, 3, 0, []);
    expect(pcpOf(zone).freeCount).toBe(135);
    expect(pcpOf(zone).count).toBe(16);
  });

  it("spills nr_pcp_free = clamp(free_count, batch, high - batch) pages from the tail once count >= high", () => {
    // 16 order-0 frees of pfns 0..15 into MOVABLE pageblocks: the 16th brings count to 16 = high.
    // free_count = 16 -> clamp(16, 4, 12) = 12 pages leave from the tail (the oldest, 0..11).
    const events: EventSink = [];
    const zone = freeAll(emptyZone(SMALL_TEST_ZONE), range(0, 16), 0, 0, events);
    expect(drained(events)).toEqual(range(0, 12));
    expect(pcpIds(zone, orderToPindex(0, M))).toEqual([15, 14, 13, 12]);
    expect(pcpOf(zone).count).toBe(4);
    // In buddy: 0..7 merge to 0/3; 8..11 to 8/2 (its order-3 parent's buddy 0/3 is free -> tail).
    expect(lists(zone)).toEqual({ [`3/${M}`]: [0], [`2/${M}`]: [8] });
    expect(zone.nrFreePages).toBe(12);
  });

  it("spills at least batch pages after allocations have halved free_count, at most high - batch", () => {
    const fifteen = freeAll(emptyZone(SMALL_TEST_ZONE), range(0, 15));
    const small: EventSink = [];
    // free_count 0 -> 1 after this free; clamp(1, 4, 12) = 4.
    freeToPcp(withPcp(fifteen, 0, { freeCount: 0 }), 15, 0, 0, small);
    expect(drained(small)).toEqual([0, 1, 2, 3]);
    const large: EventSink = [];
    freeToPcp(withPcp(fifteen, 0, { freeCount: 100 }), 15, 0, 0, large);
    expect(drained(large)).toHaveLength(12);
  });

  it("spills starting at the list just freed to, then round-robin over pindex with wrap-around", () => {
    // Pageblock 1 (8..15) UNMOVABLE. Frees: MOVABLE 0..6 (7), UNMOVABLE 8..15 (8) -> count 15; then
    // MOVABLE 7 -> 16. free_pcppages_bulk(12, pindex 1): the MOVABLE list empties from its tail
    // (0..7), pindex 2..13 are empty, wrap to 0: UNMOVABLE from its tail 8, 9, 10, 11.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, U);
    zone = freeAll(zone, range(0, 7));
    zone = freeAll(zone, range(8, 8));
    const events: EventSink = [];
    zone = freeToPcp(zone, 7, 0, 0, events);
    expect(drained(events)).toEqual([...range(0, 8), 8, 9, 10, 11]);
    expect(pcpIds(zone, orderToPindex(0, U))).toEqual([15, 14, 13, 12]);
    expect(pcpIds(zone, orderToPindex(0, M))).toEqual([]);
  });

  it("puts pages of a HIGHATOMIC pageblock on the MOVABLE list; draining returns them to HIGHATOMIC", () => {
    const zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 16, H);
    const freed = freeToPcp(zone, 16, 0, 0, []);
    expect(pcpIds(freed, orderToPindex(0, M))).toEqual([16]);
    // free_pcppages_bulk re-reads the pageblock type: back to the HIGHATOMIC free list.
    const events: EventSink = [];
    const back = freePcppagesBulk(freed, 1, 0, 0, events);
    expect(lists(back)).toEqual({ [`0/${H}`]: [16] });
    expect(back.nrFreeHighatomic).toBe(1);
    expect(events.at(-1)).toEqual({ name: "mm_page_pcpu_drain", pfn: 16, order: 0, migratetype: H });
  });

  it("drains with the pageblock's type at drain time, not at free time", () => {
    const freed = freeToPcp(emptyZone(SMALL_TEST_ZONE), 8, 0, 0, []); // MOVABLE list
    const retyped = setPageblockMigratetype(freed, 8, U);
    expect(lists(freePcppagesBulk(retyped, 1, 0, 0, []))).toEqual({ [`0/${U}`]: [8] });
  });

  it("clamps the count to pcp->count", () => {
    const zone = freeAll(emptyZone(SMALL_TEST_ZONE), [0, 1]);
    const events: EventSink = [];
    const out = freePcppagesBulk(zone, 100, 0, 5, events);
    expect(drained(events)).toEqual([0, 1]);
    expect(pcpOf(out).count).toBe(0);
  });

  it("free_high: consecutive order-1..3 frees flush the pcp once free_count >= batch + high_min / 2", () => {
    // free_frozen_page_commit(): free_high = free_count >= batch + high_min / 2 && PCPF_PREV_FREE_HIGH_ORDER
    // (PCPF_FREE_HIGH_BATCH unset: no cache slice); then nr_pcp_high() is 0 and nr_pcp_free() is
    // min(pcp->count, batch << CONFIG_PCP_BATCH_SCALE_MAX). batch 4, high 32: eleven order-1 frees
    // of pfns 0, 2, .., 20. free_count before the 11th free is 10 * 2 = 20 >= 4 + 16, so the 11th
    // free flushes all 22 pages; before it, count 20 < 32 kept everything.
    let zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 32, perCpuCacheSliceKb: 0 });
    for (let i = 0; i < 10; i++) zone = freeToPcp(zone, 2 * i, 1, 0, []);
    expect(pcpOf(zone).count).toBe(20);
    zone = freeToPcp(zone, 20, 1, 0, []);
    expect(pcpOf(zone).count).toBe(0);
  });

  it("free_high with PCPF_FREE_HIGH_BATCH keeps up to a batch on the pcp", () => {
    // zone_pcp_update_cacheinfo(): a 64 KiB slice is 16 pages > 3 * batch 4, so the flag is set and
    // free_high also needs pcp->count >= batch. batch 4, high 32, free_count already 40: order-1
    // frees of pfns 0, 2, 4. The first sets PREV_FREE_HIGH_ORDER only. The second has count 4 >=
    // 4: free_high, everything goes. The third (count 2 < 4) keeps its page; without the flag
    // it would go at once.
    const zone = withPcp(emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 32, perCpuCacheSliceKb: 64 }), 0, {
      freeCount: 40,
    });
    expect(zone.config.pcpFreeHighBatch).toBe(true);
    let next = freeToPcp(zone, 0, 1, 0, []);
    expect(pcpOf(next).count).toBe(2);
    next = freeToPcp(next, 2, 1, 0, []);
    expect(pcpOf(next).count).toBe(0);
    next = freeToPcp(next, 4, 1, 0, []);
    expect(pcpOf(next).count).toBe(2);
    const unflagged = withPcp(emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 32, perCpuCacheSliceKb: 0 }), 0, {
      freeCount: 40,
    });
    expect(pcpOf(freeToPcp(freeToPcp(unflagged, 0, 1, 0, []), 2, 1, 0, [])).count).toBe(0);
    expect(pcpOf(freeToPcp(freeToPcp(freeToPcp(unflagged, 0, 1, 0, []), 2, 1, 0, []), 4, 1, 0, [])).count).toBe(0);
  });

  it("while kswapd reclaims (ZONE_RECLAIM_ACTIVE), keeps at most batch * 4 pages", () => {
    // nr_pcp_high(): min(batch << 2, high) = min(16, 32). The 16th order-0 free reaches it;
    // nr_pcp_free() = clamp(free_count 16, batch 4, 16 - 4) = 12 go, 4 stay. Without the flag
    // all 16 stay (16 < 32).
    const zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 4, pcpHigh: 32 });
    const reclaiming = { ...zone, reclaimActive: true };
    expect(pcpOf(freeAll(reclaiming, range(0, 16))).count).toBe(4);
    expect(pcpOf(freeAll(zone, range(0, 16))).count).toBe(16);
  });

  it("spills in batch-sized free_pcppages_bulk() chunks, each starting at the list just freed to", () => {
    // batch 3, high 12; frees alternate order 0 (pfns 100..103) and order 1 (pfns 0, 2, 4, 6).
    // The 8th free makes count 12 >= 12; to_free = clamp(free_count 12, 3, 9) = 9. Chunks of 3
    // starting at the order-1 list: 4 pages (two order-1 blocks), then 4 (the other two), then
    // 3 (order-0 pages from the tail), leaving 1 page: the most recently freed order-0, pfn 103.
    let zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 3, pcpHigh: 12 });
    for (let i = 0; i < 4; i++) {
      zone = freeToPcp(zone, 100 + i, 0, 0, []);
      zone = freeToPcp(zone, 2 * i, 1, 0, []);
    }
    expect(pcpOf(zone).count).toBe(1);
    expect(pcpIds(zone, orderToPindex(0, M))).toEqual([103]);
  });
});

describe("draining: drain_pages_zone() and __drain_all_pages()", () => {
  it("drains everything in chunks of batch << CONFIG_PCP_BATCH_SCALE_MAX, each starting at pindex 0", () => {
    // batch 1 -> chunks of 32 pages. 40 pages: MOVABLE 0..7 first, then UNMOVABLE 8..39.
    let zone = emptyZone({ ...SMALL_TEST_ZONE, pcpBatch: 1, pcpHigh: 1000 });
    for (let pb = 1; pb < 5; pb++) zone = setPageblockMigratetype(zone, pb * 8, U);
    zone = freeAll(zone, range(0, 40));
    const events: EventSink = [];
    const result = drainPagesZone(zone, 0, events);
    expect(result.drained).toBe(40);
    expect(pcpOf(result.zone).count).toBe(0);
    expect(result.zone.nrFreePages).toBe(40);
    // Two free_pcppages_bulk calls (zone lock each): 32 then 8. Each starts at pindex 0, the
    // UNMOVABLE list, from its tail (oldest first): 8..39, then MOVABLE 0..7.
    expect(zoneLocks(events)).toBe(2);
    expect(drained(events)).toEqual([...range(8, 32), ...range(0, 8)]);
  });

  it("visits only CPUs that have pcp pages", () => {
    let zone = emptyZone({ ...SMALL_TEST_ZONE, nrCpus: 4 });
    zone = freeAll(zone, [0, 1], 0, 1);
    zone = freeAll(zone, [8], 0, 3);
    const events: EventSink = [];
    const out = drainAllPages(zone, { caller: "test" }, events);
    expect(out.pcp.map((p) => p.count)).toEqual([0, 0, 0, 0]);
    expect(events.at(-1)).toEqual({
      name: "drain_all_pages",
      caller: "test",
      skipped: false,
      cpus_visited: 2,
      pages_drained: 3,
    });
  });

  it("returns at once when pcpu_drain_mutex is busy and no zone was given; a zone caller waits and drains", () => {
    const zone = freeAll(emptyZone(SMALL_TEST_ZONE), [0, 1, 2]);
    const skipped: EventSink = [];
    expect(drainAllPages(zone, { caller: "reclaim", mutexBusy: true }, skipped)).toBe(zone);
    expect(skipped).toEqual([
      { name: "drain_all_pages", caller: "reclaim", skipped: true, cpus_visited: 0, pages_drained: 0 },
    ]);
    const waited = drainAllPages(zone, { caller: "cma", mutexBusy: true, zoneSpecific: true }, []);
    expect(pcpOf(waited).count).toBe(0);
    expect(waited.nrFreePages).toBe(3);
  });
});

describe("pcp->high auto-tuning", () => {
  /** SMALL_TEST_ZONE with a high_max: high_min 16, high_max 64, batch 4. */
  const TUNED = { ...SMALL_TEST_ZONE, pcpHighMax: 64 };
  const below = (zone: ZoneState): ZoneState => ({ ...zone, belowHigh: true });

  it("nr_pcp_alloc(): a refill raises pcp->high by its batch, up to high_max, unless the zone is below high", () => {
    const zone = emptyZone(TUNED);
    // high = clamp(0, 16, 64) = 16, + batch 4 = 20; max_nr_alloc = max(20 - 0 - 4, 4) = 16 >= 4.
    expect(nrPcpAlloc(zone, { count: 0, allocFactor: 0, high: 0 }, 0)).toEqual({ batch: 4, allocFactor: 1, high: 20 });
    // alloc_factor 3: batch 32, high min(40 + 32, 64) = 64; max_nr_alloc = 64 - 10 - 4 = 50 >= 32.
    expect(nrPcpAlloc(zone, { count: 10, allocFactor: 3, high: 40 }, 0)).toEqual({
      batch: 32,
      allocFactor: 4,
      high: 64,
    });
    // Order 1 grows high by the base batch: 40 + 4 = 44; the refill is 4 >> 1 = 2 blocks.
    expect(nrPcpAlloc(zone, { count: 0, allocFactor: 3, high: 40 }, 1)).toEqual({ batch: 2, allocFactor: 3, high: 44 });
    // ZONE_BELOW_HIGH: no growth. high 16, max_nr_alloc = max(16 - 0 - 4, 4) = 12.
    expect(nrPcpAlloc(below(zone), { count: 0, allocFactor: 0, high: 0 }, 0)).toEqual({
      batch: 4,
      allocFactor: 1,
      high: 16,
    });
  });

  it("with high_max below high_min (a low watermark above managed / 8) clamp() holds pcp->high near high_max", () => {
    // 4096 pages, 4 CPUs, batch 1, high_min 134, high_max 128 (zone-config.test.ts works them out).
    const zone = emptyZone({ nrPages: 1 << 12, watermarkScaleFactor: 1000 });
    // __clamp(0, 134, 128): 0 >= 128 no, 0 <= 134: lo = 134; then min(134 + 1, 128) = 128.
    expect(nrPcpAlloc(zone, { count: 0, allocFactor: 0, high: 0 }, 0)).toMatchObject({ high: 128 });
    // Below high (no growth) the first clamp stands: 134, where min(max(0, 134), 128) would say 128.
    expect(nrPcpAlloc({ ...zone, belowHigh: true }, { count: 0, allocFactor: 0, high: 0 }, 0)).toEqual({
      batch: 1,
      allocFactor: 1,
      high: 134,
    });
    // __clamp(128, 134, 128): 128 >= 128: hi = 128, and the same again.
    expect(nrPcpAlloc(zone, { count: 0, allocFactor: 0, high: 128 }, 0)).toMatchObject({ high: 128 });
    // Below high: max(128 - max(fc, 1), 134) = 134; threshold max(count, 134).
    expect(nrPcpHigh({ ...zone, belowHigh: true }, { count: 5, freeCount: 3, high: 128 }, false)).toEqual({
      threshold: 134,
      high: 134,
    });
    // decay_pcp_high() leaves it: 128 > 134 is false, and 5 pages are below it.
    const settled = withPcp(zone, 0, { high: 128 });
    expect(vmstatUpdate(settled, [])).toBe(settled);
  });

  it("nr_pcp_high(): room for the run of frees once full; below the high watermark, shrink and spill at once", () => {
    const zone = emptyZone(TUNED);
    // Not full: the threshold is pcp->high, unchanged.
    expect(nrPcpHigh(zone, { count: 10, freeCount: 30, high: 20 }, false)).toEqual({ threshold: 20, high: 20 });
    // Full (count 20 >= high 20), need_high = free_count 30 + batch 4 = 34 > 20: high 34 for next
    // time, but this free still spills against 20.
    expect(nrPcpHigh(zone, { count: 20, freeCount: 30, high: 20 }, false)).toEqual({ threshold: 20, high: 34 });
    // need_high above high_max is clamped: 70 + 4 -> 64.
    expect(nrPcpHigh(zone, { count: 40, freeCount: 70, high: 40 }, false)).toEqual({ threshold: 40, high: 64 });
    // ZONE_BELOW_HIGH: high = max(40 - max(2, 4), 16) = 36; threshold max(count 30, 16) = 30.
    expect(nrPcpHigh(below(zone), { count: 30, freeCount: 2, high: 40 }, false)).toEqual({ threshold: 30, high: 36 });
    // ... never below high_min.
    expect(nrPcpHigh(below(zone), { count: 3, freeCount: 50, high: 40 }, false)).toEqual({ threshold: 16, high: 16 });
    // free_high: high = max(64 - (4 << 5), 16) = 16, threshold 0 (spill).
    expect(nrPcpHigh(zone, { count: 30, freeCount: 30, high: 64 }, true)).toEqual({ threshold: 0, high: 16 });
    // ZONE_RECLAIM_ACTIVE: high = max(40 - 10, 16) = 30; threshold min(4 << 2, 30) = 16.
    const reclaiming = { ...zone, reclaimActive: true };
    expect(nrPcpHigh(reclaiming, { count: 30, freeCount: 10, high: 40 }, false)).toEqual({ threshold: 16, high: 30 });
    // A hand-set high: below-high changes nothing.
    const fixed = below(emptyZone(SMALL_TEST_ZONE));
    expect(nrPcpHigh(fixed, { count: 30, freeCount: 2, high: 16 }, false)).toEqual({ threshold: 16, high: 16 });
  });

  it("a spill that leaves the zone above its high watermark clears ZONE_BELOW_HIGH; one that does not keeps it", () => {
    // Watermarks 64/80/96. Below high, every free past high_min spills: nr_pcp_high() lowers
    // pcp->high to high_min (16) and returns max(count, 16), so the 16th free of pfns 0..15 spills
    // clamp(free_count 16, 4, 16 - 4) = 12 pages, as with a hand-set high of 16.
    const emptyBelow = below(emptyZone(TUNED));
    const events: EventSink = [];
    const starved = freeAll(emptyBelow, range(0, 16), 0, 0, events);
    expect(drained(events)).toEqual(range(0, 12));
    expect(pcpOf(starved).high).toBe(16);
    // 12 free pages, not above 96: still below high.
    expect([starved.nrFreePages, starved.belowHigh]).toEqual([12, true]);
    // With two free order-6 blocks (128 pages) elsewhere the same spill ends at 140 > 96: cleared.
    const roomy = below(withFree(withFree(emptyZone(TUNED), 512, 6, M), 576, 6, M));
    const cleared = freeAll(roomy, range(0, 16));
    expect([cleared.nrFreePages, cleared.belowHigh]).toEqual([140, false]);
    // Only a spill clears it: 15 frees spill nothing, and the flag stays however much is free.
    expect(freeAll(roomy, range(0, 15)).belowHigh).toBe(true);
  });

  it("decay_pcp_high(): high down an eighth towards high_min, the excess spilled a batch per zone lock", () => {
    // pcp 0 with 60 pages and high 64 (refilled from the booted zone, then high set by hand).
    let zone = bootZone(TUNED);
    for (let i = 0; i < 60; i++) zone = rmqueueBulk(zone, 0, 1, M, 0, 0, NONE, []).zone;
    zone = withPcp(zone, 0, { high: 64 });
    expect(pcpOf(zone).count).toBe(60);
    const events: EventSink = [];
    // high = max(60 - (4 << 5), 64 - 8, 16) = 56; to_drain = 60 - 56 = 4: one batch, one zone lock.
    let decayed = vmstatUpdate(zone, events);
    expect([pcpOf(decayed).high, pcpOf(decayed).count]).toEqual([56, 56]);
    expect(zoneLocks(events)).toBe(1);
    expect(drained(events)).toHaveLength(4);
    // Next ticks: 56 -> 49 (7 pages in 4 + 3), then 49 -> 43 (6 pages in 4 + 2).
    const e2: EventSink = [];
    decayed = vmstatUpdate(decayed, e2);
    expect([pcpOf(decayed).high, pcpOf(decayed).count, zoneLocks(e2)]).toEqual([49, 49, 2]);
    decayed = vmstatUpdate(decayed, []);
    expect([pcpOf(decayed).high, pcpOf(decayed).count]).toEqual([43, 43]);
    // CPU 1 never refilled: high 0, count 0, nothing happens there.
    expect(decayed.pcp[1]).toBe(zone.pcp[1]);
    // Far above the count, the decrement is capped by count - (batch << 5) only when that is larger:
    // high 64, count 0 -> max(0 - 128, 56, 16) = 56, nothing to spill.
    const empty = withPcp(bootZone(TUNED), 0, { high: 64 });
    expect(pcpOf(vmstatUpdate(empty, [])).high).toBe(56);
    // A pcp far above its high (high lowered below the high watermark, count left behind): the
    // cut is capped so that at most batch << 5 = 128 pages go. high_max 1000, 300 pages, high 100:
    // high = max(300 - 128, 100 - 12, 16) = 172, and 128 pages leave in 32 batches of 4.
    let full = bootZone({ ...SMALL_TEST_ZONE, pcpHighMax: 1000 });
    for (let i = 0; i < 300; i++) full = rmqueueBulk(full, 0, 1, M, 0, 0, NONE, []).zone;
    const capped: EventSink = [];
    const afterCap = vmstatUpdate(withPcp(full, 0, { high: 100 }), capped);
    expect([pcpOf(afterCap).high, pcpOf(afterCap).count, zoneLocks(capped)]).toEqual([172, 172, 32]);
    // At high_min nothing changes at all: the same zone comes back.
    const settled = withPcp(bootZone(TUNED), 0, { high: 16 });
    expect(vmstatUpdate(settled, [])).toBe(settled);
  });
});
