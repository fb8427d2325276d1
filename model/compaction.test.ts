/**
 * compact_zone()'s migrate scanner and the pageblock skip bit (mm/compaction.c
 * isolate_migratepages_block()): the block's first call tests and sets the bit; a call that
 * resumes the block after COMPACT_CLUSTER_MAX pages has no valid_page, so it neither tests the
 * bit its first call set nor aborts because of it.
 *
 * The zone: 2048 pages, four 512-page pageblocks. Pageblock 0 is page tables; in pageblocks 1 and
 * 2 every even pfn is free and every odd one anonymous memory; pageblock 3 is free but for
 * every fourth pfn. The migrate scanner's first source is pageblock 1 (256 movable pages, eight
 * calls of 32), and pageblock 3 holds targets for all of them.
 */

import { describe, expect, it } from "vitest";
import { ALLOC_WMARK_MIN } from "./alloc-flags.js";
import { type CompactRequest, compactZone } from "./compaction.js";
import type { EventSink, TraceEvent } from "./events.js";
import { GFP_KERNEL } from "./gfp.js";
import { sparseGet } from "./persistent/sparse-array.js";
import { buildZone } from "./test-support/zone-layout.js";

const PAGEBLOCK = 512;

const built = buildZone({
  nrPages: 4 * PAGEBLOCK,
  kernelVariant: "v7",
  slot: (pfn) => {
    if (pfn < PAGEBLOCK) return "pgtable";
    if (pfn < 3 * PAGEBLOCK) return pfn % 2 === 0 ? "free" : "anon";
    return pfn % 4 !== 0 ? "free" : "anon";
  },
}).system;

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
