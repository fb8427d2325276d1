/**
 * Who owns each allocated block: the model's struct page for allocated memory, and its
 * mm/page_owner.c. Handles are stable names for allocations (a migrated folio keeps its
 * handle while its pfn changes). What is at a pfn (for compaction and for
 * prep_move_freepages_block()) comes from `handleAt()`, which reads an index derived from the
 * handle table (pfn-index.ts).
 */

import type { PageProbe } from "./fallback.js";
import { MIGRATE_MOVABLE, type Migratetype } from "./migratetype.js";
import {
  EMPTY_LIST,
  type Linked,
  type ListHead,
  listAddHead,
  listDelete,
  listIds,
  listInsertBefore,
} from "./persistent/linked-list.js";
import {
  emptyGrowingSparseArray,
  type SparseArray,
  sparseForEachInRange,
  sparseGet,
  sparseSet,
} from "./persistent/sparse-array.js";
import { indexedHandle, newestHandle, pfnIndex } from "./pfn-index.js";

/**
 * What an allocated block is used for. It decides what compaction and reclaim can do with it:
 * LRU pages (anonymous memory, shared memory, page cache) migrate; page cache reclaims when
 * clean; page tables and other kernel memory stay where they are. Shared memory ("shmem": a
 * MAP_SHARED|MAP_ANONYMOUS region such as PostgreSQL's shared buffers, backed by shmem) is
 * swap-backed like anonymous memory, but its folios have a mapping, which matters to
 * compaction without __GFP_FS.
 */
export type PageUse = "anon" | "shmem" | "pagecache" | "pgtable" | "kernel" | "slab";

export interface Allocation {
  readonly handle: number;
  /** Page cache only: written but not yet written back, so reclaim cannot drop it. */
  readonly dirty?: boolean;
  /**
   * Page cache only: PG_readahead, set by ra_alloc_folio() on the folio whose access starts the
   * next asynchronous readahead (readahead.ts). A folio flag, so it goes when the folio goes.
   */
  readonly readahead?: boolean;
  readonly pfn: number;
  readonly order: number;
  /** The gfp mask it was allocated with. */
  readonly gfp: number;
  /** gfp_migratetype() of that mask: the free list it was asked from. */
  readonly migratetype: Migratetype;
  readonly use: PageUse;
}

export interface PageOwners {
  readonly byHandle: SparseArray<Allocation>;
  /** The zone's size: the pfns the reverse map (pfn-index.ts) covers. */
  readonly nrPages: number;
  readonly nextHandle: number;
  /**
   * The file LRU (one list: no active/inactive split, no refaults): page-cache folios by
   * handle, newest at the head; reclaim takes from the tail. Anonymous memory is not on it:
   * without swap it cannot be reclaimed.
   */
  readonly lruNodes: SparseArray<Linked>;
  readonly lru: ListHead;
  /**
   * Folios split by migration (splitAllocation()): by the handle the folio had, its pieces. The
   * head page keeps that handle; the page at offset j >= 1 has handle `firstTail + j - 1`. The
   * page cache finds a split folio's pages through this (filemap.ts findFolio()).
   */
  readonly splitTails: SparseArray<SplitTails>;
}

export interface SplitTails {
  readonly firstTail: number;
  /** Pages the folio had: 2^order before the split. */
  readonly pages: number;
}

/**
 * Handles are never reused within a run; 2^30 of them outlast any generated sequence. They are
 * handed out 1, 2, 3...: the tables keyed by handle are growing tries (sparse-array.ts), as
 * deep as the handles used so far need (3 levels for the first 32768) rather than the 6 that
 * 2^30 would take from the start.
 */
const HANDLE_CAPACITY = 1 << 30;

/**
 * Every PageOwners is built here, as one object literal: V8 copies a literal fast, but a spread
 * of a spread (`{ ...owners, ... }` step after step) on a slow path.
 */
function makeOwners(
  byHandle: SparseArray<Allocation>,
  nrPages: number,
  nextHandle: number,
  lruNodes: SparseArray<Linked>,
  lru: ListHead,
  splitTails: SparseArray<SplitTails>,
): PageOwners {
  return { byHandle, nrPages, nextHandle, lruNodes, lru, splitTails };
}

/** Nothing allocated yet: page_owner's view of a freshly booted zone. */
export function emptyPageOwners(nrPages: number): PageOwners {
  return makeOwners(
    emptyGrowingSparseArray(HANDLE_CAPACITY),
    nrPages,
    1,
    emptyGrowingSparseArray(HANDLE_CAPACITY),
    EMPTY_LIST,
    emptyGrowingSparseArray(HANDLE_CAPACITY),
  );
}

/** On the file LRU: page cache, which reclaim may drop when clean. */
export function isFileLru(use: PageUse): boolean {
  return use === "pagecache";
}

/** PageLRU() || __PageMovable(): can compaction isolate and migrate it? */
export function isMovableUse(use: PageUse): boolean {
  return use === "anon" || use === "shmem" || use === "pagecache";
}

/** The use an allocation gets when the op does not say: movable memory is anonymous. */
export function defaultUseFor(mt: Migratetype): PageUse {
  return mt === MIGRATE_MOVABLE ? "anon" : "kernel";
}

/**
 * The stored Allocation: `{ ...alloc, handle }`, written as a literal for the usual shape (no
 * dirty flag), with the same fields in the same order; see makeOwners() for why.
 */
function withHandle(alloc: Omit<Allocation, "handle">, handle: number): Allocation {
  if ("dirty" in alloc) return { ...alloc, handle };
  return { pfn: alloc.pfn, order: alloc.order, gfp: alloc.gfp, migratetype: alloc.migratetype, use: alloc.use, handle };
}

/** set_page_owner() (and folio_add_lru() for page cache): a new allocation gets its handle. */
export function recordAllocation(
  owners: PageOwners,
  alloc: Omit<Allocation, "handle">,
): { owners: PageOwners; handle: number } {
  const handle = owners.nextHandle;
  const byHandle = sparseSet(owners.byHandle, handle, withHandle(alloc, handle));
  // folio_add_lru(): new page cache goes on the LRU's head.
  if (isFileLru(alloc.use)) {
    const update = listAddHead(owners.lruNodes, owners.lru, handle, { prev: -1, next: -1 });
    return {
      owners: makeOwners(byHandle, owners.nrPages, handle + 1, update.nodes, update.list, owners.splitTails),
      handle,
    };
  }
  return {
    owners: makeOwners(byHandle, owners.nrPages, handle + 1, owners.lruNodes, owners.lru, owners.splitTails),
    handle,
  };
}

/** Sets or clears one of a page-cache folio's flags. */
function setFolioFlag(owners: PageOwners, handle: number, flag: "dirty" | "readahead", value: boolean): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  if ((alloc[flag] ?? false) === value) return owners;
  const byHandle = sparseSet(owners.byHandle, handle, { ...alloc, [flag]: value });
  return makeOwners(byHandle, owners.nrPages, owners.nextHandle, owners.lruNodes, owners.lru, owners.splitTails);
}

/** Marks page cache dirty (a write) or clean (writeback done). */
export function setDirty(owners: PageOwners, handle: number, dirty: boolean): PageOwners {
  return setFolioFlag(owners, handle, "dirty", dirty);
}

/** folio_set_readahead() / folio_test_clear_readahead() */
export function setReadahead(owners: PageOwners, handle: number, readahead: boolean): PageOwners {
  return setFolioFlag(owners, handle, "readahead", readahead);
}

/** The file LRU from oldest to newest, as reclaim scans it. */
export function lruOldestFirst(owners: PageOwners): number[] {
  return listIds(owners.lruNodes, owners.lru).reverse();
}

/** The allocation behind a handle (the model's name for a struct page * the caller holds). */
export function getAllocation(owners: PageOwners, handle: number): Allocation | undefined {
  return sparseGet(owners.byHandle, handle);
}

/** The handle of the allocation whose head is at `pfn`, if any. */
export function handleAt(owners: PageOwners, pfn: number): number | undefined {
  return indexedHandle(pfnIndex(owners.byHandle, owners.nrPages), pfn);
}

/** pfn_to_page(pfn) + its page_owner: the live allocation whose head is at `pfn`. */
export function allocationAt(owners: PageOwners, pfn: number): Allocation | undefined {
  const handle = handleAt(owners, pfn);
  return handle === undefined ? undefined : sparseGet(owners.byHandle, handle);
}

/** __reset_page_owner() (and the folio leaving the LRU): the handle no longer holds pages. */
export function releaseAllocation(owners: PageOwners, handle: number): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  const byHandle = sparseSet(owners.byHandle, handle, undefined);
  if (sparseGet(owners.lruNodes, handle) !== undefined) {
    const update = listDelete(owners.lruNodes, owners.lru, handle);
    return makeOwners(byHandle, owners.nrPages, owners.nextHandle, update.nodes, update.list, owners.splitTails);
  }
  return makeOwners(byHandle, owners.nrPages, owners.nextHandle, owners.lruNodes, owners.lru, owners.splitTails);
}

/** The folio moved (migration): same handle, new pfn. */
export function moveAllocation(owners: PageOwners, handle: number, newPfn: number): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  return makeOwners(
    sparseSet(owners.byHandle, handle, { ...alloc, pfn: newPfn }),
    owners.nrPages,
    owners.nextHandle,
    owners.lruNodes,
    owners.lru,
    owners.splitTails,
  );
}

/**
 * mm/huge_memory.c split_folio(): the folio becomes 2^order order-0 folios in place. The head
 * page keeps the handle; each tail page gets a new one (handles handed out in pfn order), with
 * the head's gfp, use and dirty state. Page cache tails go on the file LRU next to the head, on
 * its newer side, as lru_add_split_folio() puts them. PG_readahead stays on the head alone:
 * __split_folio_to_order() copies a fixed set of flags to the tails (PG_dirty, PG_uptodate,
 * PG_active...), and it is not among them. Returns the pieces, head first.
 */
export function splitAllocation(owners: PageOwners, handle: number): { owners: PageOwners; pieces: Allocation[] } {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  const pages = 1 << alloc.order;
  if (pages === 1) return { owners, pieces: [alloc] };
  const head: Allocation = { ...alloc, order: 0 };
  const { readahead: _onTheHeadOnly, ...tailFields } = head;
  let byHandle = sparseSet(owners.byHandle, handle, head);
  let lruNodes = owners.lruNodes;
  let lru = owners.lru;
  const onLru = sparseGet(lruNodes, handle) !== undefined;
  const pieces: Allocation[] = [head];
  const firstTail = owners.nextHandle;
  for (let offset = 1; offset < pages; offset++) {
    const tail: Allocation = { ...tailFields, pfn: alloc.pfn + offset, handle: firstTail + offset - 1 };
    byHandle = sparseSet(byHandle, tail.handle, tail);
    if (onLru) {
      const update = listInsertBefore(lruNodes, lru, handle, tail.handle, { prev: -1, next: -1 });
      lruNodes = update.nodes;
      lru = update.list;
    }
    pieces.push(tail);
  }
  const splitTails = sparseSet(owners.splitTails, handle, { firstTail, pages });
  return {
    owners: makeOwners(byHandle, owners.nrPages, firstTail + pages - 1, lruNodes, lru, splitTails),
    pieces,
  };
}

/**
 * The handles of what was one folio, head first: `handle` itself, and if migration split it
 * (splitAllocation()), every tail page's. Some may have been freed since.
 */
export function folioPieces(owners: PageOwners, handle: number): number[] {
  const split = sparseGet(owners.splitTails, handle);
  if (split === undefined) return [handle];
  return [handle, ...Array.from({ length: split.pages - 1 }, (_, i) => split.firstTail + i)];
}

/** The allocated blocks whose heads lie in [start, end), in pfn order: a pfn walk such as isolate_migratepages_block()'s. */
export function forEachAllocationInRange(
  owners: PageOwners,
  start: number,
  end: number,
  fn: (a: Allocation, headPfn: number) => void,
): void {
  // A block starting before `start` may reach into the range; blocks are aligned to their order,
  // so only heads at or after the aligned-down start of the largest block could. Callers ask
  // about whole pageblocks, which no allocation below pageblock order straddles.
  const index = pfnIndex(owners.byHandle, owners.nrPages);
  sparseForEachInRange(index, start, end, (pfn, entry) => {
    const alloc = sparseGet(owners.byHandle, newestHandle(entry));
    if (alloc !== undefined) fn(alloc, pfn);
    return true;
  });
}

/** The PageProbe the zone mechanisms use to ask about allocated pages. */
export function pageProbe(owners: PageOwners): PageProbe {
  return {
    movablePagesInRange(start, end) {
      let movable = 0;
      forEachAllocationInRange(owners, start, end, (a) => {
        if (isMovableUse(a.use)) movable += Math.min(1 << a.order, end - a.pfn);
      });
      return movable;
    },
  };
}
