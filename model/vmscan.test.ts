/**
 * vmscan.ts direct reclaim against mm/vmscan.c do_try_to_free_pages(): the priority ladder
 * (passes at priority 12 down to 0, each scanning the inactive file list's size >> priority
 * pages in chunks of SWAP_CLUSTER_MAX), shrink_lruvec()'s stop at nr_to_reclaim (not in the
 * DEF_PRIORITY pass), should_continue_reclaim() for orders 1-3 once the priority is below 10,
 * and dirty folios, which direct reclaim activates instead of writing.
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "./events.js";
import { GFP_KERNEL } from "./gfp.js";
import { initSystem, type System, type SystemConfig, step } from "./system.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";
import { tryToFreePages } from "./vmscan.js";

function apply(config: SystemConfig, ops: Parameters<typeof step>[1][]): System {
  return ops.reduce((system, op) => step(system, op).system, initSystem(config));
}

function reclaim(system: System, order: number) {
  const events: TraceEvent[] = [];
  const result = tryToFreePages({ zone: system.zone, owners: system.owners }, order, GFP_KERNEL, 0, events);
  const { nrReclaimed, nrScanned, nrFoliosScanned, nrPasses, progress } = result;
  return { nrReclaimed, nrScanned, nrFoliosScanned, nrPasses, progress };
}

/** What reclaim() returns when every page scanned was a clean order-0 folio, and reclaimed. */
function allReclaimed(pages: number, passes: number) {
  return { nrReclaimed: pages, nrScanned: pages, nrFoliosScanned: pages, nrPasses: passes, progress: pages };
}

describe("direct reclaim: do_try_to_free_pages()' priority ladder", () => {
  it("100 clean pages, order 0: passes at priorities 6..2 take 1, 3, 6, 11 and 19 pages", () => {
    // 100 >> 12 .. 100 >> 7 are 0. Then floor(100/64) = 1, floor(99/32) = 3, floor(96/16) = 6,
    // floor(90/8) = 11: 21 < 32, on to priority 2: floor(79/4) = 19, one chunk: 40 >= 32, stop.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(40, 100) }).system;
    // Five shrink_node() passes had pages to scan.
    expect(reclaim(system, 0)).toEqual(allReclaimed(40, 5));
  });

  it("order 2 below priority 10 is reclaim/compaction: should_continue_reclaim() repeats priority 6", () => {
    // in_reclaim_compaction(): order 2 and priority 6 < DEF_PRIORITY - 2. After each pass of one
    // page (floor(inactive/64) = 1 while 64 or more are left): no order-2 block, compaction not
    // suitable at min (NR_FREE_PAGES stays 40: the pages go to a pcp list), the inactive list
    // above compact_gap(2) = 8: shrink_node() again. At 63 left the pass scans nothing, reclaims
    // nothing: stop. 37 pages >= 32: the ladder stops too (order 0 would take 40, as above).
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(40, 100) }).system;
    // 37 passes of one page each (the 38th, with nothing to scan, is not counted).
    expect(reclaim(system, 2)).toEqual(allReclaimed(37, 37));
  });

  it("at DEF_PRIORITY the whole scan target is taken, past nr_to_reclaim (proportional_reclaim)", () => {
    // 262144 clean pages in 512 order-9 folios. Priority 12 asks for 262144 >> 12 = 64 pages: two
    // chunks of 32, each isolating one whole folio (isolate_lru_folios() counts a folio's pages
    // against nr_to_scan). The first chunk already reclaims 512 >= 32, but a direct reclaimer at
    // DEF_PRIORITY goes on: 1024.
    const pages = 1 << 18;
    const system = apply({ zone: { nrPages: 1 << 19 } }, [
      { kind: "write", file: 1, offset: 0, pages, cpu: 0 },
      { kind: "tick" },
    ]);
    expect(reclaim(system, 0)).toEqual({
      nrReclaimed: 1024,
      nrScanned: 1024,
      nrFoliosScanned: 2,
      nrPasses: 1,
      progress: 1024,
    });
  });

  it("below DEF_PRIORITY a pass stops at the first chunk that brings the call to 32; dirty folios are activated", () => {
    // 5000 order-0 page-cache pages, the 3000 oldest dirty. Each dirty page scanned leaves the
    // inactive list (shrink_folio_list(): activate_locked), so the targets are floor(inactive /
    // 2^priority) of a shrinking list: priorities 12..2 scan 1, 2, 4, 9, 19, 38, 76, 151, 293, 550
    // and 964 dirty pages (2107). Priority 1: floor(2893/2) = 1446 pages in chunks of 32; 893
    // dirty pages are left, so chunks 1-27 are dirty, chunk 28 has 29 dirty and 3 clean pages,
    // chunk 29 reclaims 32 more: 35 >= 32, the pass stops after 29 * 32 = 928 pages.
    const system = apply({ zone: { nrPages: 1 << 14 }, workload: { pagecache: { maxOrder: 0 } } }, [
      { kind: "write", file: 1, offset: 0, pages: 5000, cpu: 0 },
      { kind: "tick" },
      { kind: "write", file: 1, offset: 0, pages: 3000, cpu: 0 },
    ]);
    expect(reclaim(system, 0)).toEqual({
      nrReclaimed: 35,
      nrScanned: 2107 + 928,
      nrFoliosScanned: 2107 + 928,
      nrPasses: 12,
      progress: 35,
    });
  });
});
