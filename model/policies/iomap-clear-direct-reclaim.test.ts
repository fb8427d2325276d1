/**
 * P1 against the v1 patch's text: iomap_get_folio() clears __GFP_DIRECT_RECLAIM when
 * FGF_GET_ORDER(fgp), the hint fgf_set_order(len) made from the write's length, is above
 * PAGE_ALLOC_COSTLY_ORDER. The hint is not the order __filemap_get_folio() starts at: that one
 * is clamped to the mapping's orders and to the index's alignment afterwards.
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "../events.js";
import { __GFP_DIRECT_RECLAIM } from "../gfp.js";
import { initSystem, type SystemConfig, step } from "../system.js";
import { iomapClearDirectReclaim } from "./iomap-clear-direct-reclaim.js";

/** For each page allocated, in order: [its order, whether its gfp had __GFP_DIRECT_RECLAIM]. */
function directReclaimByAllocation(events: readonly TraceEvent[]): [number, boolean][] {
  return events.flatMap((e) =>
    e.name === "mm_page_alloc" && e.pfn >= 0 ? [[e.order, (e.gfp_flags & __GFP_DIRECT_RECLAIM) !== 0]] : [],
  ) as [number, boolean][];
}

function write(config: SystemConfig, offset: number, pages: number) {
  const system = initSystem({ zone: { nrPages: 4096 }, policy: iomapClearDirectReclaim, ...config });
  return step(system, { kind: "write", file: 1, offset, pages, cpu: 0 });
}

describe("iomap-clear-direct-reclaim (P1) tests the hint, not the clamped start order", () => {
  it("a misaligned 64-page write: every folio up to the last page has a costly hint", () => {
    // The page cache's largest folio is order 9 (512 pages), so iomap's len runs to the write's
    // end: 64 pages at index 1 (hint 6), then 63, 61, 57, 49, 33 (hint 5), then 1 (hint 0).
    // Alignment makes the folios orders 0, 1, 2, 3, 4, 5, 0: the first four are cheap orders,
    // but the patch looks at the hint, so only the last one keeps direct reclaim.
    const written = write({}, 1, 64);
    expect(written.outcome).toMatchObject({ kind: "written", written: 64 });
    expect(directReclaimByAllocation(written.events)).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, false],
      [0, true],
    ]);
  });

  it("a one-page write into a mapping with min_order 4: hint 0, so the caller's gfp is kept", () => {
    // fgf_set_order(4 KiB) is 0; __filemap_get_folio() raises the order to min_order 4, but the
    // gfp was decided in iomap_get_folio() from the hint.
    const written = write({ workload: { pagecache: { minOrder: 4 } } }, 0, 1);
    expect(directReclaimByAllocation(written.events)).toEqual([[4, true]]);
  });

  it("an aligned 64-page write: hint 6, one order-6 folio without direct reclaim", () => {
    const written = write({}, 0, 64);
    expect(directReclaimByAllocation(written.events)).toEqual([[6, false]]);
  });
});
