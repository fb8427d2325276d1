/**
 * Who owns each allocated block: the model's struct page for allocated memory, and its
 * mm/page_owner.c. Handles are stable names for allocations (a migrated folio keeps its
 * handle while its pfn changes); `byPfn` answers "what is at this pfn" for compaction and
 * for prep_move_freepages_block().
 */

import type { PageProbe } from "./fallback.js";
import { MIGRATE_MOVABLE, type Migratetype } from "./migratetype.js";
import { EMPTY_LIST, type Linked, type ListHead, listAddHead, listDelete, listIds } from "./persistent/linked-list.js";
import {
  emptySparseArray,
  type SparseArray,
  sparseForEachInRange,
  sparseGet,
  sparseSet,
} from "./persistent/sparse-array.js";

/**
 * What an allocated block is used for. It decides what compaction and reclaim can do with it:
 * LRU pages (anonymous memory, page cache) migrate; page cache reclaims when clean; page
 * tables and other kernel memory stay where they are.
 */
export type PageUse = "anon" | "pagecache" | "pgtable" | "kernel" | "slab";

export interface Allocation {
  readonly handle: number;
  /** Page cache only: written but not yet written back, so reclaim cannot drop it. */
  readonly dirty?: boolean;
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
  /** Head pfn -> handle. */
  readonly byPfn: SparseArray<number>;
  readonly nextHandle: number;
  /**
   * The file LRU (one list: no active/inactive split, no refaults): page-cache folios by
   * handle, newest at the head; reclaim takes from the tail. Anonymous memory is not on it:
   * without swap it cannot be reclaimed.
   */
  readonly lruNodes: SparseArray<Linked>;
  readonly lru: ListHead;
}

/** Handles are never reused within a run; 2^30 of them outlast any generated sequence. */
const HANDLE_CAPACITY = 1 << 30;

export function emptyPageOwners(nrPages: number): PageOwners {
  return {
    byHandle: emptySparseArray(HANDLE_CAPACITY),
    byPfn: emptySparseArray(nrPages),
    nextHandle: 1,
    lruNodes: emptySparseArray(HANDLE_CAPACITY),
    lru: EMPTY_LIST,
  };
}

/** On the file LRU: page cache, which reclaim may drop when clean. */
export function isFileLru(use: PageUse): boolean {
  return use === "pagecache";
}

/** PageLRU() || __PageMovable(): can compaction isolate and migrate it? */
export function isMovableUse(use: PageUse): boolean {
  return use === "anon" || use === "pagecache";
}

/** The use an allocation gets when the op does not say: movable memory is anonymous. */
export function defaultUseFor(mt: Migratetype): PageUse {
  return mt === MIGRATE_MOVABLE ? "anon" : "kernel";
}

export function recordAllocation(
  owners: PageOwners,
  alloc: Omit<Allocation, "handle">,
): { owners: PageOwners; handle: number } {
  const handle = owners.nextHandle;
  let next: PageOwners = {
    ...owners,
    byHandle: sparseSet(owners.byHandle, handle, { ...alloc, handle }),
    byPfn: sparseSet(owners.byPfn, alloc.pfn, handle),
    nextHandle: handle + 1,
  };
  // folio_add_lru(): new page cache goes on the LRU's head.
  if (isFileLru(alloc.use)) {
    const update = listAddHead(next.lruNodes, next.lru, handle, { prev: -1, next: -1 });
    next = { ...next, lruNodes: update.nodes, lru: update.list };
  }
  return { owners: next, handle };
}

/** Marks page cache dirty (a write) or clean (writeback done). */
export function setDirty(owners: PageOwners, handle: number, dirty: boolean): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  if ((alloc.dirty ?? false) === dirty) return owners;
  return { ...owners, byHandle: sparseSet(owners.byHandle, handle, { ...alloc, dirty }) };
}

/** The file LRU from oldest to newest, as reclaim scans it. */
export function lruOldestFirst(owners: PageOwners): number[] {
  return listIds(owners.lruNodes, owners.lru).reverse();
}

export function getAllocation(owners: PageOwners, handle: number): Allocation | undefined {
  return sparseGet(owners.byHandle, handle);
}

export function allocationAt(owners: PageOwners, pfn: number): Allocation | undefined {
  const handle = sparseGet(owners.byPfn, pfn);
  return handle === undefined ? undefined : sparseGet(owners.byHandle, handle);
}

export function releaseAllocation(owners: PageOwners, handle: number): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  let next: PageOwners = {
    ...owners,
    byHandle: sparseSet(owners.byHandle, handle, undefined),
    byPfn: sparseSet(owners.byPfn, alloc.pfn, undefined),
  };
  if (sparseGet(next.lruNodes, handle) !== undefined) {
    const update = listDelete(next.lruNodes, next.lru, handle);
    next = { ...next, lruNodes: update.nodes, lru: update.list };
  }
  return next;
}

/** The folio moved (migration): same handle, new pfn. */
export function moveAllocation(owners: PageOwners, handle: number, newPfn: number): PageOwners {
  const alloc = sparseGet(owners.byHandle, handle);
  if (alloc === undefined) throw new Error(`no allocation with handle ${handle}`);
  return {
    ...owners,
    byHandle: sparseSet(owners.byHandle, handle, { ...alloc, pfn: newPfn }),
    byPfn: sparseSet(sparseSet(owners.byPfn, alloc.pfn, undefined), newPfn, handle),
  };
}

export function forEachAllocationInRange(
  owners: PageOwners,
  start: number,
  end: number,
  fn: (a: Allocation) => void,
): void {
  // A block starting before `start` may reach into the range; blocks are aligned to their order,
  // so only heads at or after the aligned-down start of the largest block could. Callers ask
  // about whole pageblocks, which no allocation below pageblock order straddles.
  sparseForEachInRange(owners.byPfn, start, end, (_pfn, handle) => {
    const alloc = sparseGet(owners.byHandle, handle);
    if (alloc !== undefined) fn(alloc);
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
