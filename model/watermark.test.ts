/**
 * Watermark checks against mm/page_alloc.c (~6.18, research/buddy.md §7):
 * __zone_watermark_unusable_free(), __zone_watermark_ok(), zone_watermark_fast(). One zone, so
 * lowmem_reserve[highest_zoneidx] is 0; no CMA.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MIN,
} from "./alloc-flags.js";
import { addToFreeList } from "./buddy.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  type Migratetype,
} from "./migratetype.js";
import { zoneWatermarkFast, zoneWatermarkOk, zoneWatermarkOkWith, zoneWatermarkUnusableFree } from "./watermark.js";
import { emptyZone, wmarkPages, type ZoneConfigInput, type ZoneState } from "./zone.js";

/** Watermarks min/low/high = 64/80/96 (1024 pages, min_free_kbytes 256). */
const CFG: ZoneConfigInput = { nrPages: 1024, maxPageOrder: 6, pageblockOrder: 3, thpOrder: 5 };

function zoneWith(update: Partial<ZoneState>, blocks: readonly [number, number, Migratetype][] = []): ZoneState {
  // Blocks go on the lists without accounting: the free count under test is passed explicitly.
  let zone = emptyZone(CFG);
  for (const [pfn, order, mt] of blocks) zone = addToFreeList(zone, pfn, order, mt, false);
  return { ...zone, ...update };
}

describe("__zone_watermark_ok(): the order-0 part", () => {
  // mark = 101. The reductions nest and use C integer division:
  //   ALLOC_MIN_RESERVE:            min -= min / 2   -> 101 - 50 = 51
  //   ... with ALLOC_NON_BLOCK:     min -= min / 4   -> 51 - 12 = 39
  //   ALLOC_OOM (after the above):  min -= min / 2
  //   ALLOC_NON_BLOCK alone, ALLOC_HIGHATOMIC: no reduction (only the highatomic subtraction goes).
  const golden: [string, number, number][] = [
    ["none", 0, 101],
    ["NON_BLOCK", ALLOC_NON_BLOCK, 101],
    ["HIGHATOMIC", ALLOC_HIGHATOMIC, 101],
    ["MIN_RESERVE", ALLOC_MIN_RESERVE, 51],
    ["MIN_RESERVE|NON_BLOCK", ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK, 39],
    ["OOM", ALLOC_OOM, 51], // 101 - 50
    ["NON_BLOCK|OOM", ALLOC_NON_BLOCK | ALLOC_OOM, 51],
    ["MIN_RESERVE|OOM", ALLOC_MIN_RESERVE | ALLOC_OOM, 26], // 51 - 25
    ["MIN_RESERVE|NON_BLOCK|OOM", ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_OOM, 20], // 39 - 19
    ["MIN_RESERVE|NON_BLOCK|HIGHATOMIC", ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC, 39],
  ];

  it.each(golden)("%s (flags %d): passes only when free > %d", (_name, flags, min) => {
    const zone = zoneWith({});
    // Strict: free_pages <= min fails.
    expect(zoneWatermarkOkWith(zone, 0, 101, flags, min + 1)).toBe(true);
    expect(zoneWatermarkOkWith(zone, 0, 101, flags, min)).toBe(false);
  });

  it("subtracts the free highatomic pages unless the request has ALLOC_RESERVES", () => {
    // nr_free_highatomic = 30, mark 100: 131 - 30 = 101 > 100; 130 - 30 = 100 is not.
    const zone = zoneWith({ nrFreeHighatomic: 30 });
    expect(zoneWatermarkUnusableFree(zone, 0, 0)).toBe(30);
    expect(zoneWatermarkOkWith(zone, 0, 100, 0, 131)).toBe(true);
    expect(zoneWatermarkOkWith(zone, 0, 100, 0, 130)).toBe(false);
    // Any ALLOC_RESERVES member (NON_BLOCK, MIN_RESERVE, HIGHATOMIC, OOM) counts them: GFP_NOWAIT
    // gets no min reduction but may count the reserve.
    for (const flags of [ALLOC_NON_BLOCK, ALLOC_HIGHATOMIC]) {
      expect(zoneWatermarkUnusableFree(zone, 0, flags)).toBe(0);
      expect(zoneWatermarkOkWith(zone, 0, 100, flags, 101)).toBe(true);
      expect(zoneWatermarkOkWith(zone, 0, 100, flags, 100)).toBe(false);
    }
    // ALLOC_KSWAPD is not a reserve flag.
    expect(zoneWatermarkUnusableFree(zone, 0, ALLOC_KSWAPD)).toBe(30);
  });

  it("lets free_pages go negative", () => {
    // 20 - 50 = -30 <= 0.
    expect(zoneWatermarkOkWith(zoneWith({ nrFreeHighatomic: 50 }), 0, 0, 0, 20)).toBe(false);
  });

  it("zone_watermark_ok() uses NR_FREE_PAGES", () => {
    expect(zoneWatermarkOk(zoneWith({ nrFreePages: 65 }), 0, 64, 0)).toBe(true);
    expect(zoneWatermarkOk(zoneWith({ nrFreePages: 64 }), 0, 64, 0)).toBe(false);
  });
});

describe("__zone_watermark_ok(): high orders", () => {
  it("subtracts (1 << order) - 1 before the order-0 comparison", () => {
    // order 2, mark 100: 104 - 3 = 101 > 100; 103 - 3 = 100 is not. (A free order-3 block exists.)
    const zone = zoneWith({}, [[8, 3, MIGRATE_MOVABLE]]);
    expect(zoneWatermarkUnusableFree(zone, 2, 0)).toBe(3);
    expect(zoneWatermarkOkWith(zone, 2, 100, 0, 104)).toBe(true);
    expect(zoneWatermarkOkWith(zone, 2, 100, 0, 103)).toBe(false);
  });

  it("needs a free block of at least that order on an UNMOVABLE, MOVABLE or RECLAIMABLE list", () => {
    const check = (blocks: [number, number, Migratetype][], flags = 0) =>
      zoneWatermarkOkWith(zoneWith({}, blocks), 2, 10, flags, 1000);
    expect(check([])).toBe(false);
    expect(check([[2, 1, MIGRATE_MOVABLE]])).toBe(false); // too small
    // Any of the three pcp types, whatever the request's own type.
    expect(check([[4, 2, MIGRATE_UNMOVABLE]])).toBe(true);
    expect(check([[4, 2, MIGRATE_MOVABLE]])).toBe(true);
    expect(check([[0, 6, MIGRATE_RECLAIMABLE]])).toBe(true); // o runs up to MAX_PAGE_ORDER
  });

  it("counts HIGHATOMIC lists only with ALLOC_HIGHATOMIC or ALLOC_OOM", () => {
    const check = (flags: number) =>
      zoneWatermarkOkWith(zoneWith({}, [[8, 3, MIGRATE_HIGHATOMIC]]), 2, 10, flags, 1000);
    expect(check(0)).toBe(false);
    expect(check(ALLOC_NON_BLOCK)).toBe(false);
    expect(check(ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(false);
    expect(check(ALLOC_HIGHATOMIC)).toBe(true);
    expect(check(ALLOC_OOM)).toBe(true);
  });

  it("does not look at the lists when the order-0 part fails", () => {
    expect(zoneWatermarkOkWith(zoneWith({}, [[0, 6, MIGRATE_MOVABLE]]), 1, 100, 0, 100)).toBe(false);
  });
});

describe("zone_watermark_fast()", () => {
  const flagsArb = fc
    .subarray([ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_OOM, ALLOC_HIGHATOMIC, ALLOC_KSWAPD])
    .map((fs) => fs.reduce((a, f) => a | f, 0));

  it("order 0 without boost agrees with __zone_watermark_ok (the shortcut is only a shortcut)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 400 }),
        fc.nat({ max: 100 }),
        fc.nat({ max: 300 }),
        flagsArb,
        fc.constantFrom(ALLOC_WMARK_MIN, ALLOC_WMARK_LOW),
        (free, highatomic, mark, flags, wmark) => {
          const zone = zoneWith({ nrFreePages: free, nrFreeHighatomic: highatomic });
          expect(zoneWatermarkFast(zone, 0, mark, flags | wmark)).toBe(
            zoneWatermarkOkWith(zone, 0, mark, flags | wmark, free),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("order-0 shortcut: usable_free = free - min(free, unusable), strict > mark", () => {
    // free 131, highatomic 30: usable 101 > 100 -> true straight away.
    expect(zoneWatermarkFast(zoneWith({ nrFreePages: 131, nrFreeHighatomic: 30 }), 0, 100, 0)).toBe(true);
    // free 10, highatomic 20: usable = 10 - min(10, 20) = 0, not > 0; the full check then sees
    // 10 - 20 = -10 <= 0 as well.
    expect(zoneWatermarkFast(zoneWith({ nrFreePages: 10, nrFreeHighatomic: 20 }), 0, 0, 0)).toBe(false);
    // With reserves the shortcut fails (101 > 101 is false) but the full check's min reduction passes:
    // MIN_RESERVE: 101 - 50 = 51 < 101.
    expect(zoneWatermarkFast(zoneWith({ nrFreePages: 101 }), 0, 101, ALLOC_MIN_RESERVE)).toBe(true);
  });

  it("lets __GFP_HIGH order-0 requests at WMARK_MIN ignore the boost", () => {
    // _watermark[MIN] = 64, boost 40: wmark_pages(MIN) = 104. With ALLOC_MIN_RESERVE min = 104 - 52
    // = 52, so 50 free fails; the retry with the unboosted 64 gives 64 - 32 = 32 < 50: passes.
    const zone = zoneWith({ nrFreePages: 50, watermarkBoost: 40 });
    const mark = wmarkPages(zone, "min");
    expect(mark).toBe(104);
    expect(zoneWatermarkOkWith(zone, 0, mark, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE, 50)).toBe(false);
    expect(zoneWatermarkFast(zone, 0, mark, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE)).toBe(true);
    // The retry is an ordinary check at the unboosted mark: 30 <= 32 still fails.
    expect(zoneWatermarkFast({ ...zone, nrFreePages: 30 }, 0, mark, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE)).toBe(false);
  });

  it("does not apply the boost exception without __GFP_HIGH, at another watermark, or for order > 0", () => {
    const zone = zoneWith({ nrFreePages: 70, watermarkBoost: 40 }, [[0, 6, MIGRATE_MOVABLE]]);
    // No ALLOC_MIN_RESERVE: 70 <= 104, and 70 > 64 does not matter.
    expect(zoneWatermarkFast(zone, 0, 104, ALLOC_WMARK_MIN)).toBe(false);
    // WMARK_LOW: mark 80 + 40 = 120, min 60; 50 free fails and no retry.
    const low = { ...zone, nrFreePages: 50 };
    expect(zoneWatermarkFast(low, 0, wmarkPages(low, "low"), ALLOC_WMARK_LOW | ALLOC_MIN_RESERVE)).toBe(false);
    // Order 1: 51 - 1 = 50 <= 52 fails, no retry (it would pass: 50 > 32).
    expect(zoneWatermarkFast({ ...zone, nrFreePages: 51 }, 1, 104, ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE)).toBe(false);
  });
});
