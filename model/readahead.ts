/**
 * Buffered reads and readahead: mm/filemap.c filemap_read() / filemap_get_pages() and
 * mm/readahead.c (6.16+ form, where synchronous readahead uses min_order folios and only the
 * asynchronous kind ramps the folio order up).
 *
 * A read() of [pos, pos + len) walks the range folio by folio:
 * - a page not cached starts synchronous readahead (page_cache_sync_ra()): at the start of a
 *   file, for a read larger than the window, or right after the previous read, a new window of
 *   get_init_ra_size(); after a run of cached pages, a window that grows with that run; a small
 *   read in the middle of nowhere reads just itself (do_page_cache_ra()). Every folio of it is
 *   min_order (ra->order = 0);
 * - a page readahead could not bring in is created by filemap_create_folio() with the mapping's
 *   own gfp (reclaim and retries); only its failure ends the read (-ENOMEM);
 * - a folio carrying PG_readahead, set on the first folio of a window's async tail, starts
 *   asynchronous readahead (page_cache_async_ra()): the next window, get_next_ra_size() larger,
 *   with ra->order raised by 2, clamped to ilog2 of the window and the mapping's largest order,
 *   and the window trimmed to end on a boundary of that order.
 * page_cache_ra_order() allocates each folio with readahead_gfp_mask() (NORETRY at every order)
 * and stops at the first -ENOMEM or -EEXIST; do_page_cache_ra() then reads the rest of the window
 * with min_order folios, stepping over pages already cached.
 *
 * The model's files are as large as they are read: windows are never cut at i_size. One
 * file_ra_state per file (CachedFile.ra): the model's readers share it, as threads sharing an
 * open file do.
 */

import {
  ffs,
  fileOf,
  findFolio,
  floorLog2,
  overlapsCached,
  type PageCacheConfig,
  type RaState,
  READAHEAD_GFP,
  type WithPageCache,
  withFile,
  XFS_MAPPING_GFP,
} from "./filemap.js";
import { allocateBlock, freeBlock, type MmContext } from "./memory.js";
import { getAllocation, setReadahead } from "./page-owner.js";
import { sparseForEach, sparseSet } from "./persistent/sparse-array.js";

/** file_ra_state_init(): no window yet, prev_pos = -1. */
const INITIAL_RA: RaState = { start: 0, size: 0, asyncSize: 0, order: 0, prevIndex: undefined };

function roundUpPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}

/** mm/readahead.c get_init_ra_size(): round up to a power of two; x4 if small, x2 if medium, else max. */
export function initRaSize(size: number, max: number): number {
  const newsize = roundUpPowerOfTwo(size);
  if (newsize <= Math.floor(max / 32)) return newsize * 4;
  if (newsize <= Math.floor(max / 4)) return newsize * 2;
  return max;
}

/** mm/readahead.c get_next_ra_size(): x4 while small, x2 up to half of max, then max. */
export function nextRaSize(cur: number, max: number): number {
  if (cur < Math.floor(max / 16)) return 4 * cur;
  if (cur <= Math.floor(max / 2)) return 2 * cur;
  return max;
}

/** mm/readahead.c ractl_max_pages(): ra_pages, or up to io_pages for a larger request. */
export function raMaxPages(config: PageCacheConfig, reqSize: number): number {
  if (reqSize > config.raPages && config.ioPages > config.raPages) return Math.min(reqSize, config.ioPages);
  return config.raPages;
}

/** What a readahead step brought in, and the state after it. */
interface Read<S> {
  readonly state: S;
  readonly read: number;
}

function isCached(state: WithPageCache, file: number, index: number): boolean {
  return findFolio(state, fileOf(state.pagecache, file), index, state.pagecache.config.maxOrder) !== undefined;
}

/**
 * mm/filemap.c page_cache_prev_miss(): the first index at or below `index`, within `maxScan`,
 * that is not cached; -1 (ULONG_MAX) if the scan ran past index 0; `index - maxScan` if none.
 */
function prevMiss(state: WithPageCache, file: number, index: number, maxScan: number): number {
  for (let k = 0; k < maxScan; k++) {
    const at = index - k;
    if (at < 0) return -1;
    if (!isCached(state, file, at)) return at;
  }
  return index - maxScan;
}

/** mm/filemap.c page_cache_next_miss(): the first index at or above `index` not cached, or index + maxScan. */
function nextMiss(state: WithPageCache, file: number, index: number, maxScan: number): number {
  for (let k = 0; k < maxScan; k++) if (!isCached(state, file, index + k)) return index + k;
  return index + maxScan;
}

function withRa<S extends WithPageCache>(state: S, file: number, ra: RaState): S {
  return withFile(state, file, { ...fileOf(state.pagecache, file), ra });
}

/** folio_set_readahead() / folio_test_clear_readahead() on the folio `handle`. */
function withMark<S extends WithPageCache>(state: S, handle: number, marked: boolean): S {
  return { ...state, owners: setReadahead(state.owners, handle, marked) };
}

/** folio_test_readahead() */
function isMarked(state: WithPageCache, handle: number): boolean {
  return getAllocation(state.owners, handle)?.readahead === true;
}

/**
 * Model plumbing, a view for tests: the head indices of the cached folios of `file` that carry
 * PG_readahead, in index order.
 */
export function readaheadMarks(state: WithPageCache, file: number): number[] {
  const heads: number[] = [];
  sparseForEach(fileOf(state.pagecache, file).folios, (head, handle) => {
    if (isMarked(state, handle)) heads.push(head);
    return true;
  });
  return heads;
}

type AddResult<S> = { state: S; err: undefined; handle: number } | { state: S; err: "ENOMEM" | "EEXIST" };

/**
 * filemap_alloc_folio() + filemap_add_folio() at `index`: -ENOMEM if the allocation fails,
 * -EEXIST (the folio put back) if the range holds a page already cached.
 */
function addFolio<S extends WithPageCache>(
  state: S,
  file: number,
  index: number,
  order: number,
  gfp: number,
  ctx: MmContext,
): AddResult<S> {
  const got = allocateBlock(state, order, gfp, "pagecache", ctx, { dirty: false });
  const handle = got.handle;
  if (handle === undefined) return { state: got.state, err: "ENOMEM" };
  const cached = fileOf(got.state.pagecache, file);
  if (overlapsCached(got.state, cached, index, order, got.state.pagecache.config.maxOrder)) {
    return { state: freeBlock(got.state, handle, ctx.cpu, ctx.events), err: "EEXIST" };
  }
  return {
    state: withFile(got.state, file, { ...cached, folios: sparseSet(cached.folios, index, handle) }),
    err: undefined,
    handle,
  };
}

/**
 * mm/readahead.c do_page_cache_ra() -> page_cache_ra_unbounded(): `nrToRead` pages from `index`
 * in min_order folios, stepping over cached pages, PG_readahead on the one `lookahead` pages
 * from the end; stops at the first -ENOMEM.
 */
function doPageCacheRa<S extends WithPageCache>(
  state: S,
  file: number,
  index: number,
  nrToRead: number,
  lookahead: number,
  ctx: MmContext,
): Read<S> {
  const minPages = 2 ** state.pagecache.config.minOrder;
  const start = index & ~(minPages - 1);
  const mark = lookahead <= nrToRead ? Math.ceil((index + nrToRead - lookahead) / minPages) * minPages : -1;
  const end = index + nrToRead;
  let next = state;
  let read = 0;
  for (let at = start; at < end; at += minPages) {
    if (isCached(next, file, at)) continue;
    const added = addFolio(next, file, at, state.pagecache.config.minOrder, READAHEAD_GFP, ctx);
    next = added.state;
    if (added.err === "ENOMEM") break;
    if (added.err !== undefined) continue;
    if (at === mark) next = withMark(next, added.handle, true);
    read += minPages;
  }
  return { state: next, read };
}

/**
 * mm/readahead.c page_cache_ra_order(): the window [ra.start, ra.start + ra.size) in folios of
 * ra.order (clamped to ilog2(ra.size) and the mapping's largest order, made smaller where the
 * index is not aligned or the window ends), PG_readahead on the folio at the async tail; at the
 * first failure the rest goes to do_page_cache_ra().
 */
function pageCacheRaOrder<S extends WithPageCache>(state: S, file: number, ra: RaState, ctx: MmContext): Read<S> {
  const { minOrder, maxOrder } = state.pagecache.config;
  const start = ra.start;
  const mark = start + ra.size - ra.asyncSize;
  const limit = start + ra.size - 1;
  const newOrder = Math.max(minOrder, Math.min(maxOrder, ra.order, floorLog2(ra.size)));
  let next = withRa(state, file, { ...ra, order: newOrder });
  let index = start & ~((1 << minOrder) - 1);
  let read = 0;
  let failed = false;
  while (index <= limit) {
    let order = newOrder;
    if (index & ((1 << order) - 1)) order = ffs(index);
    while (order > minOrder && index + (1 << order) - 1 > limit) order--;
    const added = addFolio(next, file, index, order, READAHEAD_GFP, ctx);
    next = added.state;
    if (added.err !== undefined) {
      failed = true;
      break;
    }
    // ra_alloc_folio(): the mark, rounded down to this folio's order, is this folio.
    if (index === mark - (mark % (1 << order))) next = withMark(next, added.handle, true);
    read += 1 << order;
    index += 1 << order;
  }
  // `if (ra->size > index - start)`, unsigned: when the first folio failed at an index aligned
  // down below an unaligned start, index - start wraps and nothing more is read.
  if (!failed || index < start || ra.size <= index - start) return { state: next, read };
  const rest = doPageCacheRa(next, file, index, ra.size - (index - start), ra.asyncSize, ctx);
  return { state: rest.state, read: read + rest.read };
}

/** mm/readahead.c page_cache_sync_ra(): a read found `index` not cached. */
function syncRa<S extends WithPageCache>(
  state: S,
  file: number,
  index: number,
  reqCount: number,
  ctx: MmContext,
): Read<S> {
  const config = state.pagecache.config;
  if (config.raPages === 0) return doPageCacheRa(state, file, index, 1, 0, ctx);
  const ra = fileOf(state.pagecache, file).ra ?? INITIAL_RA;
  const max = raMaxPages(config, reqCount);
  const prev = ra.prevIndex;
  // A start of file, an oversized read, or a sequential cache miss (index - prev_index <= 1,
  // unsigned: a read behind the previous one is not sequential).
  if (index === 0 || reqCount > max || (prev !== undefined && index >= prev && index - prev <= 1)) {
    const size = initRaSize(reqCount, max);
    const asyncSize = size > reqCount ? size - reqCount : size >> 1;
    return pageCacheRaOrder(state, file, { ...ra, start: index, size, asyncSize, order: 0 }, ctx);
  }
  // The trace a sequential stream leaves: the cached run just below `index`.
  const miss = prevMiss(state, file, index - 1, max);
  let contig = miss === -1 ? index : index - miss - 1;
  // A standalone small random read: read just it, and leave the readahead state alone.
  if (contig <= reqCount) return doPageCacheRa(state, file, index, reqCount, 0, ctx);
  // Cached from the start of the file: a long-running stream.
  if (miss === -1) contig *= 2;
  const size = Math.min(contig + reqCount, max);
  return pageCacheRaOrder(state, file, { ...ra, start: index, size, asyncSize: 1, order: 0 }, ctx);
}

/** mm/readahead.c page_cache_async_ra(): a read reached `folio`, which carries PG_readahead. */
function asyncRa<S extends WithPageCache>(
  state: S,
  file: number,
  folio: { readonly head: number; readonly handle: number; readonly order: number },
  reqCount: number,
  ctx: MmContext,
): Read<S> {
  const config = state.pagecache.config;
  const { head, order } = folio;
  let next = withMark(state, folio.handle, false);
  if (config.raPages === 0) return { state: next, read: 0 };
  const ra = fileOf(next.pagecache, file).ra ?? INITIAL_RA;
  const max = raMaxPages(config, reqCount);
  const pages = 1 << order;
  const expected = ra.start + ra.size - ra.asyncSize;
  let window: RaState;
  if (head === expected - (expected % pages)) {
    // The stream is where the last window said it would be: the next window, larger.
    const size = Math.max(ra.size, nextRaSize(ra.size, max));
    window = { ...ra, start: ra.start + ra.size, size };
  } else {
    // A marked folio without matching state (interleaved reads): size the window from the
    // cached run after it.
    const start = nextMiss(next, file, head + 1, max);
    if (start === 0 || start - head > max) return { state: next, read: 0 };
    const size = nextRaSize(start - head + reqCount, max);
    window = { ...ra, start, size };
  }
  // readit: ra->order += 2, and the window ends on a boundary of that order (at most the largest
  // power of two dividing max_pages), so the next window starts aligned, unless that would leave
  // nothing; all of it is async.
  const raOrder = window.order + 2;
  const align = 2 ** Math.min(raOrder, ffs(max));
  const end = window.start + window.size;
  const alignedEnd = end - (end % align);
  const size = alignedEnd > window.start ? window.size - (end - alignedEnd) : window.size;
  window = { ...window, size, asyncSize: size };
  next = withRa(next, file, window);
  return pageCacheRaOrder(next, file, { ...window, order: raOrder }, ctx);
}

/**
 * mm/filemap.c filemap_read() of [pos, pos + len) of `file`: returns the pages it brought into
 * the page cache. Reads past i_size extend it (the file is there on disk).
 */
export function filemapRead<S extends WithPageCache>(
  state: S,
  file: number,
  pos: number,
  len: number,
  ctx: MmContext,
): { state: S; read: number } {
  const { minOrder, maxOrder } = state.pagecache.config;
  let next = state;
  let index = pos & ~((1 << minOrder) - 1);
  const end = pos + len;
  let read = 0;
  let copied = false;
  while (index < end) {
    let folio: { head: number; handle: number; order: number } | undefined = findFolio(
      next,
      fileOf(next.pagecache, file),
      index,
      maxOrder,
    );
    if (folio === undefined) {
      // filemap_get_pages(): the readahead index is ki_pos >> PAGE_SHIFT, not yet aligned to
      // min_order on the first folio of a read (page_cache_ra_order() aligns it itself).
      const raIndex = Math.max(index, pos);
      const ra = syncRa(next, file, raIndex, end - raIndex, ctx);
      next = ra.state;
      read += ra.read;
      folio = findFolio(next, fileOf(next.pagecache, file), index, maxOrder);
    }
    if (folio === undefined) {
      // filemap_create_folio(): the mapping's own gfp, no __GFP_NORETRY.
      const created = addFolio(next, file, index, minOrder, XFS_MAPPING_GFP, ctx);
      next = created.state;
      if (created.err !== undefined) break;
      read += 1 << minOrder;
      folio = { head: index, handle: created.handle, order: minOrder };
    }
    if (isMarked(next, folio.handle)) {
      const ra = asyncRa(next, file, folio, end - folio.head, ctx);
      next = ra.state;
      read += ra.read;
    }
    index = folio.head + 2 ** folio.order;
    copied = true;
  }
  // ra->prev_pos = last_pos: where the last copy ended. A read that copied nothing (-ENOMEM on
  // its first page) leaves it where the previous read put it.
  const cached = fileOf(next.pagecache, file);
  const ra = cached.ra ?? INITIAL_RA;
  next = withFile(next, file, {
    ...cached,
    size: Math.max(cached.size, end),
    ra: copied ? { ...ra, prevIndex: Math.min(index, end) } : ra,
  });
  return { state: next, read };
}
