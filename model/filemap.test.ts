/**
 * filemap.ts against mm/filemap.c: a folio that would overlap pages already cached is allocated
 * all the same and refused by filemap_add_folio() (-EEXIST), and the write path tries the next
 * smaller order; a read creates what readahead could not bring in with the mapping's gfp.
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "./events.js";
import { __GFP_NORETRY } from "./gfp.js";
import { initSystem, type System, step } from "./system.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";

const FILE = 1;

/** A fresh system with one page of FILE cached, at index 4. */
function withPageFourCached(): System {
  const system = initSystem({ zone: { nrPages: 4096 } });
  return step(system, { kind: "write", file: FILE, offset: 4, pages: 1, cpu: 0 }).system;
}

/** The orders of the pages allocated, and of the pages freed, in order. */
function allocated(events: readonly TraceEvent[]): number[] {
  return events.flatMap((e) => (e.name === "mm_page_alloc" && e.pfn >= 0 ? [e.order] : []));
}

function freed(events: readonly TraceEvent[]): number[] {
  return events.flatMap((e) => (e.name === "mm_page_free" ? [e.order] : []));
}

describe("-EEXIST", () => {
  it("write: the order that would overlap is allocated, freed, and the next smaller one taken", () => {
    // An 8-page write at 0: fgf_set_order(8 pages) is order 3, and [0, 8) holds page 4.
    const written = step(withPageFourCached(), { kind: "write", file: FILE, offset: 0, pages: 8, cpu: 0 });
    const events = written.events;
    expect(written.outcome).toMatchObject({ kind: "written", written: 8 });
    const folios = events.filter((e) => e.name === "filemap_get_folio");
    // [0, 4) at order 2 after the refused order 3; page 4 is there; 5 at order 0 (alignment);
    // [6, 8) at order 1.
    expect(folios.map((e) => ("order" in e ? [e.index, e.order, e.attempts] : []))).toEqual([
      [0, 2, 2],
      [5, 0, 1],
      [6, 1, 1],
    ]);
    expect(allocated(events)).toEqual([3, 2, 0, 1]);
    expect(freed(events)).toEqual([3]);
  });

  it("read: a page readahead cannot bring in is created with the mapping's gfp (filemap_create_folio())", () => {
    // 8 free pages, 100 clean page-cache pages (the slow-path tests' pinned layout, watermark min
    // 90): each reclaim pass, drained, adds 32 free pages, so an order-0 page needs three.
    // Readahead tries twice with NORETRY, one pass each (page_cache_ra_order(), then
    // do_page_cache_ra()): 40, then 72 free, both fail. filemap_create_folio()'s mapping gfp
    // retries reclaim and gets the page at 104.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(8, 100) }).system;
    const read = step(system, { kind: "read", file: FILE, offset: 0, pages: 1, cpu: 0 });
    expect(read.outcome).toMatchObject({ kind: "read", read: 1 });
    const got = read.events.filter((e) => e.name === "mm_page_alloc" && e.pfn >= 0);
    expect(got).toHaveLength(1);
    expect(got[0] && "gfp_flags" in got[0] && (got[0].gfp_flags & __GFP_NORETRY) === 0).toBe(true);
    const failures = read.events.filter((e) => e.name === "mm_page_alloc" && e.pfn < 0);
    expect(failures).toHaveLength(2);
  });
});
