/**
 * readahead.ts against mm/readahead.c (6.16+): window sizes, the synchronous window in
 * min_order folios, the asynchronous ramp of the folio order, small random reads, and a window
 * that meets a cached page. Expectations are worked out from the kernel text; the zone is large
 * and empty, so no allocation fails.
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "./events.js";
import { fileOf } from "./filemap.js";
import { GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { sparseGet } from "./persistent/sparse-array.js";
import { initRaSize, nextRaSize, raMaxPages, readaheadMarks } from "./readahead.js";
import { initSystem, type Outcome, type System, step } from "./system.js";

const FILE = 1;

function fresh(): System {
  return initSystem({ zone: { nrPages: 1 << 14 } });
}

function read(system: System, offset: number, pages: number) {
  return step(system, { kind: "read", file: FILE, offset, pages, cpu: 0 });
}

/** The orders of the pages allocated (successfully), in order. */
function allocated(events: readonly TraceEvent[]): number[] {
  return events.flatMap((e) => (e.name === "mm_page_alloc" && e.pfn >= 0 ? [e.order] : []));
}

function marks(system: System): number[] {
  return readaheadMarks(system, FILE);
}

/** The handle of the cached folio whose head is `index`. */
function folioAt(system: System, index: number): number {
  const handle = sparseGet(fileOf(system.pagecache, FILE).folios, index);
  if (handle === undefined) throw new Error(`no folio at ${index}`);
  return handle;
}

function readCount(outcome: Outcome): number {
  return outcome.kind === "read" ? outcome.read : -1;
}

describe("window sizes", () => {
  it("get_init_ra_size(): for a 32-page maximum, 1-2 pages -> 4, 3-4 -> 8, 5-8 -> 16, more -> 32", () => {
    expect([1, 2, 3, 4, 5, 8, 9, 32].map((n) => initRaSize(n, 32))).toEqual([4, 4, 8, 8, 16, 16, 32, 32]);
  });

  it("get_next_ra_size(): x4 below max/16, x2 up to max/2, then max", () => {
    expect([1, 2, 4, 8, 16, 32].map((n) => nextRaSize(n, 32))).toEqual([4, 4, 8, 16, 32, 32]);
  });

  it("ractl_max_pages(): ra_pages, or up to io_pages for a larger request", () => {
    const config = { minOrder: 0, maxOrder: 9, raPages: 32, ioPages: 320 };
    expect([8, 32, 100, 1000].map((n) => raMaxPages(config, n))).toEqual([32, 32, 100, 320]);
  });
});

describe("a sequential stream from the start of a file", () => {
  // Read 1: 8 pages at 0. Start of file: window get_init_ra_size(8, 32) = 16, async_size 16 - 8
  // = 8, ra->order 0: sixteen order-0 folios, PG_readahead on page 16 - 8 = 8.
  const first = read(fresh(), 0, 8);
  // Read 2: 8 pages at 8, all cached; page 8 is marked: page_cache_async_ra() finds the stream
  // where expected (0 + 16 - 8), next window at 16 of get_next_ra_size(16, 32) = 32 pages, all
  // async, ra->order 0 + 2 = 2 (below ilog2(32) = 5): eight order-2 folios, the mark on 16.
  const second = read(first.system, 8, 8);
  // Read 3: 8 pages at 16: the marked folio 16 again: window at 48, size 32, order 2 + 2 = 4:
  // two order-4 folios.
  const third = read(second.system, 16, 8);

  it("reads a window of min_order folios synchronously, with the mark at its async tail", () => {
    expect(allocated(first.events)).toEqual(Array.from({ length: 16 }, () => 0));
    expect(readCount(first.outcome)).toBe(16);
    expect(marks(first.system)).toEqual([8]);
  });

  it("ramps the folio order up by 2 with each asynchronous window", () => {
    expect(allocated(second.events)).toEqual(Array.from({ length: 8 }, () => 2));
    expect(marks(second.system)).toEqual([16]);
    expect(allocated(third.events)).toEqual([4, 4]);
    expect(marks(third.system)).toEqual([48]);
    expect(fileOf(third.system.pagecache, FILE).ra).toMatchObject({ start: 48, size: 32, asyncSize: 32, order: 4 });
  });
});

describe("page_cache_sync_ra() elsewhere", () => {
  it("reads a small random read as it is, in min_order folios, and leaves no mark", () => {
    // Nothing cached below 1000: page_cache_prev_miss() finds the gap at 999, contig_count 0 <= 4.
    const random = read(fresh(), 1000, 4);
    expect(allocated(random.events)).toEqual([0, 0, 0, 0]);
    expect(marks(random.system)).toEqual([]);
    // The readahead state only records where the read stopped.
    expect(fileOf(random.system.pagecache, FILE).ra).toMatchObject({ size: 0, prevIndex: 1004 });
  });

  it("a window that meets a cached page: -EEXIST, then do_page_cache_ra() around it", () => {
    const withPageFour = step(fresh(), { kind: "write", file: FILE, offset: 4, pages: 1, cpu: 0 }).system;
    // 8 pages at 0: window 16, async 8. Folios 0-3, then page 4 is allocated, refused and freed;
    // do_page_cache_ra(4, 12 pages, lookahead 8) steps over 4 and reads 5-15, marking 8.
    const result = read(withPageFour, 0, 8);
    expect(allocated(result.events)).toEqual(Array.from({ length: 16 }, () => 0));
    expect(result.events.filter((e) => e.name === "mm_page_free").map((e) => ("order" in e ? e.order : -1))).toEqual([
      0,
    ]);
    expect(readCount(result.outcome)).toBe(15);
    expect(marks(result.system)).toEqual([8]);
  });
});

describe("page_cache_async_ra(): the window ends on a natural boundary", () => {
  it("trims the next window so it ends aligned to the new order (6.16+)", () => {
    // Pages 80-99 cached by a write. read(100, 1): prev_index unset, so the history path:
    // page_cache_prev_miss(99, 32) finds 79, contig 20 > 1: window min(20 + 1, 32) = 21 at 100,
    // async 1, order 0: 21 order-0 folios, the mark on 120.
    const written = step(fresh(), { kind: "write", file: FILE, offset: 80, pages: 20, cpu: 0 }).system;
    const sync = read(written, 100, 1);
    expect(readCount(sync.outcome)).toBe(21);
    expect(marks(sync.system)).toEqual([120]);
    // read(120, 1) hits the mark where expected (100 + 21 - 1): start 121, size
    // max(21, get_next_ra_size(21, 32) = 32) = 32, ra->order 0 + 2 = 2, align 1 << min(2,
    // __ffs(32) = 5) = 4: end 153 rounds down to 152, so size 31, all async. Folios by
    // page_cache_ra_order() with new_order min(2, ilog2(31)): 121 (order 0, unaligned), 122-123
    // (order 1), then seven of order 2 up to 151; the mark on 121. Untrimmed, a 32-page window
    // would add an order-0 folio at 152 and put the next window at 153.
    const async = read(sync.system, 120, 1);
    expect(allocated(async.events)).toEqual([0, 1, 2, 2, 2, 2, 2, 2, 2]);
    expect(readCount(async.outcome)).toBe(31);
    expect(fileOf(async.system.pagecache, FILE).ra).toMatchObject({ start: 121, size: 31, asyncSize: 31, order: 2 });
    expect(marks(async.system)).toEqual([121]);
  });

  it("aligns to at most the largest power of two dividing the readahead maximum", () => {
    // ra_pages 24: __ffs(24) = 3, so windows end on 8-page boundaries at most. read(0, 8):
    // window 24, async 16. read(8, 8): next window [24, 48), order 2, six order-2 folios, the
    // mark on 24. read(24, 8): window [48, 72), ra->order 4, align 1 << min(4, 3) = 8: 72 is
    // aligned, so 24 pages stay: an order-4 folio at 48 and an order-3 one at 64 (order 4 would
    // pass the window's end). Aligning to 1 << 4 would have cut the window to [48, 64).
    let system = initSystem({ zone: { nrPages: 1 << 14 }, workload: { pagecache: { raPages: 24 } } });
    system = read(system, 0, 8).system;
    system = read(system, 8, 8).system;
    expect(marks(system)).toEqual([24]);
    const third = read(system, 24, 8);
    expect(allocated(third.events)).toEqual([4, 3]);
    expect(fileOf(third.system.pagecache, FILE).ra).toMatchObject({ start: 48, size: 24, asyncSize: 24, order: 4 });
  });
});

describe("a mapping with min_order 2 (block size above the page size)", () => {
  const fourPageBlocks = () => initSystem({ zone: { nrPages: 1 << 14 }, workload: { pagecache: { minOrder: 2 } } });

  it("tests the read's own page index for a sequential miss, not the index aligned down to min_order", () => {
    // read(0, 3): window 8 at 0 in order-2 folios (ra->order becomes min_order 2), the mark on
    // folio 0; reading it starts the async window: 16 pages, order 2 + 2 = 4, trimmed to end on a
    // 16-page boundary: [8, 16), one order-3 folio (ilog2(8)). prev_index 3.
    // Truncate (the folios go, file_ra_state stays), then read(5, 1). filemap_get_pages() passes
    // index 5: 5 - 3 = 2 is not sequential, page 4 is not cached (contig 0 <= 1), so a small
    // random read: do_page_cache_ra() reads one order-2 folio [4, 8) and leaves the window alone.
    // (Index 4 would have been sequential: a new window with PG_readahead, then an async one.)
    const first = read(fourPageBlocks(), 0, 3);
    expect(fileOf(first.system.pagecache, FILE).ra).toMatchObject({ start: 8, size: 8, asyncSize: 8, prevIndex: 3 });
    const truncated = step(first.system, { kind: "truncate", file: FILE, cpu: 0 }).system;
    const random = read(truncated, 5, 1);
    expect(allocated(random.events)).toEqual([2]);
    expect(readCount(random.outcome)).toBe(4);
    expect(marks(random.system)).toEqual([]);
    expect(fileOf(random.system.pagecache, FILE).ra).toMatchObject({ start: 8, size: 8, asyncSize: 8, prevIndex: 6 });
  });

  it("when the first folio of an unaligned window fails, index - start wraps and nothing more is tried", () => {
    // 4096 pages: read(0, 4) leaves prev_index 4; truncate; anonymous memory takes everything.
    let system = step(
      read(initSystem({ zone: { nrPages: 1 << 12 }, workload: { pagecache: { minOrder: 2 } } }), 0, 4).system,
      {
        kind: "truncate",
        file: FILE,
        cpu: 0,
      },
    ).system;
    for (const order of [3, 0]) {
      for (;;) {
        const got = step(system, { kind: "alloc", order, gfp: GFP_HIGHUSER_MOVABLE, cpu: 0 });
        if (got.outcome.kind !== "allocated") break;
        system = got.system;
      }
    }
    // read(5, 1): 5 - 4 = 1, sequential: window 4 at 5. page_cache_ra_order() aligns the index
    // down to 4; its order-2 folio fails (-ENOMEM). `if (ra->size > index - start)`: 4 - 5 wraps
    // (unsigned), so no do_page_cache_ra(). filemap_create_folio() then fails too: two
    // allocation attempts, not three.
    const failed = read(system, 5, 1);
    expect(readCount(failed.outcome)).toBe(0);
    const attempts = failed.events.filter((e) => e.name === "mm_page_alloc");
    expect(attempts.map((e) => (e.name === "mm_page_alloc" ? [e.order, e.pfn] : []))).toEqual([
      [2, -1],
      [2, -1],
    ]);
  });
});

describe("the readahead state across folios that come and go", () => {
  it("PG_readahead belongs to the folio: a new folio at the marked index does not start async readahead", () => {
    // read(0, 1): window get_init_ra_size(1, 32) = 4 at 0, async 3: folios 0-3, the mark on 1.
    const first = read(fresh(), 0, 1);
    expect(marks(first.system)).toEqual([1]);
    // Folio 1 goes (freed; reclaim would do the same), and its flag with it.
    const freed = step(first.system, { kind: "free", handle: folioAt(first.system, 1), cpu: 0 }).system;
    expect(marks(freed)).toEqual([]);
    // read(1, 1): 1 - prev_index 1 = 0, sequential: window 4 at 1, async 3 (mark at 2). Folio 1 is
    // new; the folio allocated for 2 meets the cached one: -EEXIST (freed again), then
    // do_page_cache_ra(2, 3 pages) steps over 2 and 3 and reads 4 (the mark at 2 is a cached
    // folio that ra_alloc_folio() never sees). The new folio 1 carries no PG_readahead, so no
    // asynchronous window follows: 2 pages read.
    const again = read(freed, 1, 1);
    expect(allocated(again.events)).toEqual([0, 0, 0]);
    expect(readCount(again.outcome)).toBe(2);
    expect(marks(again.system)).toEqual([]);
  });

  it("a read that copied nothing (-ENOMEM on its first page) leaves prev_pos where it was", () => {
    // 4096 pages: read 10 pages at 0 (prev_index 10), then anonymous memory takes everything.
    let system = initSystem({ zone: { nrPages: 1 << 12 } });
    system = read(system, 0, 10).system;
    const anon: number[] = [];
    for (const order of [3, 0]) {
      for (;;) {
        const got = step(system, { kind: "alloc", order, gfp: GFP_HIGHUSER_MOVABLE, cpu: 0 });
        if (got.outcome.kind !== "allocated") break;
        anon.push(got.outcome.handle);
        system = got.system;
      }
    }
    const failed = read(system, 50, 1);
    expect(readCount(failed.outcome)).toBe(0);
    // filemap_read(): ra->prev_pos = last_pos, which only a copy moves.
    expect(fileOf(failed.system.pagecache, FILE).ra?.prevIndex).toBe(10);
    // Memory comes back; read(51, 1): 51 - 10 is not sequential, and page 50 is not cached
    // (contig 0 <= 1): a small random read of just its page. (prev_index 50 would have opened a
    // 4-page window.)
    system = anon.slice(0, 64).reduce((s, handle) => step(s, { kind: "free", handle, cpu: 0 }).system, failed.system);
    const after = read(system, 51, 1);
    expect(readCount(after.outcome)).toBe(1);
    expect(fileOf(after.system.pagecache, FILE).ra?.prevIndex).toBe(52);
  });

  it("truncate() drops the folios but not the readers' file_ra_state", () => {
    // read(0, 4): window 16 at 0 (prev_index 4). Truncate, then read(4, 1): 4 - 4 = 0, still
    // sequential: window get_init_ra_size(1, 32) = 4 at 4, async 3, the mark on 5.
    const truncated = step(read(fresh(), 0, 4).system, { kind: "truncate", file: FILE, cpu: 0 }).system;
    expect(fileOf(truncated.pagecache, FILE).ra?.prevIndex).toBe(4);
    const after = read(truncated, 4, 1);
    expect(readCount(after.outcome)).toBe(4);
    expect(marks(after.system)).toEqual([5]);
  });
});
