/**
 * The page cache's large folios, mm/filemap.c __filemap_get_folio() (the order loop) and
 * fs/iomap/buffered-io.c iomap_get_folio() and iomap_write_iter(): how a buffered write asks for
 * folios, and what it does when a large one cannot be had; and the page cache state reads and
 * readahead (readahead.ts) share.
 *
 * A write of `len` pages at `pos` is done one folio at a time (iomap_write_iter()): each
 * iteration asks __filemap_get_folio() for a folio of order ilog2(remaining length), clamped to
 * the mapping's largest order and to the alignment of `pos`, and the order loop tries that order
 * and every smaller one down to min_order, each a full __alloc_pages() call with the gfp the
 * policy gives for that order (baseline: NORETRY|NOWARN above min_order, the caller's gfp at
 * min_order). When min_order fails too, the write stops with -ENOMEM.
 *
 * A folio that would overlap one already cached is allocated all the same and then refused by
 * filemap_add_folio() (-EEXIST): the write path frees it and tries the next smaller order. Every
 * such order costs a full allocation, slow path included. Reads and readahead are readahead.ts.
 *
 * Not modelled: the xarray itself, memcg charging, dirty throttling (balance_dirty_pages()) and
 * __GFP_WRITE's node dirty limits (one node).
 */

import { allocFromFreelistsOnly } from "./alloc-pages.js";
import { emit } from "./events.js";
import {
  __GFP_DIRECT_RECLAIM,
  __GFP_FS,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_WRITE,
  GFP_HIGHUSER_MOVABLE,
  type GfpMask,
  gfpMigratetype,
} from "./gfp.js";
import type { BackgroundState } from "./kcompactd.js";
import { wakeupKcompactd } from "./kcompactd.js";
import { allocateBlock, freeBlock, type MmContext } from "./memory.js";
import { folioPieces, getAllocation, recordAllocation, setDirty } from "./page-owner.js";
import {
  emptySparseArray,
  type SparseArray,
  sparseForEach,
  sparseForEachInRange,
  sparseGet,
  sparseSet,
} from "./persistent/sparse-array.js";
import { POLICY_HELPERS } from "./policies/helpers.js";
import { cleanPageCachePages } from "./vmscan.js";
import { wmarkPages, zonePcpPages } from "./zone.js";
import { hasFault } from "./zone-config.js";

/**
 * mapping_gfp_mask() of an XFS file: GFP_HIGHUSER_MOVABLE ([R] inode_init_always()) without
 * __GFP_FS (xfs_setup_inode() clears it on every mapping, [V]).
 */
export const XFS_MAPPING_GFP: GfpMask = GFP_HIGHUSER_MOVABLE & ~__GFP_FS;

/**
 * The caller's gfp G of a buffered write: __filemap_get_folio() adds __GFP_WRITE (FGP_WRITE) and
 * clears __GFP_FS (FGP_NOFS, set by iomap_get_folio()).
 */
export const WRITE_GFP: GfpMask = (XFS_MAPPING_GFP | __GFP_WRITE) & ~__GFP_FS;

/** include/linux/pagemap.h readahead_gfp_mask(): NORETRY|NOWARN at every order, min_order included. */
export const READAHEAD_GFP: GfpMask = XFS_MAPPING_GFP | __GFP_NORETRY | __GFP_NOWARN;

export interface PageCacheConfig {
  /** mapping_min_folio_order(): 0 unless the block size is larger than a page. */
  readonly minOrder: number;
  /** mapping_max_folio_order(): MAX_PAGECACHE_ORDER, about HPAGE_PMD_ORDER (9 with 4 KiB pages). */
  readonly maxOrder: number;
  /** bdi->ra_pages: the readahead window's size limit, in pages. */
  readonly raPages: number;
  /** bdi->io_pages: a read larger than ra_pages may read ahead up to this many pages at once. */
  readonly ioPages: number;
}

/**
 * struct file_ra_state, one per file (the model has one reader per file: every process shares
 * it, as they would share an opened file). `prevIndex` is prev_pos >> PAGE_SHIFT, undefined
 * before the first read (prev_pos = -1).
 */
export interface RaState {
  readonly start: number;
  readonly size: number;
  readonly asyncSize: number;
  readonly order: number;
  readonly prevIndex: number | undefined;
}

export interface CachedFile {
  /** i_size in pages. */
  readonly size: number;
  /** Folio handle by the index of its first page. */
  readonly folios: SparseArray<number>;
  /** The file's readahead state (readahead.ts); absent until the first read. */
  readonly ra?: RaState;
}

export interface PageCacheState {
  readonly config: PageCacheConfig;
  readonly files: SparseArray<CachedFile>;
}

/** Largest file index the model tracks (pages); files are sparse tries, so this costs nothing. */
export const FILE_PAGES = 1 << 24;
const FILE_COUNT = 1 << 10;

/** No file cached yet: every address_space's i_pages empty. */
export function emptyPageCache(config: PageCacheConfig): PageCacheState {
  return { config, files: emptySparseArray(FILE_COUNT) };
}

export interface WithPageCache extends BackgroundState {
  readonly pagecache: PageCacheState;
}

/** A file's address_space (its i_pages, by index) and size; an empty one if it was never cached. */
export function fileOf(cache: PageCacheState, file: number): CachedFile {
  return sparseGet(cache.files, file) ?? { size: 0, folios: emptySparseArray(FILE_PAGES) };
}

/** The state with one file's address_space replaced (model plumbing). */
export function withFile<S extends WithPageCache>(state: S, file: number, cached: CachedFile): S {
  return { ...state, pagecache: { ...state.pagecache, files: sparseSet(state.pagecache.files, file, cached) } };
}

/**
 * The folio covering `index`, if cached (and not reclaimed meanwhile). A folio that migration
 * split (page-owner.ts splitAllocation()) is found through its old head: the page at `index`
 * is its own order-0 folio now.
 */
export function findFolio(state: BackgroundState, cached: CachedFile, index: number, maxOrder: number) {
  for (let order = 0; order <= maxOrder; order++) {
    const head = index & ~((1 << order) - 1);
    const handle = sparseGet(cached.folios, head);
    if (handle === undefined) continue;
    const alloc = getAllocation(state.owners, handle);
    if (alloc !== undefined && head + 2 ** alloc.order > index) return { head, handle, order: alloc.order };
    const piece = folioPieces(state.owners, handle)[index - head];
    if (piece !== undefined && index > head && getAllocation(state.owners, piece) !== undefined) {
      return { head: index, handle: piece, order: 0 };
    }
  }
  return undefined;
}

/** include/linux/log2.h ilog2() for n >= 1; 0 below (the kernel leaves ilog2(0) undefined). */
export function floorLog2(n: number): number {
  return n < 1 ? 0 : 31 - Math.clz32(n);
}

/** __ffs(index): the lowest set bit, i.e. the largest order `index` is aligned to. */
export function ffs(index: number): number {
  return 31 - Math.clz32(index & -index);
}

/**
 * filemap_add_folio()'s -EEXIST: does [index, index + 2^order) hold a page already cached? Looks
 * at the folios whose head is close enough to reach into the range (a folio is at most
 * 2^maxOrder pages), and at each page of a folio migration split.
 */
export function overlapsCached(
  state: BackgroundState,
  cached: CachedFile,
  index: number,
  order: number,
  maxOrder: number,
): boolean {
  const end = index + 2 ** order;
  let overlap = false;
  sparseForEachInRange(cached.folios, Math.max(0, index - 2 ** maxOrder + 1), end, (head, folio) => {
    folioPieces(state.owners, folio).forEach((handle, offset) => {
      const alloc = getAllocation(state.owners, handle);
      if (alloc === undefined) return;
      const first = head + offset;
      if (first < end && first + 2 ** alloc.order > index) overlap = true;
    });
    return !overlap;
  });
  return overlap;
}

/**
 * What the write path's min_order attempt had to work with, for the min-order-fallback property:
 * free pages it may use (highatomic reserves are not for it), pcp pages, clean page cache.
 */
function obtainable(state: BackgroundState) {
  return {
    free: state.zone.nrFreePages - state.zone.nrFreeHighatomic,
    pcp: zonePcpPages(state.zone),
    reclaimable: cleanPageCachePages(state.owners),
    min_wmark: wmarkPages(state.zone, "min"),
  };
}

function minOrderFields(seen: ReturnType<typeof obtainable>) {
  return {
    min_order_free: seen.free,
    min_order_pcp: seen.pcp,
    min_order_reclaimable: seen.reclaimable,
    min_wmark: seen.min_wmark,
  };
}

/**
 * mm/filemap.c __filemap_get_folio() with FGP_CREAT, for a write: the order loop. Returns the
 * folio's head index and handle, or undefined for -ENOMEM.
 */
function filemapGetFolio<S extends WithPageCache>(
  state: S,
  file: number,
  index: number,
  remaining: number,
  ctx: MmContext,
): { state: S; head: number; handle: number | undefined; order: number } {
  const { minOrder, maxOrder } = state.pagecache.config;
  const cached = fileOf(state.pagecache, file);
  // iomap_write_iter() writes up to the end of the largest folio the position could be in
  // (bytes = min(chunk - offset, bytes), chunk = mapping_max_folio_size()), and
  // iomap_get_folio() passes fgf_set_order(bytes): ilog2 of that, unclamped. A gfp tweak in
  // iomap_get_folio() sees this hint; __filemap_get_folio() then applies the mapping's order
  // limits and the index alignment.
  const chunk = 1 << maxOrder;
  const hintOrder = floorLog2(Math.min(chunk - (index & (chunk - 1)), remaining));
  let startOrder = Math.max(minOrder, Math.min(hintOrder, maxOrder));
  const head = index & ~((1 << minOrder) - 1);
  if (head & ((1 << startOrder) - 1)) startOrder = Math.max(minOrder, ffs(head));
  const policy = ctx.policy;
  let next = state;
  let attempts = 0;
  let snapshot: ReturnType<typeof obtainable> | undefined;
  const range = policy.folioRange;
  for (let order = startOrder; order >= minOrder; order--) {
    attempts++;
    let gfp = policy.folioGfp
      ? policy.folioGfp({ gfp: WRITE_GFP, order, minOrder, startOrder, hintOrder }, POLICY_HELPERS)
      : order > minOrder
        ? WRITE_GFP | __GFP_NORETRY | __GFP_NOWARN
        : WRITE_GFP;
    // Planted fault (fault-injection.ts): the min_order attempt loses direct reclaim, as in the v1 patch.
    if (order === minOrder && hasFault(next.zone.config, "min-order-without-reclaim")) gfp &= ~__GFP_DIRECT_RECLAIM;
    if (order === minOrder) snapshot = obtainable(next);
    let handle: number | undefined;
    if (range?.freelistsFirst === true && order > minOrder) {
      // The range API: every order above min_order from the free lists only, no slow path.
      const result = allocFromFreelistsOnly(next, { order, gfp, cpu: ctx.cpu }, ctx.kernel, ctx.events);
      next = { ...next, ...result.state };
      if (result.pfn !== undefined) {
        const recorded = recordAllocation(next.owners, {
          pfn: result.pfn,
          order,
          gfp,
          migratetype: gfpMigratetype(gfp),
          use: "pagecache",
          dirty: true,
        });
        next = { ...next, owners: recorded.owners };
        handle = recorded.handle;
      }
      if (handle === undefined && order === minOrder + 1 && range.wakeKcompactdForStartOrder && startOrder > minOrder) {
        next = { ...next, ...wakeupKcompactd(next, startOrder, ctx.kernel.defragMode, ctx.events).state };
      }
    } else {
      const result = allocateBlock(next, order, gfp, "pagecache", ctx, { dirty: true });
      next = result.state;
      handle = result.handle;
    }
    if (handle !== undefined && overlapsCached(next, cached, head, order, maxOrder)) {
      // filemap_add_folio() -> -EEXIST: folio_put(), then the next smaller order.
      next = freeBlock(next, handle, ctx.cpu, ctx.events);
      handle = undefined;
    }
    if (handle !== undefined) {
      emit(ctx.events, {
        name: "filemap_get_folio",
        index: head,
        start_order: startOrder,
        min_order: minOrder,
        order,
        attempts,
        ...(snapshot === undefined ? {} : minOrderFields(snapshot)),
      });
      return { state: next, head, handle, order };
    }
  }
  emit(ctx.events, {
    name: "filemap_get_folio",
    index: head,
    start_order: startOrder,
    min_order: minOrder,
    order: -1,
    attempts,
    ...minOrderFields(snapshot ?? obtainable(next)),
  });
  return { state: next, head, handle: undefined, order: -1 };
}

export interface WriteResult<S> {
  readonly state: S;
  /** Pages written before the write stopped. */
  readonly written: number;
  readonly enomem: boolean;
}

/**
 * fs/iomap/buffered-io.c iomap_write_iter(): write [pos, pos + len) one folio at a time,
 * dirtying folios already cached and creating the others. Stops at -ENOMEM.
 */
export function bufferedWrite<S extends WithPageCache>(
  state: S,
  file: number,
  pos: number,
  len: number,
  ctx: MmContext,
): WriteResult<S> {
  const { maxOrder } = state.pagecache.config;
  let next = state;
  let index = pos;
  const end = pos + len;
  let enomem = false;
  while (index < end) {
    const cached = fileOf(next.pagecache, file);
    const existing = findFolio(next, cached, index, maxOrder);
    if (existing !== undefined) {
      next = { ...next, owners: setDirty(next.owners, existing.handle, true) };
      index = existing.head + 2 ** existing.order;
      continue;
    }
    const got = filemapGetFolio(next, file, index, end - index, ctx);
    next = got.state;
    if (got.handle === undefined) {
      enomem = true;
      break;
    }
    const file1 = fileOf(next.pagecache, file);
    next = withFile(next, file, { ...file1, folios: sparseSet(file1.folios, got.head, got.handle) });
    index = got.head + 2 ** got.order;
  }
  const written = Math.max(0, Math.min(index, end) - pos);
  const cached = fileOf(next.pagecache, file);
  next = withFile(next, file, { ...cached, size: Math.max(cached.size, pos + written) });
  emit(ctx.events, { name: "buffered_write", file, pos, len, written, enomem });
  return { state: next, written, enomem };
}

/** mm/truncate.c truncate_inode_pages(): drop every cached folio of the file. */
export function truncate<S extends WithPageCache>(state: S, file: number, ctx: MmContext): { state: S; freed: number } {
  const cached = sparseGet(state.pagecache.files, file);
  if (cached === undefined) return { state, freed: 0 };
  let next = state;
  let freed = 0;
  const handles: number[] = [];
  sparseForEach(cached.folios, (_index, handle) => {
    handles.push(...folioPieces(state.owners, handle));
    return true;
  });
  for (const handle of handles) {
    const alloc = getAllocation(next.owners, handle);
    if (alloc !== undefined) freed += 2 ** alloc.order;
    next = freeBlock(next, handle, ctx.cpu, ctx.events);
  }
  // i_size 0 and no folio left; the readahead state lives in struct file, not in the mapping, so
  // the readers' file_ra_state (prev_pos too) survives.
  const emptied =
    cached.ra === undefined ? undefined : { size: 0, folios: emptySparseArray<number>(FILE_PAGES), ra: cached.ra };
  next = { ...next, pagecache: { ...next.pagecache, files: sparseSet(next.pagecache.files, file, emptied) } };
  return { state: next, freed };
}

/** The flusher: write back every dirty folio, so reclaim can drop it (mm/page-writeback.c). */
export function writebackAll<S extends WithPageCache>(state: S): { state: S; cleaned: number } {
  let owners = state.owners;
  let cleaned = 0;
  sparseForEach(state.pagecache.files, (_file, cached) => {
    sparseForEach(cached.folios, (_index, folio) => {
      for (const handle of folioPieces(owners, folio)) {
        const alloc = getAllocation(owners, handle);
        if (alloc?.dirty === true) {
          owners = setDirty(owners, handle, false);
          cleaned += 2 ** alloc.order;
        }
      }
      return true;
    });
    return true;
  });
  return { state: { ...state, owners }, cleaned };
}
