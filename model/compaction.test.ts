/**
 * compact_zone()'s migrate scanner and the pageblock skip bits (mm/compaction.c):
 * - isolate_migratepages_block(): the block's first call tests and sets the bit; a call that
 *   resumes the block after COMPACT_CLUSTER_MAX pages has no valid_page, so it neither tests the
 *   bit its first call set nor aborts because of it;
 * - __reset_isolation_suitable(): which bits a finished pass clears, and where it leaves the
 *   cached scanner positions.
 *
 * The zone: 2048 pages, four 512-page pageblocks. Pageblock 0 is page tables; in pageblocks 1 and
 * 2 every even pfn is free and every odd one anonymous memory; pageblock 3 is free but for
 * every fourth pfn. The migrate scanner's first source is pageblock 1 (256 movable pages, eight
 * calls of 32), and pageblock 3 holds targets for all of them.
 */

import { describe, expect, it } from "vitest";
import { ALLOC_WMARK_MIN } from "./alloc-flags.js";
import { type CompactRequest, compactZone, resetIsolationSuitable } from "./compaction.js";
import type { EventSink, TraceEvent } from "./events.js";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOFS } from "./gfp.js";
import { folioPieces, getAllocation, handleAt } from "./page-owner.js";
import { sparseGet, sparseSet } from "./persistent/sparse-array.js";
import { type System, step } from "./system.js";
import { buildZone, type Slot } from "./test-support/zone-layout.js";
import type { ZoneState } from "./zone.js";

const PAGEBLOCK = 512;

/** A zone of four pageblocks: pageblock 0 page tables, every other page as `slot` says. */
function zoneWithPinnedFirstBlock(slot: (pfn: number) => Slot): System {
  return buildZone({
    nrPages: 4 * PAGEBLOCK,
    kernelVariant: "v7",
    slot: (pfn) => (pfn < PAGEBLOCK ? "pgtable" : slot(pfn)),
  }).system;
}

const built = zoneWithPinnedFirstBlock((pfn) => {
  if (pfn < 3 * PAGEBLOCK) return pfn % 2 === 0 ? "free" : "anon";
  return pfn % 4 !== 0 ? "free" : "anon";
});

/**
 * A sync-light direct compaction for order 2 (no free block of order 2 or more exists), starting
 * at the zone's cached positions.
 */
const REQUEST: CompactRequest = {
  order: 2,
  gfp: GFP_KERNEL,
  mode: "MIGRATE_SYNC_LIGHT",
  direct: true,
  wholeZone: false,
  ignoreSkipHint: false,
  ignoreBlockSuitable: false,
  allocFlags: ALLOC_WMARK_MIN,
  cpu: 0,
};

type Isolation = Extract<
  TraceEvent,
  { name: "mm_compaction_isolate_migratepages" | "mm_compaction_isolate_freepages" }
>;

/** The migrate scanner's isolate_migratepages_block() calls, in order. */
function isolations(events: EventSink): Isolation[] {
  return events.filter((e): e is Isolation => e.name === "mm_compaction_isolate_migratepages");
}

describe("isolate_migratepages_block() and the skip bit", () => {
  it("empties a pageblock in COMPACT_CLUSTER_MAX steps: the resumed calls are not aborted", () => {
    const events: EventSink = [];
    const result = compactZone(built, REQUEST, undefined, events);
    const inBlock1 = isolations(events).filter((e) => e.start_pfn >= PAGEBLOCK && e.start_pfn < 2 * PAGEBLOCK);
    // Eight calls of 32 pages each: the first starts at the block, each next one where it stopped.
    expect(inBlock1.map((e) => e.nr_taken)).toEqual([32, 32, 32, 32, 32, 32, 32, 32]);
    expect(inBlock1[0]?.start_pfn).toBe(PAGEBLOCK);
    for (let i = 1; i < inBlock1.length; i++) {
      expect(inBlock1[i]?.start_pfn).toBe(inBlock1[i - 1]?.end_pfn);
    }
    // All 256 migrated; drained at the next order-2 block, pageblock 1 is one free order-9 block,
    // and at the pageblock boundary compact_finished() sees it (a fallback for GFP_KERNEL).
    expect(result.stats.migrated).toBe(256);
    expect(result.status).toBe("COMPACT_SUCCESS");
    expect(sparseGet(result.state.zone.freeBlocks, PAGEBLOCK)?.order).toBe(9);
  });
});

describe("compact_zone() step by step", () => {
  const events: EventSink = [];
  const result = compactZone(built, REQUEST, undefined, events);

  it("traces compact_finished() on every pass of the loop, a pageblock boundary or not", () => {
    // No migration failed, so no rescan: one isolate_migratepages_block() call per pass, and one
    // more compact_finished() that ends the loop. At pfn 0 and 512 (pageblock boundaries) no
    // order-2 block is free yet: NO_SUITABLE_PAGE, traced as such. The seven resumed passes inside
    // pageblock 1 (576 ... 960) are CONTINUE without a look at the free lists; at 1024,
    // pageblock 1 is free.
    const rets = events.flatMap((e) => (e.name === "mm_compaction_finished" ? [e.ret] : []));
    expect(rets.length).toBe(isolations(events).length + 1);
    expect(rets).toEqual([
      "COMPACT_NO_SUITABLE_PAGE",
      "COMPACT_NO_SUITABLE_PAGE",
      ...Array.from({ length: 7 }, () => "COMPACT_CONTINUE"),
      "COMPACT_SUCCESS",
    ]);
  });

  it("migrates the last folio isolated first: migrate_pages() starts at the list head", () => {
    // The first batch is pfns 513, 515, ..., 575 (list_add puts 575 at the head). The free
    // scanner starts at pageblock 3 and takes, in pfn order, 1537 (order 0), 1538 (order 1),
    // 1541, 1542, ...; compaction_alloc() serves order 0 from the order-0 list first: 1537.
    const handleAt575 = handleAt(built.owners, 575);
    const handleAt513 = handleAt(built.owners, 513);
    expect(handleAt575).toBeDefined();
    expect(getAllocation(result.state.owners, handleAt575 as number)?.pfn).toBe(1537);
    expect(getAllocation(result.state.owners, handleAt513 as number)?.pfn).not.toBe(1537);
  });
});

/** Every pageblock marked skip, and a finished pass asking for the flush. */
function allSkipped(system: System): ZoneState {
  let pageblockSkip = system.zone.pageblockSkip;
  for (let index = 0; index < 4; index++) pageblockSkip = sparseSet(pageblockSkip, index, true);
  return {
    ...system.zone,
    pageblockSkip,
    compaction: { ...system.zone.compaction, blockskipFlush: true, initMigratePfn: 7, initFreePfn: 7 },
  };
}

function skipBits(zone: ZoneState): boolean[] {
  return [0, 1, 2, 3].map((index) => sparseGet(zone.pageblockSkip, index) === true);
}

describe("__reset_isolation_suitable()", () => {
  it("clears only blocks whose sampled pages show an LRU page or a free block, and parks the scanners when no pair is found", () => {
    // The walks: migrate side pfn 0, 512; free side pfn 2047, 1535 (each block's last page). The
    // samples are every 8th pfn from the block's start. Block 0: page tables, no LRU page. Block
    // 3: only MOVABLE blocks qualify before a target is found (it is), but every sampled pfn,
    // a multiple of 8, is anonymous memory: no PageBuddy. Block 1: the samples are free pages,
    // and the migrate side looks only for LRU pages until a source is found. Block 2 (free
    // side): pfn 1024 heads a free block: cleared, and the free scanner is cached at 1535.
    const reset = resetIsolationSuitable(allSkipped(built), built.owners);
    expect(skipBits(reset)).toEqual([true, true, false, true]);
    // No source was found (reset_migrate stays at 2047 >= 1535): "leave no distance", both
    // scanners where the walks met (migrate 1024, free 1023).
    expect(reset.compaction).toMatchObject({
      blockskipFlush: false,
      cachedMigratePfn: [1024, 1024],
      cachedFreePfn: 1023,
      initMigratePfn: 7,
      initFreePfn: 1535,
    });
  });

  it("moves each cached scanner to the first block found on its side", () => {
    // Pageblocks 1 and 2: even pfns anonymous, odd free; pageblock 3: pfn 4k free, the rest
    // anonymous. Free side: 2047's block 3 samples pfn 1536, a free block's head: cleared, cached
    // at 2047. Migrate side: block 1's first sample, 512, is an LRU page: cleared, cached at
    // 512. Then block 2 from the free side, now checking both: pfn 1024 is an LRU page: cleared.
    const other = zoneWithPinnedFirstBlock((pfn) => {
      if (pfn < 3 * PAGEBLOCK) return pfn % 2 === 0 ? "anon" : "free";
      return pfn % 4 === 0 ? "free" : "anon";
    });
    const reset = resetIsolationSuitable(allSkipped(other), other.owners);
    expect(skipBits(reset)).toEqual([true, false, false, false]);
    expect(reset.compaction).toMatchObject({
      cachedMigratePfn: [512, 512],
      cachedFreePfn: 2047,
      initMigratePfn: 512,
      initFreePfn: 2047,
    });
  });

  it("does nothing unless a finished pass asked for it", () => {
    const zone = { ...allSkipped(built), compaction: { ...allSkipped(built).compaction, blockskipFlush: false } };
    expect(resetIsolationSuitable(zone, built.owners)).toBe(zone);
  });
});

describe("migrate_pages(): a large folio with no target its size is split", () => {
  // Pageblock 0 page tables; pfns 512-519 an order-3 page-cache folio; the rest of pageblocks 1
  // and 2 alternate free (even) and anonymous (odd); pageblock 3 is free but for every fourth
  // pfn, so its free blocks are of order 0 and 1 only. An order-4 compaction isolates the folio
  // (order 3 < 4) with the anonymous pages of pageblock 1; no isolated free block is order 3.
  const layout = zoneWithPinnedFirstBlock((pfn) => {
    if (pfn < PAGEBLOCK + 8) return "free";
    if (pfn < 3 * PAGEBLOCK) return pfn % 2 === 0 ? "free" : "anon";
    return pfn % 4 !== 0 ? "free" : "anon";
  });
  const placed = step(layout, { kind: "alloc", order: 3, gfp: GFP_HIGHUSER_MOVABLE, cpu: 0, use: "pagecache" });
  const folio = placed.outcome.kind === "allocated" ? placed.outcome.handle : -1;
  const events: EventSink = [];
  const result = compactZone(placed.system, { ...REQUEST, order: 4 }, undefined, events);

  it("places the folio where the test needs it", () => {
    expect(getAllocation(placed.system.owners, folio)).toMatchObject({ pfn: PAGEBLOCK, order: 3 });
  });

  it("splits it into eight order-0 folios and migrates every one of them", () => {
    const pieces = folioPieces(result.state.owners, folio);
    expect(pieces).toHaveLength(8);
    for (const handle of pieces) {
      const piece = getAllocation(result.state.owners, handle);
      expect(piece?.order).toBe(0);
      expect(piece?.use).toBe("pagecache");
      expect(piece?.pfn).toBeGreaterThanOrEqual(3 * PAGEBLOCK);
    }
    // Nothing failed, so compaction went on: no -ENOMEM, no CONTENDED.
    expect(result.status).not.toBe("COMPACT_CONTENDED");
    const migrations = events.filter((e) => e.name === "mm_compaction_migratepages");
    expect(migrations.every((e) => "nr_failed" in e && e.nr_failed === 0)).toBe(true);
  });

  it("leaves page cache alone when the request has no __GFP_FS, and moves the anonymous pages", () => {
    // isolate_migratepages_block(): `if (!(cc->gfp_mask & __GFP_FS) && mapping) goto
    // isolate_fail_put;` A GFP_NOFS compaction (the XFS write path's) cannot take the folio.
    const nofs = compactZone(placed.system, { ...REQUEST, order: 4, gfp: GFP_NOFS }, undefined, []);
    expect(getAllocation(nofs.state.owners, folio)).toMatchObject({ pfn: PAGEBLOCK, order: 3 });
    const anon = handleAt(placed.system.owners, PAGEBLOCK + 9) as number;
    expect(getAllocation(placed.system.owners, anon)?.use).toBe("anon");
    expect(getAllocation(nofs.state.owners, anon)?.pfn).toBeGreaterThanOrEqual(3 * PAGEBLOCK);
  });
});
