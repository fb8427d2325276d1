/**
 * Migratetype fallback against mm/page_alloc.c (6.15+ claim/steal split, ~6.18 text in
 * research/buddy.md): fallbacks[], should_try_claim_block(), find_suitable_fallback(),
 * try_to_claim_block(), __rmqueue_claim(), __rmqueue_steal(), __rmqueue() and boost_watermark().
 */

import { describe, expect, it } from "vitest";
import { ALLOC_KSWAPD, ALLOC_NOFRAGMENT } from "./alloc-flags.js";
import type { EventSink } from "./events.js";
import {
  boostWatermark,
  FALLBACKS,
  findSuitableFallback,
  type PageProbe,
  rmqueueClaim,
  rmqueueFromFreeLists,
  rmqueueSteal,
  shouldTryClaimBlock,
} from "./fallback.js";
import { MIGRATE_HIGHATOMIC, type Migratetype } from "./migratetype.js";
import { bootZone } from "./page-alloc.js";
import { M, R, SMALL_TEST_ZONE, U, withFree } from "./test-support/small-zone.js";
import { freeListPfns as ids, nonEmptyFreeLists as lists } from "./test-support/zone-lists.js";
import { emptyZone, getPfnblockMigratetype, setPageblockMigratetype, type ZoneState } from "./zone.js";

/** PageLRU() pages per pageblock start pfn; everything else allocated counts as non-movable. */
function movable(perPageblock: Record<number, number>): PageProbe {
  return { movablePagesInRange: (start) => perPageblock[start] ?? 0 };
}
const NONE = movable({});

const mtOf = (zone: ZoneState, pfn: number) => getPfnblockMigratetype(zone, pfn);

describe("fallbacks[]", () => {
  it("matches the kernel table", () => {
    expect(FALLBACKS).toEqual({
      [U]: [R, M],
      [M]: [R, U],
      [R]: [U, M],
    });
  });

  it("find_suitable_fallback() returns the first non-empty fallback list in table order", () => {
    // UNMOVABLE tries RECLAIMABLE before MOVABLE.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, R);
    zone = withFree(zone, 0, 2, M);
    zone = withFree(zone, 8, 2, R);
    expect(findSuitableFallback(zone, 2, U, false)).toBe(R);
    expect(findSuitableFallback(zone, 2, M, false)).toBe(R);
    expect(findSuitableFallback(zone, 2, R, false)).toBe(M);
    // Nothing free at this order -> -1. HIGHATOMIC has no fallbacks.
    expect(findSuitableFallback(zone, 1, U, false)).toBe(-1);
    expect(findSuitableFallback(zone, 2, MIGRATE_HIGHATOMIC, false)).toBe(-1);
  });

  it("find_suitable_fallback() says -2 (too small to claim) before looking at the area", () => {
    // Order 0 MOVABLE with pageblock_order 3: 0 < 3 and 0 < 3/2 = 1 -> -2, even with an empty area.
    expect(findSuitableFallback(emptyZone(SMALL_TEST_ZONE), 0, M, true)).toBe(-2);
    expect(findSuitableFallback(emptyZone(SMALL_TEST_ZONE), 0, M, false)).toBe(-1);
  });
});

describe("should_try_claim_block(order of the free block found, start_mt)", () => {
  it("with pageblock_order 9: any type from order 4 (9/2) up, UNMOVABLE/RECLAIMABLE always", () => {
    const zone = emptyZone({ nrPages: 4096, maxPageOrder: 10 });
    expect(zone.config.pageblockOrder).toBe(9);
    const row = (mt: Migratetype) => Array.from({ length: 11 }, (_, order) => shouldTryClaimBlock(zone, order, mt));
    const f = false;
    const t = true;
    expect(row(M)).toEqual([f, f, f, f, t, t, t, t, t, t, t]);
    expect(row(U)).toEqual(Array(11).fill(t));
    expect(row(R)).toEqual(Array(11).fill(t));
  });

  it("with pageblock_order 3: MOVABLE from order 1 (3/2 = 1) up", () => {
    const zone = emptyZone(SMALL_TEST_ZONE);
    expect([0, 1, 2, 3].map((o) => shouldTryClaimBlock(zone, o, M))).toEqual([false, true, true, true]);
  });
});

describe("whole-block claim (current_order >= pageblock_order)", () => {
  it("an order-0 UNMOVABLE request on a freshly booted zone claims the largest MOVABLE block", () => {
    // __rmqueue_smallest(UNMOVABLE) finds nothing. __rmqueue_claim scans from order 6 down: order 6
    // MOVABLE list head is pfn 0. try_to_claim_block: del_page_from_free_list, change_pageblock_range
    // over 1 << (6 - 3) = 8 pageblocks, expand(0, 0, 6, UNMOVABLE), no boost in this branch.
    const events: EventSink = [];
    const result = rmqueueFromFreeLists(bootZone(SMALL_TEST_ZONE), 0, U, 0, "normal", NONE, events);
    expect(result.pfn).toBe(0);
    expect(result.mode).toBe("normal");
    const zone = result.zone;
    expect(lists(zone)).toEqual({
      [`0/${U}`]: [1],
      [`1/${U}`]: [2],
      [`2/${U}`]: [4],
      [`3/${U}`]: [8],
      [`4/${U}`]: [16],
      [`5/${U}`]: [32],
      [`6/${M}`]: Array.from({ length: 15 }, (_, i) => 64 + 64 * i),
    });
    expect(Array.from({ length: 9 }, (_, pb) => mtOf(zone, pb * 8))).toEqual([U, U, U, U, U, U, U, U, M]);
    expect(zone.nrFreePages).toBe(1023);
    expect(zone.watermarkBoost).toBe(0);
    expect(events).toEqual([
      {
        name: "mm_page_alloc_extfrag",
        pfn: 0,
        alloc_order: 0,
        fallback_order: 6,
        alloc_migratetype: U,
        fallback_migratetype: M,
        change_ownership: true,
      },
    ]);
  });

  it("at exactly pageblock_order retypes the one pageblock", () => {
    // MOVABLE request, UNMOVABLE pageblock 2 free as 16/3: should_try_claim_block(3, MOVABLE) holds.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 16, U);
    zone = withFree(zone, 16, 3, U);
    const claimed = rmqueueClaim(zone, 1, M, 0, NONE, []);
    expect(claimed.pfn).toBe(16);
    // expand(16, 1, 3, MOVABLE): 20 at order 2, 18 at order 1.
    expect(lists(claimed.zone)).toEqual({ [`2/${M}`]: [20], [`1/${M}`]: [18] });
    expect(mtOf(claimed.zone, 16)).toBe(M);
    expect(claimed.zone.nrFreePages).toBe(6);
  });
});

describe("partial claim (current_order < pageblock_order)", () => {
  /**
   * Pageblock 0 (pfns 0-7) of type `blockMt`: pages 0-5 allocated, 6-7 free as one order-1 block.
   * free_pages = 2. Half a pageblock is 1 << (3 - 1) = 4.
   */
  function twoFree(blockMt: Migratetype): ZoneState {
    return withFree(setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 0, blockMt), 6, 1, blockMt);
  }

  it("UNMOVABLE from a MOVABLE block: alike = pageblock_nr_pages - free - movable; claims at free + alike >= 4", () => {
    // movable = 4: alike = 8 - (2 + 4) = 2; free + alike = 4 >= 4 -> claim.
    const events: EventSink = [];
    const claimed = rmqueueClaim(twoFree(M), 0, U, 0, movable({ 0: 4 }), events);
    // __move_freepages_block moves 6/1 to the UNMOVABLE tail, the pageblock becomes UNMOVABLE, and
    // __rmqueue_smallest(0, UNMOVABLE) splits 6/1: caller gets 6, 7 goes to the order-0 head.
    expect(claimed.pfn).toBe(6);
    expect(lists(claimed.zone)).toEqual({ [`0/${U}`]: [7] });
    expect(mtOf(claimed.zone, 0)).toBe(U);
    expect(claimed.zone.nrFreePages).toBe(1);
    // The watermark is boosted before the block is counted: 0 + pageblock_nr_pages = 8.
    expect(claimed.zone.watermarkBoost).toBe(8);
    expect(events.map((e) => e.name)).toEqual([
      "boost_watermark",
      "mm_page_alloc_zone_locked",
      "mm_page_alloc_extfrag",
    ]);
    expect(events[2]).toMatchObject({ pfn: 6, fallback_order: 1, fallback_migratetype: M, change_ownership: true });
  });

  it("UNMOVABLE from a MOVABLE block: gives up at free + alike = 3 < 4, but the boost stays", () => {
    // movable = 5: alike = 8 - (2 + 5) = 1; 2 + 1 = 3 < 4.
    const zone = twoFree(M);
    const failed = rmqueueClaim(zone, 0, U, 0, movable({ 0: 5 }), []);
    expect(failed.pfn).toBeUndefined();
    expect(lists(failed.zone)).toEqual(lists(zone));
    expect(mtOf(failed.zone, 0)).toBe(M);
    expect(failed.zone.watermarkBoost).toBe(8);
    // Without ALLOC_KSWAPD the zone is not flagged ZONE_BOOSTED_WATERMARK.
    expect(failed.zone.boostedWatermark).toBe(false);
    expect(rmqueueClaim(zone, 0, U, ALLOC_KSWAPD, movable({ 0: 5 }), []).zone.boostedWatermark).toBe(true);
  });

  it("MOVABLE from an UNMOVABLE block: alike = movable pages", () => {
    // should_try_claim_block(1, MOVABLE): 1 >= 3/2. free 2 + movable 2 = 4 -> claim; movable 1 -> 3, no.
    const yes = rmqueueClaim(twoFree(U), 0, M, 0, movable({ 0: 2 }), []);
    expect(yes.pfn).toBe(6);
    expect(mtOf(yes.zone, 0)).toBe(M);
    const no = rmqueueClaim(twoFree(U), 0, M, 0, movable({ 0: 1 }), []);
    expect(no.pfn).toBeUndefined();
    expect(mtOf(no.zone, 0)).toBe(U);
  });

  it("UNMOVABLE from a RECLAIMABLE block: alike = 0 (non-movable pages of another kind do not count)", () => {
    // Six allocated non-movable pages, but alike is 0: free 2 < 4.
    expect(rmqueueClaim(twoFree(R), 0, U, 0, NONE, []).pfn).toBeUndefined();
    // With 4 free pages (4/2 instead of 6/1) it is exactly half: claim.
    const four = withFree(setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 0, R), 4, 2, R);
    const claimed = rmqueueClaim(four, 0, U, 0, NONE, []);
    expect(claimed.pfn).toBe(4);
    expect(mtOf(claimed.zone, 0)).toBe(U);
  });

  it("counts every free buddy of the pageblock and moves them all", () => {
    // Pageblock 0 MOVABLE: free 0/0, 2/1, 4/2 = 7 pages (pfn 1 allocated). The claim starts from the
    // largest fallback block (4/2), moves all three to the UNMOVABLE tails in pfn order, then
    // __rmqueue_smallest(0, UNMOVABLE) takes the order-0 head, pfn 0.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 0, 0, M);
    zone = withFree(zone, 2, 1, M);
    zone = withFree(zone, 4, 2, M);
    const claimed = rmqueueClaim(zone, 0, U, 0, NONE, []);
    expect(claimed.pfn).toBe(0);
    expect(lists(claimed.zone)).toEqual({ [`1/${U}`]: [2], [`2/${U}`]: [4] });
    expect(mtOf(claimed.zone, 0)).toBe(U);
  });
});

describe("steal (__rmqueue_steal)", () => {
  it("takes the smallest fallback block after every claim failed, and each failed claim boosted", () => {
    // Pageblock 0: 6/1 free, 6 movable -> free + alike = 2 + 0. Pageblock 1: 15/0 free, 7 movable -> 1 + 0.
    // Claim scan: order 1 (head 6) fails, boost 8; order 0 (head 15) fails, boost 16.
    // Steal scans up from order 0: MOVABLE order-0 head 15.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 6, 1, M);
    zone = withFree(zone, 15, 0, M);
    const events: EventSink = [];
    const result = rmqueueFromFreeLists(zone, 0, U, 0, "normal", movable({ 0: 6, 8: 7 }), events);
    expect(result.pfn).toBe(15);
    expect(result.mode).toBe("steal");
    expect(result.zone.watermarkBoost).toBe(16);
    expect(lists(result.zone)).toEqual({ [`1/${M}`]: [6] });
    expect([mtOf(result.zone, 0), mtOf(result.zone, 8)]).toEqual([M, M]);
    expect(events.at(-1)).toEqual({
      name: "mm_page_alloc_extfrag",
      pfn: 15,
      alloc_order: 0,
      fallback_order: 0,
      alloc_migratetype: U,
      fallback_migratetype: M,
      change_ownership: false,
    });
  });

  it("leaves the split remainder on the foreign type's list and the pageblock type unchanged (pollution)", () => {
    // UNMOVABLE order 0 from MOVABLE 6/1 (claim fails as above): caller gets 6, 7 stays MOVABLE.
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 6, 1, M);
    const stolen = rmqueueSteal(zone, 0, U, []);
    expect(stolen?.pfn).toBe(6);
    expect(stolen && lists(stolen.zone)).toEqual({ [`0/${M}`]: [7] });
    expect(stolen && mtOf(stolen.zone, 0)).toBe(M);
    expect(stolen?.zone.nrFreePages).toBe(1);
  });

  it("a small MOVABLE request steals without trying to claim (should_try_claim_block false)", () => {
    // pageblock_order 4: order 1 < 4/2, so the claim scan stops with -2 at order 1 and nothing is
    // boosted. Steal takes UNMOVABLE 2/1; 3 goes back on the UNMOVABLE order-0 list.
    let zone = setPageblockMigratetype(emptyZone({ ...SMALL_TEST_ZONE, pageblockOrder: 4 }), 0, U);
    zone = withFree(zone, 2, 1, U);
    const result = rmqueueFromFreeLists(zone, 0, M, 0, "normal", NONE, []);
    expect(result.pfn).toBe(2);
    expect(result.mode).toBe("steal");
    expect(result.zone.watermarkBoost).toBe(0);
    expect(lists(result.zone)).toEqual({ [`0/${U}`]: [3] });
    expect(mtOf(result.zone, 0)).toBe(U);
  });

  it("in RMQUEUE_STEAL mode goes straight to stealing, even when the own list has pages", () => {
    // rmqueue_bulk() keeps the mode: `case RMQUEUE_STEAL:` skips __rmqueue_smallest and the claim.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, U);
    zone = withFree(zone, 8, 0, U);
    zone = withFree(zone, 0, 0, M);
    const result = rmqueueFromFreeLists(zone, 0, U, 0, "steal", NONE, []);
    expect(result.pfn).toBe(0);
    expect(ids(result.zone, 0, U)).toEqual([8]);
  });
});

describe("ALLOC_NOFRAGMENT", () => {
  // Pageblock 0 MOVABLE, free 4/2 and nothing else: a claim would succeed (4 + 4 alike >= 4).
  const zone = withFree(emptyZone(SMALL_TEST_ZONE), 4, 2, M);

  it("raises the claim's min order to pageblock_order and forbids the steal", () => {
    const result = rmqueueFromFreeLists(zone, 0, U, ALLOC_NOFRAGMENT, "normal", NONE, []);
    expect(result.pfn).toBeUndefined();
    expect(lists(result.zone)).toEqual(lists(zone));
    // No block of order >= 3 was looked at, so nothing was boosted.
    expect(result.zone.watermarkBoost).toBe(0);
  });

  it("forbids the steal in RMQUEUE_STEAL mode too", () => {
    expect(rmqueueFromFreeLists(zone, 0, U, ALLOC_NOFRAGMENT, "steal", NONE, []).pfn).toBeUndefined();
  });

  it("still claims whole pageblocks", () => {
    expect(rmqueueFromFreeLists(bootZone(SMALL_TEST_ZONE), 0, U, ALLOC_NOFRAGMENT, "normal", NONE, []).pfn).toBe(0);
  });

  it("without it the same request claims the sub-pageblock block", () => {
    const result = rmqueueFromFreeLists(zone, 0, U, 0, "normal", NONE, []);
    expect(result.pfn).toBe(4);
    expect(mtOf(result.zone, 0)).toBe(U);
  });
});

describe("boost_watermark()", () => {
  it("adds pageblock_nr_pages per call up to max(pageblock_nr_pages, high * factor / 10000)", () => {
    // SMALL_TEST_ZONE: high = 96; mult_frac(96, 15000, 10000) = 144 = max(8, 144). 18 boosts of 8 reach 144.
    let zone = emptyZone(SMALL_TEST_ZONE);
    expect(zone.watermark.high).toBe(96);
    const seen: number[] = [];
    for (let i = 0; i < 19; i++) {
      const b = boostWatermark(zone);
      expect(b.boosted).toBe(true);
      zone = b.zone;
      seen.push(zone.watermarkBoost);
    }
    expect(seen.slice(0, 3)).toEqual([8, 16, 24]);
    expect(seen.slice(-2)).toEqual([144, 144]);
  });

  it("never caps below one pageblock", () => {
    // Default 4096-page zone, pageblock 512: high = 192, 192 * 1.5 = 288 < 512 -> max_boost 512.
    const big = emptyZone({ nrPages: 4096, maxPageOrder: 10 });
    expect(big.watermark.high).toBe(192);
    expect(boostWatermark(big).zone.watermarkBoost).toBe(512);
    // factor 500: mult_frac(96, 500, 10000) = 4 -> max(8, 4) = 8, and it stays there.
    const once = boostWatermark(emptyZone({ ...SMALL_TEST_ZONE, watermarkBoostFactor: 500 })).zone;
    expect(once.watermarkBoost).toBe(8);
    expect(boostWatermark(once).zone.watermarkBoost).toBe(8);
  });

  it("does nothing when disabled, or when high * factor / 10000 is 0; the smallest valid zone boosts", () => {
    expect(boostWatermark(emptyZone({ ...SMALL_TEST_ZONE, watermarkBoostFactor: 0 })).boosted).toBe(false);
    // The kernel's "pageblock_nr_pages * 4 > managed" early return cannot fire in the model:
    // zones that small disable grouping by mobility and are refused by buildZoneConfig().
    expect(() => emptyZone({ ...SMALL_TEST_ZONE, nrPages: 24 })).toThrow(/grouping by mobility/);
    // 32 pages is enough: 32 > 32 is false. (high = 48 there: min 32, delta max(8, 0) = 8.)
    expect(boostWatermark(emptyZone({ ...SMALL_TEST_ZONE, nrPages: 32 })).zone.watermarkBoost).toBe(8);
    // mult_frac(96, 1, 10000) = 0: "high watermark may be uninitialised", no boost at all.
    const tiny = boostWatermark(emptyZone({ ...SMALL_TEST_ZONE, watermarkBoostFactor: 1 }));
    expect(tiny.boosted).toBe(false);
    expect(tiny.zone.watermarkBoost).toBe(0);
  });
});
