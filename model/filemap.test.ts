/**
 * filemap.ts against mm/filemap.c and mm/readahead.c: a folio that would overlap pages already
 * cached is allocated all the same and refused by filemap_add_folio() (-EEXIST). The write path
 * frees it and tries the next smaller order; readahead frees it and reads the rest of its window
 * with min_order folios.
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

  it("readahead: the folio that would overlap is freed and the rest of the window is read at min_order", () => {
    // An 8-page read at 0: page_cache_ra_order() asks for order 3 at 0, -EEXIST on page 4; then
    // do_page_cache_ra() reads 0-3 and 5-7 one page each, stepping over page 4.
    const read = step(withPageFourCached(), { kind: "read", file: FILE, offset: 0, pages: 8, cpu: 0 });
    const events = read.events;
    expect(read.outcome).toMatchObject({ kind: "read", read: 7 });
    expect(allocated(events)).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
    expect(freed(events)).toEqual([3]);
  });

  it("read: a page readahead cannot bring in is created with the mapping's gfp (filemap_create_folio())", () => {
    // 40 free pages, 100 clean page-cache pages (the slow-path tests' "reclaimable" layout): one
    // reclaim pass does not get an order-0 page past the min watermark, two do. Readahead
    // (NORETRY) gives up after one; filemap_create_folio()'s mapping gfp retries and gets it.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(40, 100) }).system;
    const read = step(system, { kind: "read", file: FILE, offset: 0, pages: 1, cpu: 0 });
    expect(read.outcome).toMatchObject({ kind: "read", read: 1 });
    const got = read.events.filter((e) => e.name === "mm_page_alloc" && e.pfn >= 0);
    expect(got).toHaveLength(1);
    expect(got[0] && "gfp_flags" in got[0] && (got[0].gfp_flags & __GFP_NORETRY) === 0).toBe(true);
    const failures = read.events.filter((e) => e.name === "mm_page_alloc" && e.pfn < 0);
    expect(failures.length).toBeGreaterThanOrEqual(1);
  });
});
