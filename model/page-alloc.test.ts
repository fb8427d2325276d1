/**
 * The freelist level of mm/page_alloc.c (~6.18, research/buddy.md §4, §6, §8):
 * reserve_highatomic_pageblock(), unreserve_highatomic_pageblock(), rmqueue_buddy(), rmqueue()
 * and get_page_from_freelist() for one zone, plus the free entry points.
 */

import { describe, expect, it } from "vitest";
import {
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MIN,
} from "./alloc-flags.js";
import type { EventSink } from "./events.js";
import type { PageProbe } from "./fallback.js";
import type { Migratetype } from "./migratetype.js";
import {
  bootZone,
  type FreelistRequest,
  freePages,
  getPageFromFreelist,
  reserveHighatomicPageblock,
  rmqueue,
  unreserveHighatomicPageblock,
} from "./page-alloc.js";
import { orderToPindex } from "./pcp-index.js";
import { H, M, NO_MOVABLE_PAGES, SMALL_TEST_ZONE, U, withFree } from "./test-support/small-zone.js";
import { freeListPfns as ids, nonEmptyFreeLists as lists, pcpListPfns as pcpIds } from "./test-support/zone-lists.js";
import {
  changePageblockRange,
  emptyZone,
  getPfnblockMigratetype,
  setPageblockMigratetype,
  type ZoneState,
} from "./zone.js";

const NONE = NO_MOVABLE_PAGES;

const mtOf = (zone: ZoneState, pfn: number) => getPfnblockMigratetype(zone, pfn);

function req(order: number, migratetype: Migratetype, allocFlags: number, probe: PageProbe = NONE): FreelistRequest {
  return { order, migratetype, allocFlags, cpu: 0, probe };
}

describe("reserve_highatomic_pageblock()", () => {
  /** Pageblock 1 (8-15) MOVABLE: 8-9 just allocated (order 1), 10/1 and 12/2 free. */
  function afterAtomicAlloc(): ZoneState {
    return withFree(withFree(emptyZone(SMALL_TEST_ZONE), 10, 1, M), 12, 2, M);
  }

  it("retypes the allocation's pageblock and moves its free pages to the HIGHATOMIC list tails", () => {
    let zone = withFree(afterAtomicAlloc(), 100, 1, H); // an older HIGHATOMIC order-1 block ...
    zone = setPageblockMigratetype(zone, 96, H); // ... in HIGHATOMIC pageblock 12
    const events: EventSink = [];
    const reserved = reserveHighatomicPageblock(zone, 8, 1, events);
    expect(mtOf(reserved, 8)).toBe(H);
    // __move_freepages_block: ascending pfn, list_move_tail.
    expect(lists(reserved)).toEqual({ [`1/${H}`]: [100, 10], [`2/${H}`]: [12] });
    expect(reserved.nrReservedHighatomic).toBe(8); // += pageblock_nr_pages
    expect(reserved.nrFreeHighatomic).toBe(2 + 2 + 4);
    expect(reserved.nrFreePages).toBe(zone.nrFreePages); // moved, not freed
    expect(events.at(-1)).toEqual({ name: "reserve_highatomic_pageblock", pfn: 8, nr_reserved_highatomic: 8 });
  });

  it("caps the reserve at ALIGN(managed / 100, pageblock_nr_pages)", () => {
    // 1024 pages: ALIGN(10, 8) = 16, two pageblocks; the third attempt changes nothing.
    let zone = emptyZone(SMALL_TEST_ZONE);
    zone = reserveHighatomicPageblock(zone, 0, 1, []);
    zone = reserveHighatomicPageblock(zone, 8, 1, []);
    expect(zone.nrReservedHighatomic).toBe(16);
    const third = reserveHighatomicPageblock(zone, 16, 1, []);
    expect(third).toBe(zone);
    expect(mtOf(third, 16)).toBe(M);
    // 4096 pages: ALIGN(40, 8) = 40, five pageblocks.
    let big = emptyZone({ ...SMALL_TEST_ZONE, nrPages: 4096 });
    for (let pb = 0; pb < 8; pb++) big = reserveHighatomicPageblock(big, pb * 8, 0, []);
    expect(big.nrReservedHighatomic).toBe(40);
    expect(Array.from({ length: 6 }, (_, pb) => mtOf(big, pb * 8))).toEqual([H, H, H, H, H, M]);
  });

  it("reserves nothing when 1% of the zone is less than a pageblock", () => {
    // 512 / 100 = 5 < 8.
    const zone = emptyZone({ ...SMALL_TEST_ZONE, nrPages: 512 });
    expect(reserveHighatomicPageblock(zone, 0, 1, [])).toBe(zone);
  });

  it("only reserves mergeable pageblocks", () => {
    const zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, H);
    expect(reserveHighatomicPageblock(zone, 8, 1, [])).toBe(zone);
  });

  it("for order >= pageblock_order retypes the whole range and counts 1 << order (may pass the cap once)", () => {
    // At 8 reserved (< 16) an order-4 allocation reserves 16 more pages: 24.
    let zone = reserveHighatomicPageblock(emptyZone(SMALL_TEST_ZONE), 0, 1, []);
    zone = reserveHighatomicPageblock(zone, 16, 4, []);
    expect(zone.nrReservedHighatomic).toBe(24);
    expect([mtOf(zone, 16), mtOf(zone, 24), mtOf(zone, 32)]).toEqual([H, H, M]);
  });
});

describe("unreserve_highatomic_pageblock()", () => {
  /** Two reserved pageblocks: 1 (8-15) with free 10/1 and 12/2, 2 (16-23) wholly free as 16/3. */
  function twoReserved(): ZoneState {
    let zone = changePageblockRange(emptyZone(SMALL_TEST_ZONE), 8, 4, H);
    zone = withFree(zone, 10, 1, H);
    zone = withFree(zone, 12, 2, H);
    zone = withFree(zone, 16, 3, H);
    zone = withFree(zone, 50, 1, M); // an unrelated MOVABLE order-1 block ahead on the list
    return { ...zone, nrReservedHighatomic: 16 };
  }

  it("without force, unreserves the block of the lowest-order HIGHATOMIC free page and keeps the last one", () => {
    // Ascending order scan: order 1 head is 10 -> size max(8, 2) = 8; move_freepages_block moves 10
    // and 12 to the MOVABLE tails and the pageblock becomes MOVABLE.
    const first = unreserveHighatomicPageblock(twoReserved(), M, false, []);
    expect(first.unreserved).toBe(true);
    expect(first.zone.nrReservedHighatomic).toBe(8);
    expect(lists(first.zone)).toEqual({ [`1/${M}`]: [50, 10], [`2/${M}`]: [12], [`3/${H}`]: [16] });
    expect([mtOf(first.zone, 8), mtOf(first.zone, 16)]).toEqual([M, H]);
    expect(first.zone.nrFreeHighatomic).toBe(8);
    // nr_reserved_highatomic <= pageblock_nr_pages: "preserve at least one pageblock".
    const second = unreserveHighatomicPageblock(first.zone, M, false, []);
    expect(second.unreserved).toBe(false);
    expect(second.zone).toBe(first.zone);
  });

  it("with force, unreserves the last block too, to the requester's migratetype", () => {
    const first = unreserveHighatomicPageblock(twoReserved(), M, false, []).zone;
    const forced = unreserveHighatomicPageblock(first, U, true, []);
    expect(forced.unreserved).toBe(true);
    expect(forced.zone.nrReservedHighatomic).toBe(0);
    expect(mtOf(forced.zone, 16)).toBe(U);
    expect(ids(forced.zone, 3, U)).toEqual([16]);
    expect(forced.zone.nrFreeHighatomic).toBe(0);
  });

  it("retypes every pageblock of a free block of order > pageblock_order and subtracts max(pageblock, 2^order)", () => {
    let zone = changePageblockRange(emptyZone(SMALL_TEST_ZONE), 16, 4, H);
    zone = { ...withFree(zone, 16, 4, H), nrReservedHighatomic: 16 };
    const out = unreserveHighatomicPageblock(zone, M, true, []);
    expect(out.zone.nrReservedHighatomic).toBe(0);
    expect([mtOf(out.zone, 16), mtOf(out.zone, 24)]).toEqual([M, M]);
    expect(lists(out.zone)).toEqual({ [`4/${M}`]: [16] });
  });

  it("does nothing when no reserved page is free", () => {
    const zone = { ...changePageblockRange(emptyZone(SMALL_TEST_ZONE), 8, 4, H), nrReservedHighatomic: 16 };
    expect(unreserveHighatomicPageblock(zone, M, true, []).unreserved).toBe(false);
  });
});

describe("rmqueue_buddy(): who may use the HIGHATOMIC reserve", () => {
  // No THP order, so order 4 is not a pcp order and goes straight to rmqueue_buddy().
  const NO_THP = { ...SMALL_TEST_ZONE, thpOrder: null };
  /** HIGHATOMIC pageblocks 2-3 free as 16/4, and optionally a MOVABLE block 64/6. */
  function reserveOnly(withMovable: boolean): ZoneState {
    let zone = withFree(changePageblockRange(emptyZone(NO_THP), 16, 4, H), 16, 4, H);
    if (withMovable) zone = withFree(zone, 64, 6, M);
    return zone;
  }
  const take = (zone: ZoneState, flags: number, order = 4) => rmqueue(zone, order, flags, M, 0, NONE, []).pfn;

  it("ALLOC_HIGHATOMIC tries the reserve first", () => {
    expect(take(reserveOnly(true), ALLOC_HIGHATOMIC)).toBe(16);
    expect(take(reserveOnly(true), 0)).toBe(64);
  });

  it("ALLOC_OOM and ALLOC_NON_BLOCK use it only when __rmqueue() failed", () => {
    expect(take(reserveOnly(true), ALLOC_NON_BLOCK)).toBe(64);
    expect(take(reserveOnly(false), ALLOC_NON_BLOCK)).toBe(16);
    expect(take(reserveOnly(false), ALLOC_OOM)).toBe(16);
  });

  it("other requests never touch it", () => {
    expect(take(reserveOnly(false), 0)).toBeUndefined();
    expect(take(reserveOnly(false), ALLOC_MIN_RESERVE)).toBeUndefined();
    expect(take(reserveOnly(false), ALLOC_KSWAPD | ALLOC_NOFRAGMENT)).toBeUndefined();
  });

  it("an order-0 ALLOC_NON_BLOCK request reaches it after the pcp refill found nothing", () => {
    // rmqueue_bulk() uses __rmqueue() only (HIGHATOMIC has no fallbacks), so the pcp stays empty;
    // rmqueue_buddy() then splits 16/4 on the HIGHATOMIC lists.
    const got = rmqueue(reserveOnly(false), 0, ALLOC_NON_BLOCK, M, 0, NONE, []);
    expect(got.pfn).toBe(16);
    expect(got.zone.pcp[0]?.count).toBe(0);
    expect(lists(got.zone)).toEqual({ [`0/${H}`]: [17], [`1/${H}`]: [18], [`2/${H}`]: [20], [`3/${H}`]: [24] });
    expect(got.zone.nrFreeHighatomic).toBe(15);
  });
});

describe("rmqueue(): ZONE_BOOSTED_WATERMARK", () => {
  it("clears the flag and asks for a kswapd wakeup when the request has ALLOC_KSWAPD", () => {
    const zone = { ...bootZone(SMALL_TEST_ZONE), boostedWatermark: true };
    const woke = rmqueue(zone, 0, ALLOC_KSWAPD, M, 0, NONE, []);
    expect(woke.wakeKswapdForBoost).toBe(true);
    expect(woke.zone.boostedWatermark).toBe(false);
    const quiet = rmqueue(zone, 0, 0, M, 0, NONE, []);
    expect(quiet.wakeKswapdForBoost).toBe(false);
    expect(quiet.zone.boostedWatermark).toBe(true);
  });

  it("wakes even when the allocation failed", () => {
    const got = rmqueue({ ...emptyZone(SMALL_TEST_ZONE), boostedWatermark: true }, 0, ALLOC_KSWAPD, M, 0, NONE, []);
    expect(got.pfn).toBeUndefined();
    expect(got.wakeKswapdForBoost).toBe(true);
  });

  it("wakes in the same call whose claim boosted the watermark", () => {
    // Pageblock 0 MOVABLE with 4/2 free: the UNMOVABLE refill claims it below pageblock_order, so
    // try_to_claim_block() boosts first and, with ALLOC_KSWAPD, sets ZONE_BOOSTED_WATERMARK.
    const got = rmqueue(withFree(emptyZone(SMALL_TEST_ZONE), 4, 2, M), 0, ALLOC_KSWAPD, U, 0, NONE, []);
    expect(got.pfn).toBe(4);
    expect(got.wakeKswapdForBoost).toBe(true);
    expect(got.zone.boostedWatermark).toBe(false);
    expect(got.zone.watermarkBoost).toBe(8);
  });
});

describe("get_page_from_freelist()", () => {
  // min_free_kbytes 0: watermarks min 0, low = high - 1 = max(0, mult_frac(1024, 10, 10000)) = 1.
  const LOW_WMARKS = { ...SMALL_TEST_ZONE, minFreeKbytes: 0 };

  it("retries without ALLOC_NOFRAGMENT when every zone failed with it", () => {
    // Only pageblock 0 (MOVABLE) has free pages, 6/1, next to 6 movable allocated pages. Pass 1
    // (NOFRAGMENT): the claim looks only at order >= pageblock_order and steal is off -> nothing.
    // Pass 2: the claim of 6/1 fails (2 + 0 < 4) and the steal takes 6 and then 7 for the pcp.
    const zone = withFree(emptyZone(LOW_WMARKS), 6, 1, M);
    const probe: PageProbe = { movablePagesInRange: (start) => (start === 0 ? 6 : 0) };
    const events: EventSink = [];
    const got = getPageFromFreelist(zone, req(0, U, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, probe), events);
    expect(got.pfn).toBe(6);
    expect(mtOf(got.zone, 0)).toBe(M); // stolen, not claimed
    expect(pcpIds(got.zone, orderToPindex(0, U))).toEqual([7]);
    expect(events.filter((e) => e.name === "mm_page_alloc_extfrag").map((e) => e.pfn)).toEqual([6, 7]);
    expect(events.at(-1)).toMatchObject({ name: "get_page_from_freelist", pfn: 6, alloc_flags: ALLOC_WMARK_LOW });
  });

  it("does not retry without ALLOC_NOFRAGMENT when it was not set", () => {
    const zone = emptyZone(LOW_WMARKS);
    const got = getPageFromFreelist(zone, req(0, U, ALLOC_WMARK_LOW), []);
    expect(got.pfn).toBeUndefined();
  });

  it("with vm.defrag_mode set, a NOFRAGMENT failure is final (only the slow path drops NOFRAGMENT)", () => {
    // The same zone as the retry test: without defrag_mode the second pass steals pfn 6.
    // Kernel: `if (no_fallback && !defrag_mode) { alloc_flags &= ~ALLOC_NOFRAGMENT; goto retry; }`.
    const zone = withFree(emptyZone(LOW_WMARKS), 6, 1, M);
    const probe: PageProbe = { movablePagesInRange: (start) => (start === 0 ? 6 : 0) };
    const events: EventSink = [];
    const got = getPageFromFreelist(
      zone,
      { ...req(0, U, ALLOC_WMARK_LOW | ALLOC_NOFRAGMENT, probe), defragMode: true },
      events,
    );
    expect(got.pfn).toBeUndefined();
    expect(events.filter((e) => e.name === "mm_page_alloc_extfrag")).toEqual([]);
    expect(mtOf(got.zone, 0)).toBe(M);
  });

  it("fails below the watermark, unless ALLOC_NO_WATERMARKS", () => {
    // SMALL_TEST_ZONE watermarks 64/80/96; 8 free pages.
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 8, 3, M);
    expect(getPageFromFreelist(zone, req(0, M, ALLOC_WMARK_MIN), []).pfn).toBeUndefined();
    expect(getPageFromFreelist(zone, req(0, M, ALLOC_NO_WATERMARKS), []).pfn).toBe(8);
  });

  it("reserves a highatomic pageblock after an ALLOC_HIGHATOMIC success", () => {
    // Order 1 is a pcp order: the refill takes 0 and 2 (split from 0/6), the caller gets 0. Then
    // reserve_highatomic_pageblock(0): pageblock 0 becomes HIGHATOMIC and its one free buddy, 4/2,
    // moves to the HIGHATOMIC list (2 is on the pcp list, not a buddy).
    const flags = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC;
    const got = getPageFromFreelist(bootZone(SMALL_TEST_ZONE), req(1, M, flags), []);
    expect(got.pfn).toBe(0);
    expect(mtOf(got.zone, 0)).toBe(H);
    expect(got.zone.nrReservedHighatomic).toBe(8);
    expect(ids(got.zone, 2, H)).toEqual([4]);
    expect(got.zone.nrFreeHighatomic).toBe(4);
  });
});

describe("free entry points (free_frozen_pages / __free_pages_ok)", () => {
  it("sends pcp orders to the pcp list and other orders to the buddy lists", () => {
    const zone = emptyZone({ ...SMALL_TEST_ZONE, pcpHigh: 1000 }); // high enough that nothing spills
    const events: EventSink = [];
    // Order 5 is the THP order here: pcp list 13 (THP, movable).
    const thp = freePages(zone, 32, 5, 1, events);
    expect(pcpIds(thp, 13, 1)).toEqual([32]);
    expect(thp.nrFreePages).toBe(0);
    // Order 4: split_large_buddy under the zone lock, FPI_NONE.
    const buddy = freePages(zone, 16, 4, 1, events);
    expect(lists(buddy)).toEqual({ [`4/${M}`]: [16] });
    expect(events.filter((e) => e.name === "mm_page_free")).toEqual([
      { name: "mm_page_free", pfn: 32, order: 5 },
      { name: "mm_page_free", pfn: 16, order: 4 },
    ]);
  });
});
