/**
 * The buddy lists against mm/page_alloc.c (~6.18): expand(), __rmqueue_smallest(),
 * __free_one_page() with buddy_merge_likely(), split_large_buddy(), and the boot layout left by
 * __free_pages_core(FPI_TO_TAIL). States are built by hand; every expectation is worked out from
 * the kernel source in research/buddy.md, not from the model.
 */

import { describe, expect, it } from "vitest";
import {
  type CaptureControl,
  expand,
  findBuddyPfn,
  freeOnePage,
  isFreeBuddy,
  pageDelAndExpand,
  rmqueueSmallest,
  splitLargeBuddy,
} from "./buddy.js";
import type { EventSink } from "./events.js";
import type { Migratetype } from "./migratetype.js";
import { bootZone } from "./page-alloc.js";
import { H, M, R, SMALL_TEST_ZONE, U, withFree } from "./test-support/small-zone.js";
import { freeListPfns as ids, nonEmptyFreeLists as lists } from "./test-support/zone-lists.js";
import {
  changePageblockRange,
  emptyZone,
  getPfnblockMigratetype,
  nrPageblocks,
  setPageblockMigratetype,
  type ZoneState,
} from "./zone.js";

function pbTypes(zone: ZoneState, first: number, count: number): Migratetype[] {
  return Array.from({ length: count }, (_, i) =>
    getPfnblockMigratetype(zone, (first + i) << zone.config.pageblockOrder),
  );
}

function range(start: number, count: number, step: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i * step);
}

describe("boot layout (__free_pages_core -> __free_pages_ok(FPI_TO_TAIL))", () => {
  it("boots a 1024-page zone with MAX_PAGE_ORDER 6 into 16 order-6 MOVABLE blocks in pfn order", () => {
    // pageblock_order defaults to min(9, MAX_PAGE_ORDER) = 6. memblock frees 1024 / 64 = 16 chunks
    // of order MAX_PAGE_ORDER in ascending pfn; each is added at the tail (FPI_TO_TAIL) and cannot
    // merge (the loop runs only while order < MAX_PAGE_ORDER).
    const zone = bootZone({ nrPages: 1024, maxPageOrder: 6 });
    expect(zone.config.pageblockOrder).toBe(6);
    expect(lists(zone)).toEqual({ [`6/${M}`]: range(0, 16, 64) });
    expect(zone.nrFreePages).toBe(1024);
    expect(zone.nrFreeHighatomic).toBe(0);
    // mm_init.c memmap_init_range(): every pageblock starts MIGRATE_MOVABLE.
    expect(pbTypes(zone, 0, nrPageblocks(zone.config)).every((mt) => mt === M)).toBe(true);
    expect(zone.pcp.every((p) => p.count === 0)).toBe(true);
    expect(zone.watermarkBoost).toBe(0);
  });

  it("re-merges pageblock-sized chunks when MAX_PAGE_ORDER > pageblock_order (split_large_buddy)", () => {
    // Each order-6 chunk is freed as 8 order-3 pieces (split_large_buddy caps at pageblock_order);
    // all are MOVABLE, so they merge back to order 6 and the merged block goes to the tail.
    const zone = bootZone(SMALL_TEST_ZONE);
    expect(lists(zone)).toEqual({ [`6/${M}`]: range(0, 16, 64) });
    expect(zone.nrFreePages).toBe(1024);
  });

  it("frees an uneven tail in the largest aligned chunks that fit", () => {
    // 1096 = 17 * 64 + 8: pfn 1088 is 64-aligned, but 1088 + 64 > 1096, so order drops 6 -> 3.
    // Its order-3 buddy 1088 ^ 8 = 1096 lies outside the zone, so it does not merge.
    const zone = bootZone({ ...SMALL_TEST_ZONE, nrPages: 1096 });
    expect(lists(zone)).toEqual({ [`6/${M}`]: range(0, 17, 64), [`3/${M}`]: [1088] });
    expect(zone.nrFreePages).toBe(1096);
  });
});

describe("buddy lookup (mm/internal.h __find_buddy_pfn, page_is_buddy)", () => {
  it("finds the buddy by flipping bit `order`", () => {
    expect(findBuddyPfn(emptyZone(SMALL_TEST_ZONE), 0, 3)).toBe(8); // 0 ^ 8
    expect(findBuddyPfn(emptyZone(SMALL_TEST_ZONE), 8, 3)).toBe(0); // 8 ^ 8
    expect(findBuddyPfn(emptyZone(SMALL_TEST_ZONE), 12, 2)).toBe(8); // 12 ^ 4
    expect(findBuddyPfn(emptyZone(SMALL_TEST_ZONE), 5, 0)).toBe(4); // 5 ^ 1
  });

  it("counts a buddy only as the head of a free block of exactly that order, inside the zone", () => {
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 6, 0, M);
    expect(isFreeBuddy(zone, 6, 0)).toBe(true);
    expect(isFreeBuddy(zone, 6, 1)).toBe(false); // buddy_order(buddy) != order
    expect(isFreeBuddy(zone, 7, 0)).toBe(false); // not PageBuddy
    expect(isFreeBuddy(zone, 1024, 0)).toBe(false); // outside the zone
  });
});

describe("expand() and page_del_and_expand()", () => {
  it("puts the upper halves at the HEAD of their lists, from order high-1 down to low, and keeps the lowest piece", () => {
    // Block 0 of order 4 split down to order 1: page[8] at order 3, page[4] at order 2, page[2]
    // at order 1, each with list_add (head). An older order-2 block at 100 must end up behind 4.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 100, 2, M);
    zone = withFree(zone, 0, 4, M);
    const before = zone.nrFreePages; // 4 + 16 = 20
    const after = pageDelAndExpand(zone, 0, 1, 4, M);
    expect(lists(after)).toEqual({ [`1/${M}`]: [2], [`2/${M}`]: [4, 100], [`3/${M}`]: [8] });
    // NR_FREE_PAGES: -2^4 for the block, +(8 + 4 + 2) for the halves put back = -2 = -2^low.
    expect(after.nrFreePages).toBe(before - 2);
    // pfn 0 (pages 0-1) is the caller's: not on any list.
    expect(isFreeBuddy(after, 0, 1)).toBe(false);
  });

  it("returns the pages it put back and does no accounting itself", () => {
    const zone = emptyZone(SMALL_TEST_ZONE);
    const { zone: split, nrAdded } = expand(zone, 64, 0, 6, U);
    expect(nrAdded).toBe(32 + 16 + 8 + 4 + 2 + 1);
    expect(split.nrFreePages).toBe(0);
    // Halves in the order expand adds them: 96 (o5), 80 (o4), 72 (o3), 68 (o2), 66 (o1), 65 (o0).
    expect(lists(split)).toEqual({
      [`0/${U}`]: [65],
      [`1/${U}`]: [66],
      [`2/${U}`]: [68],
      [`3/${U}`]: [72],
      [`4/${U}`]: [80],
      [`5/${U}`]: [96],
    });
  });
});

describe("__rmqueue_smallest()", () => {
  function setup(): ZoneState {
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, U);
    zone = withFree(zone, 2, 1, M);
    zone = withFree(zone, 6, 1, M); // order-1 MOVABLE list: [2, 6]
    zone = withFree(zone, 8, 2, U); // order-2 UNMOVABLE (pageblock 1 is UNMOVABLE)
    zone = withFree(zone, 16, 3, M);
    return zone;
  }

  it("takes the list head of the smallest order that has a block of that type", () => {
    const events: EventSink = [];
    const taken = rmqueueSmallest(setup(), 0, M, events);
    // Order 0 MOVABLE is empty; order 1 head is 2. expand(2, 0, 1) returns page[1] = 3 at order 0.
    expect(taken?.pfn).toBe(2);
    expect(taken && lists(taken.zone)).toEqual({
      [`0/${M}`]: [3],
      [`1/${M}`]: [6],
      [`2/${U}`]: [8],
      [`3/${M}`]: [16],
    });
    // 2 + 2 + 4 + 8 = 16 free before, one page taken.
    expect(taken?.zone.nrFreePages).toBe(15);
    // percpu_refill = pcp_allowed_order(0) && MOVABLE < MIGRATE_PCPTYPES.
    expect(events).toEqual([
      { name: "mm_page_alloc_zone_locked", pfn: 2, order: 0, migratetype: M, percpu_refill: true },
    ]);
  });

  it("ignores other migratetypes' lists", () => {
    // Order 2 MOVABLE is empty (8 is UNMOVABLE), so order 3 block 16 is split: 20 goes back at order 2.
    const taken = rmqueueSmallest(setup(), 2, M, []);
    expect(taken?.pfn).toBe(16);
    expect(taken && ids(taken.zone, 2, M)).toEqual([20]);
    expect(taken && ids(taken.zone, 2, U)).toEqual([8]);
  });

  it("returns nothing when no block of the type is large enough", () => {
    expect(rmqueueSmallest(setup(), 4, M, [])).toBeUndefined();
    expect(rmqueueSmallest(setup(), 0, R, [])).toBeUndefined();
  });

  it("reports percpu_refill from the order and type only", () => {
    // Order 4 is neither <= PAGE_ALLOC_COSTLY_ORDER nor the THP order (5).
    const events: EventSink = [];
    rmqueueSmallest(withFree(emptyZone(SMALL_TEST_ZONE), 64, 6, M), 4, M, events);
    expect(events).toEqual([
      { name: "mm_page_alloc_zone_locked", pfn: 64, order: 4, migratetype: M, percpu_refill: false },
    ]);
  });
});

describe("__free_one_page() merging", () => {
  it("merges upward while the buddy pfn ^ (1 << order) is a free block of the same order", () => {
    // Free pfn 5 (order 0). Buddy 5^1 = 4 free at order 0 -> block 4/1. Buddy 4^2 = 6 free at
    // order 1 -> block 4/2. Buddy 4^4 = 0 free at order 2 -> block 0/3. Buddy 0^8 = 8 is not
    // free -> stop at order 3 (= pageblock_order, same pageblock type anyway).
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 4, 0, M);
    zone = withFree(zone, 6, 1, M);
    zone = withFree(zone, 0, 2, M);
    const freed = freeOnePage(zone, 5, 0, M, false);
    expect(lists(freed)).toEqual({ [`3/${M}`]: [0] });
    // account_freepages(+1) once up front; merged buddies leave their lists without accounting.
    expect(freed.nrFreePages).toBe(1 + 2 + 4 + 1);
  });

  it("does not merge with a free head of a different order", () => {
    // Freeing 4/1: its buddy 6 is free, but only as an order-0 block (7 is allocated).
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 6, 0, M);
    const freed = freeOnePage(zone, 4, 1, M, false);
    expect(lists(freed)).toEqual({ [`0/${M}`]: [6], [`1/${M}`]: [4] });
  });

  it("does not look for a buddy outside the zone", () => {
    // 1096 pages: block 1088/3's buddy 1096 is past the end.
    const freed = freeOnePage(emptyZone({ ...SMALL_TEST_ZONE, nrPages: 1096 }), 1088, 3, M, false);
    expect(lists(freed)).toEqual({ [`3/${M}`]: [1088] });
  });

  it("stops at MAX_PAGE_ORDER", () => {
    // 0/6 and 64/6 are buddies at order 6, but the loop runs only while order < MAX_PAGE_ORDER.
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 64, 6, M);
    expect(lists(freeOnePage(zone, 0, 6, M, false))).toEqual({ [`6/${M}`]: [0, 64] });
  });

  it("merges HIGHATOMIC pages within their pageblock (below pageblock_order no type check)", () => {
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 16, H);
    zone = withFree(zone, 17, 0, H);
    const freed = freeOnePage(zone, 16, 0, H, false);
    expect(lists(freed)).toEqual({ [`1/${H}`]: [16] });
    expect(freed.nrFreeHighatomic).toBe(2);
  });

  it("stops at pageblock_order between a HIGHATOMIC and a MOVABLE pageblock", () => {
    // Freeing 8/3 (MOVABLE pageblock 1). Buddy 0/3 is free, order 3 >= pageblock_order, and its
    // pageblock is HIGHATOMIC: types differ and HIGHATOMIC is not mergeable -> done_merging.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 0, H);
    zone = withFree(zone, 0, 3, H);
    const freed = freeOnePage(zone, 8, 3, M, false);
    expect(lists(freed)).toEqual({ [`3/${H}`]: [0], [`3/${M}`]: [8] });
    expect(pbTypes(freed, 0, 2)).toEqual([H, M]);
    expect(freed.nrFreeHighatomic).toBe(8);
    expect(freed.nrFreePages).toBe(16);
  });

  it("merges differing mergeable types and retypes the buddy's pageblock (change_pageblock_range)", () => {
    // Freeing 0/3 as MOVABLE; buddy 8/3 is free on the UNMOVABLE list of UNMOVABLE pageblock 1.
    // Both mergeable -> __del_page_from_free_list(buddy, UNMOVABLE), change_pageblock_range(8, 3,
    // MOVABLE), block 0/4. Buddy 16/4 not free -> stop; the block goes on the MOVABLE list.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, U);
    zone = withFree(zone, 8, 3, U);
    const freed = freeOnePage(zone, 0, 3, M, false);
    expect(lists(freed)).toEqual({ [`4/${M}`]: [0] });
    expect(pbTypes(freed, 0, 2)).toEqual([M, M]);
  });

  it("retypes every pageblock of a multi-pageblock buddy, to the type being freed", () => {
    // Pageblocks 2-3 (pfn 16-31) UNMOVABLE, free as block 16/4. Freeing 0/4 as RECLAIMABLE (the
    // caller's mt; pageblocks 0-1 say MOVABLE, which the merge loop never re-reads for the freed
    // page): change_pageblock_range(16, 4, RECLAIMABLE) covers 1 << (4 - 3) = 2 pageblocks.
    let zone = changePageblockRange(emptyZone(SMALL_TEST_ZONE), 16, 4, U);
    zone = withFree(zone, 16, 4, U);
    const freed = freeOnePage(zone, 0, 4, R, false);
    expect(lists(freed)).toEqual({ [`5/${R}`]: [0] });
    expect(pbTypes(freed, 0, 4)).toEqual([M, M, R, R]);
  });

  it("hands the block to a waiting compactor at the order it wants (compaction_capture)", () => {
    // Freeing 1/0 merges with free 0/0 into 0/1; the capture check at the top of the next
    // iteration takes it. Accounting: +2^0 up front, -2^1 on capture = -1 (buddy 0 left the lists).
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 0, 0, M);
    const capc: CaptureControl = { order: 1, migratetype: M, page: undefined };
    const events: EventSink = [];
    const freed = freeOnePage(zone, 1, 0, M, false, capc, events);
    expect(capc.page).toBe(0);
    expect(lists(freed)).toEqual({});
    expect(freed.nrFreePages).toBe(0);
    // Same migratetype: no extfrag event.
    expect(events).toEqual([]);
  });

  it("does not let a non-movable compactor take a sub-pageblock block of a MOVABLE pageblock", () => {
    // order 1 < pageblock_order, migratetype MOVABLE, capc->cc->migratetype UNMOVABLE -> no capture.
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 0, 0, M);
    const capc: CaptureControl = { order: 1, migratetype: U, page: undefined };
    const freed = freeOnePage(zone, 1, 0, M, false, capc, []);
    expect(capc.page).toBeUndefined();
    expect(lists(freed)).toEqual({ [`1/${M}`]: [0] });
  });

  it("captures a whole pageblock for another type and traces the fallback", () => {
    // Freeing 8/3 (MOVABLE): order 3 == capc order and not < pageblock_order, so an UNMOVABLE
    // compactor takes it; migratetype != cc->migratetype -> mm_page_alloc_extfrag, and the pageblock
    // is still MOVABLE, so change_ownership = 0.
    const capc: CaptureControl = { order: 3, migratetype: U, page: undefined };
    const events: EventSink = [];
    const freed = freeOnePage(emptyZone(SMALL_TEST_ZONE), 8, 3, M, false, capc, events);
    expect(capc.page).toBe(8);
    expect(freed.nrFreePages).toBe(0);
    expect(events).toEqual([
      {
        name: "mm_page_alloc_extfrag",
        pfn: 8,
        alloc_order: 3,
        fallback_order: 3,
        alloc_migratetype: U,
        fallback_migratetype: M,
        change_ownership: false,
      },
    ]);
  });

  it("captures only once (task_capc() ignores a capc whose page is already set)", () => {
    const capc: CaptureControl = { order: 0, migratetype: M, page: 40 };
    const freed = freeOnePage(emptyZone(SMALL_TEST_ZONE), 8, 0, M, false, capc, []);
    expect(capc.page).toBe(40);
    expect(lists(freed)).toEqual({ [`0/${M}`]: [8] });
  });
});

describe("NR_FREE_PAGES_BLOCKS (__add_to_free_list / __del_page_from_free_list, 6.15+)", () => {
  // The small zone's pageblocks are 8 pages (order 3): only blocks of order >= 3 count.
  it("counts a free block of pageblock order or more, and nothing smaller", () => {
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 0, 3, M);
    expect(zone.nrFreePagesBlocks).toBe(8);
    zone = withFree(zone, 64, 5, U);
    expect(zone.nrFreePagesBlocks).toBe(8 + 32);
    zone = withFree(zone, 8, 2, M);
    zone = withFree(zone, 12, 0, M);
    expect(zone.nrFreePagesBlocks).toBe(8 + 32);
    expect(zone.nrFreePages).toBe(8 + 32 + 4 + 1);
  });

  it("follows merging: buddies leave their lists, the merged block joins one", () => {
    // Freeing pfn 5 merges 4/0, 6/1 and 0/2 into 0/3: a whole pageblock, 8 pages.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 4, 0, M);
    zone = withFree(zone, 6, 1, M);
    zone = withFree(zone, 0, 2, M);
    expect(zone.nrFreePagesBlocks).toBe(0);
    expect(freeOnePage(zone, 5, 0, M, false).nrFreePagesBlocks).toBe(8);
  });

  it("follows splitting: taking a pageblock and putting back its upper halves counts none of them", () => {
    // page_del_and_expand(0, low 0, high 3): 0/3 leaves (-8); 4/2, 2/1, 1/0 are below pageblock order.
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 0, 3, M);
    expect(pageDelAndExpand(zone, 0, 0, 3, M).nrFreePagesBlocks).toBe(0);
    // From an order-4 block, the upper order-3 half stays counted.
    const larger = withFree(emptyZone(SMALL_TEST_ZONE), 0, 4, M);
    expect(larger.nrFreePagesBlocks).toBe(16);
    expect(pageDelAndExpand(larger, 0, 0, 4, M).nrFreePagesBlocks).toBe(8);
  });
});

describe("__free_one_page() list placement", () => {
  it("adds to the tail when buddy_merge_likely(): the order+1 buddy of the would-be parent is free", () => {
    // Free 0/0 with 1 allocated: no merge, buddy_pfn = 1. higher = 1 & 0 = 0; its order-1 buddy
    // 0 ^ 2 = 2 is a free order-1 block -> tail.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 100, 0, M);
    zone = withFree(zone, 2, 1, M);
    expect(ids(freeOnePage(zone, 0, 0, M, false), 0, M)).toEqual([100, 0]);
    // Without the free 2/1 -> head.
    expect(ids(freeOnePage(withFree(emptyZone(SMALL_TEST_ZONE), 100, 0, M), 0, 0, M, false), 0, M)).toEqual([0, 100]);
  });

  it("uses the buddy pfn at the final order after merging", () => {
    // Free 1/0, 0/0 free -> 0/1; buddy 2/1 allocated -> stop with buddy_pfn = 2. higher = 2 & 0 = 0,
    // order-2 buddy 0 ^ 4 = 4 is free at order 2 -> tail of the order-1 list.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 50, 1, M);
    zone = withFree(zone, 0, 0, M);
    zone = withFree(zone, 4, 2, M);
    expect(ids(freeOnePage(zone, 1, 0, M, false), 1, M)).toEqual([50, 0]);
  });

  it("never predicts a merge at order >= MAX_PAGE_ORDER - 1", () => {
    // Free 0/5 with 32 allocated: order 5 >= 6 - 1, so head, although 0's order-6 buddy 64 is free.
    let zone = withFree(emptyZone(SMALL_TEST_ZONE), 160, 5, M);
    zone = withFree(zone, 64, 6, M);
    expect(ids(freeOnePage(zone, 0, 5, M, false), 5, M)).toEqual([0, 160]);
  });

  it("adds to the tail with FPI_TO_TAIL", () => {
    const zone = withFree(emptyZone(SMALL_TEST_ZONE), 100, 0, M);
    expect(ids(freeOnePage(zone, 0, 0, M, true), 0, M)).toEqual([100, 0]);
  });
});

describe("split_large_buddy()", () => {
  it("frees pageblock-sized chunks in pfn order, each with its own pageblock's current type", () => {
    // Order-5 block at 0 = pageblocks 0..3 typed M, M, U, R.
    //   0/3 (M): buddy 8 not free -> MOVABLE 0/3.
    //   8/3 (M): buddy 0/3 free, same type -> 0/4; buddy 16/4 not free.
    //  16/3 (U): buddy 24 not free -> UNMOVABLE 16/3.
    //  24/3 (R): buddy 16/3 free, U vs R both mergeable -> pageblock 2 := R, block 16/4;
    //            buddy 0/4 free, pageblock 0 is M -> pageblocks 0-1 := R, block 0/5; buddy 32 not free.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 16, U);
    zone = setPageblockMigratetype(zone, 24, R);
    const freed = splitLargeBuddy(zone, 0, 5, false);
    expect(lists(freed)).toEqual({ [`5/${R}`]: [0] });
    expect(pbTypes(freed, 0, 4)).toEqual([R, R, R, R]);
    expect(freed.nrFreePages).toBe(32);
  });

  it("keeps a HIGHATOMIC pageblock apart", () => {
    // Pageblocks M, M, H, R: 0/4 MOVABLE as above; 16/3 HIGHATOMIC; 24/3 (R) finds buddy 16/3
    // in a HIGHATOMIC pageblock -> no merge.
    let zone = setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 16, H);
    zone = setPageblockMigratetype(zone, 24, R);
    const freed = splitLargeBuddy(zone, 0, 5, false);
    expect(lists(freed)).toEqual({ [`4/${M}`]: [0], [`3/${H}`]: [16], [`3/${R}`]: [24] });
    expect(pbTypes(freed, 0, 4)).toEqual([M, M, H, R]);
    expect(freed.nrFreeHighatomic).toBe(8);
  });

  it("frees a block of at most pageblock_order in one piece", () => {
    const freed = splitLargeBuddy(setPageblockMigratetype(emptyZone(SMALL_TEST_ZONE), 8, U), 8, 2, false);
    expect(lists(freed)).toEqual({ [`2/${U}`]: [8] });
  });
});
