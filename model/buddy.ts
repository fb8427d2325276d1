/**
 * The buddy allocator proper, mm/page_alloc.c: free lists, expand(), __rmqueue_smallest() and
 * __free_one_page(). All functions take a ZoneState and return a new one; the caller holds
 * "the zone lock" by construction (nothing else runs during a step).
 */

import { type EventSink, emit } from "./events.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  type Migratetype,
  migratetypeIsMergeable,
} from "./migratetype.js";
import { pcpAllowedOrder } from "./pcp-index.js";
import { listAddHead, listAddTail, listDelete } from "./persistent/linked-list.js";
import { sparseGet } from "./persistent/sparse-array.js";
import {
  changePageblockRange,
  type FreeBlock,
  freeList,
  freeListIndex,
  getPfnblockMigratetype,
  type ZoneState,
} from "./zone.js";
import { hasFault } from "./zone-config.js";

/** mm/internal.h __find_buddy_pfn(): the buddy of a block differs in exactly bit `order`. */
export function findBuddyPfn(zone: ZoneState, pfn: number, order: number): number {
  if (hasFault(zone.config, "wrong-buddy-pfn")) return pfn + (1 << order);
  return pfn ^ (1 << order);
}

/**
 * mm/internal.h find_buddy_page_pfn() + page_is_buddy(): the buddy counts only if it is the
 * head of a free block of exactly this order inside the zone.
 */
export function isFreeBuddy(zone: ZoneState, buddyPfn: number, order: number): boolean {
  if (buddyPfn < 0 || buddyPfn >= zone.config.nrPages) return false;
  return sparseGet(zone.freeBlocks, buddyPfn)?.order === order;
}

/** mm/page_alloc.c account_freepages(): NR_FREE_PAGES, and NR_FREE_HIGHATOMIC for that type. */
export function accountFreepages(zone: ZoneState, nrPages: number, mt: Migratetype): ZoneState {
  return {
    ...zone,
    nrFreePages: zone.nrFreePages + nrPages,
    nrFreeHighatomic: mt === MIGRATE_HIGHATOMIC ? zone.nrFreeHighatomic + nrPages : zone.nrFreeHighatomic,
  };
}

function withList(
  zone: ZoneState,
  index: number,
  update: { nodes: ZoneState["freeBlocks"]; list: ZoneState["freeLists"][number] },
): ZoneState {
  const freeLists = zone.freeLists.slice();
  freeLists[index] = update.list;
  return { ...zone, freeBlocks: update.nodes, freeLists };
}

/** mm/page_alloc.c __add_to_free_list(): set_buddy_order() + list_add / list_add_tail. */
export function addToFreeList(zone: ZoneState, pfn: number, order: number, mt: Migratetype, tail: boolean): ZoneState {
  const index = freeListIndex(order, mt);
  const node: FreeBlock = { order, mt, prev: -1, next: -1 };
  const list = freeList(zone, order, mt);
  const update = tail ? listAddTail(zone.freeBlocks, list, pfn, node) : listAddHead(zone.freeBlocks, list, pfn, node);
  return withList(zone, index, update);
}

/** mm/page_alloc.c __del_page_from_free_list(): unlink, clear PageBuddy. No free-page accounting. */
export function delFromFreeList(zone: ZoneState, pfn: number): ZoneState {
  const block = sparseGet(zone.freeBlocks, pfn);
  if (block === undefined) throw new Error(`__del_page_from_free_list: pfn ${pfn} is not a free block`);
  const index = freeListIndex(block.order, block.mt);
  return withList(zone, index, listDelete(zone.freeBlocks, freeList(zone, block.order, block.mt), pfn));
}

/** mm/page_alloc.c del_page_from_free_list(): unlink and take the pages out of NR_FREE_PAGES. */
export function delPageFromFreeListAccounted(zone: ZoneState, pfn: number): ZoneState {
  const block = sparseGet(zone.freeBlocks, pfn);
  if (block === undefined) throw new Error(`del_page_from_free_list: pfn ${pfn} is not a free block`);
  return accountFreepages(delFromFreeList(zone, pfn), -(1 << block.order), block.mt);
}

/** mm/page_alloc.c move_to_free_list(): list_move_tail to another type's list, moving the accounting too. */
export function moveToFreeList(zone: ZoneState, pfn: number, newMt: Migratetype): ZoneState {
  const block = sparseGet(zone.freeBlocks, pfn);
  if (block === undefined) throw new Error(`move_to_free_list: pfn ${pfn} is not a free block`);
  const moved = addToFreeList(delFromFreeList(zone, pfn), pfn, block.order, newMt, true);
  return accountFreepages(accountFreepages(moved, -(1 << block.order), block.mt), 1 << block.order, newMt);
}

/**
 * mm/page_alloc.c expand(): split a block of order `high` down to `low`, putting each upper
 * half at the head of the `mt` list. Returns the pages put back, so the caller can account.
 */
export function expand(zone: ZoneState, pfn: number, low: number, high: number, mt: Migratetype) {
  let next = zone;
  let nrAdded = 0;
  for (let order = high - 1; order >= low; order--) {
    const size = 1 << order;
    if (order === low && hasFault(zone.config, "lose-expand-remainder")) continue;
    next = addToFreeList(next, pfn + size, order, mt, false);
    nrAdded += size;
  }
  return { zone: next, nrAdded };
}

/** mm/page_alloc.c page_del_and_expand(): take a free block off its list and split off the rest. */
export function pageDelAndExpand(zone: ZoneState, pfn: number, low: number, high: number, mt: Migratetype): ZoneState {
  const expanded = expand(delFromFreeList(zone, pfn), pfn, low, high, mt);
  return accountFreepages(expanded.zone, -((1 << high) - expanded.nrAdded), mt);
}

export interface Taken {
  readonly zone: ZoneState;
  readonly pfn: number;
}

/** mm/page_alloc.c __rmqueue_smallest(): the head of the smallest non-empty list of this type. */
export function rmqueueSmallest(zone: ZoneState, order: number, mt: Migratetype, events: EventSink): Taken | undefined {
  for (let current = order; current <= zone.config.maxPageOrder; current++) {
    const pfn = freeList(zone, current, mt).head;
    if (pfn === -1) continue;
    emit(events, {
      name: "mm_page_alloc_zone_locked",
      pfn,
      order,
      migratetype: mt,
      percpu_refill: pcpAllowedOrder(zone.config, order) && mt < MIGRATE_PCPTYPES,
    });
    return { zone: pageDelAndExpand(zone, pfn, order, current, mt), pfn };
  }
  return undefined;
}

/**
 * mm/page_alloc.c buddy_merge_likely(): if the buddy of the block we would merge into is free,
 * this block is likely to merge soon, so it goes to the list tail where allocations (which
 * take the head) leave it alone.
 */
function buddyMergeLikely(zone: ZoneState, pfn: number, buddyPfn: number, order: number): boolean {
  if (order >= zone.config.maxPageOrder - 1) return false;
  const higherPfn = buddyPfn & pfn;
  return isFreeBuddy(zone, findBuddyPfn(zone, higherPfn, order + 1), order + 1);
}

/**
 * struct capture_control: a direct compactor waiting for a free block of exactly its order.
 * Published for the duration of compact_zone(), like current->capture_control; the free path
 * writes the captured pfn into `page`, as __free_one_page() writes capc->page.
 */
export interface CaptureControl {
  readonly order: number;
  readonly migratetype: Migratetype;
  page: number | undefined;
}

/** mm/page_alloc.c compaction_capture(): hand a just-merged block to the waiting compactor? */
function compactionCapture(
  capc: CaptureControl | undefined,
  order: number,
  mt: Migratetype,
  pageblockOrder: number,
): boolean {
  if (capc === undefined || capc.page !== undefined || order !== capc.order) return false;
  // No CMA or isolated pageblocks exist in the model. Do not let a lower-order non-movable
  // request take a block out of a movable pageblock: that would pollute it.
  if (order < pageblockOrder && mt === MIGRATE_MOVABLE && capc.migratetype !== MIGRATE_MOVABLE) return false;
  return true;
}

/**
 * mm/page_alloc.c __free_one_page(): merge with free buddies as far as possible and put the
 * result on the list of `mt`. `toTail` is FPI_TO_TAIL.
 */
export function freeOnePage(
  zone: ZoneState,
  startPfn: number,
  startOrder: number,
  mt: Migratetype,
  toTail: boolean,
  capc?: CaptureControl,
  events?: EventSink,
): ZoneState {
  const config = zone.config;
  let next = accountFreepages(zone, 1 << startOrder, mt);
  if (hasFault(config, "double-count-free")) next = accountFreepages(next, 1 << startOrder, mt);
  let pfn = startPfn;
  let order = startOrder;
  let buddyPfn = findBuddyPfn(next, pfn, order);
  while (order < config.maxPageOrder) {
    if (compactionCapture(capc, order, mt, config.pageblockOrder) && capc !== undefined) {
      capc.page = pfn;
      if (events !== undefined && mt !== capc.migratetype) {
        emit(events, {
          name: "mm_page_alloc_extfrag",
          pfn,
          alloc_order: capc.order,
          fallback_order: order,
          alloc_migratetype: capc.migratetype,
          fallback_migratetype: mt,
          change_ownership: getPfnblockMigratetype(next, pfn) === capc.migratetype,
        });
      }
      return accountFreepages(next, -(1 << order), mt);
    }
    if (order >= 1 && hasFault(config, "skip-merge")) break;
    buddyPfn = findBuddyPfn(next, pfn, order);
    if (!isFreeBuddy(next, buddyPfn, order)) break;
    let buddyMt = mt;
    if (order >= config.pageblockOrder) {
      // Free pages in pageblocks without fallbacks (highatomic, isolate, CMA) must not merge
      // with normal ones, or their accounting would go wrong.
      buddyMt = getPfnblockMigratetype(next, buddyPfn);
      if (mt !== buddyMt && (!migratetypeIsMergeable(mt) || !migratetypeIsMergeable(buddyMt))) break;
    }
    next = delFromFreeList(next, buddyPfn);
    // Match the buddy's type (all its pageblocks) so a later expand() puts sub-blocks on the right lists.
    if (buddyMt !== mt) next = changePageblockRange(next, buddyPfn, order, mt);
    pfn &= buddyPfn;
    order++;
  }
  const tail = toTail || buddyMergeLikely(next, pfn, buddyPfn, order);
  return addToFreeList(next, pfn, order, mt, tail);
}

/**
 * mm/page_alloc.c split_large_buddy(): blocks above pageblock_order are freed one pageblock
 * at a time, each with its own pageblock's type, so a type boundary is respected.
 */
export function splitLargeBuddy(
  zone: ZoneState,
  pfn: number,
  order: number,
  toTail: boolean,
  capc?: CaptureControl,
  events?: EventSink,
): ZoneState {
  const end = pfn + (1 << order);
  const chunkOrder = Math.min(order, zone.config.pageblockOrder);
  let next = zone;
  for (let p = pfn; p < end; p += 1 << chunkOrder) {
    next = freeOnePage(next, p, chunkOrder, getPfnblockMigratetype(next, p), toTail, capc, events);
  }
  return next;
}
