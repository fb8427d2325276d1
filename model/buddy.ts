/**
 * The buddy allocator proper, mm/page_alloc.c: free lists, expand(), __rmqueue_smallest() and
 * __free_one_page(). All functions take a ZoneState and return a new one; the caller holds
 * "the zone lock" by construction (nothing else runs during a step).
 *
 * Each exported function is a thin shell over a `...Draft` twin that works on a ZoneDraft
 * (zone.ts): the shell opens a draft on its input, runs the twin and closes the draft. Callers
 * that chain many buddy operations in one model step (pcp.ts, fallback.ts, page-alloc.ts) call
 * the twins on one draft, so the step copies the zone's structures once, not once per list_add.
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
import { EMPTY_LIST, listEditAddHead, listEditAddTail, listEditDelete, NIL } from "./persistent/linked-list.js";
import { sparseGet } from "./persistent/sparse-array.js";
import {
  closeZoneDraft,
  copyZoneState,
  draftChangePageblockRange,
  draftFields,
  draftFreeBlocks,
  draftSetFreeList,
  type FreeBlock,
  freeListIndex,
  getPfnblockMigratetype,
  openZoneDraft,
  type ZoneDraft,
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
  const next = copyZoneState(zone);
  next.nrFreePages += nrPages;
  if (mt === MIGRATE_HIGHATOMIC) next.nrFreeHighatomic += nrPages;
  return next;
}

/** account_freepages() on a draft. */
export function accountFreepagesDraft(draft: ZoneDraft, nrPages: number, mt: Migratetype): void {
  const zone = draftFields(draft);
  zone.nrFreePages += nrPages;
  if (mt === MIGRATE_HIGHATOMIC) zone.nrFreeHighatomic += nrPages;
}

/**
 * NR_FREE_PAGES_BLOCKS on a draft: __add_to_free_list() and __del_page_from_free_list() count a
 * block of pageblock order or more (the model has no MIGRATE_ISOLATE, which they leave out).
 */
function accountFreeBlocksDraft(draft: ZoneDraft, order: number, nrPages: number): void {
  if (order >= draft.zone.config.pageblockOrder) draftFields(draft).nrFreePagesBlocks += nrPages;
}

/** A free block with new free_list links (an object literal: see linked-list.ts Relinker). */
function relinkFreeBlock(block: FreeBlock, prev: number, next: number): FreeBlock {
  return { order: block.order, mt: block.mt, prev, next };
}

/** __add_to_free_list() on a draft. */
export function addToFreeListDraft(draft: ZoneDraft, pfn: number, order: number, mt: Migratetype, tail: boolean): void {
  const index = freeListIndex(order, mt);
  const list = draft.zone.freeLists[index] ?? EMPTY_LIST;
  const editor = draftFreeBlocks(draft);
  draftSetFreeList(
    draft,
    index,
    tail
      ? listEditAddTail(editor, list, pfn, { order, mt, prev: list.tail, next: NIL }, relinkFreeBlock)
      : listEditAddHead(editor, list, pfn, { order, mt, prev: NIL, next: list.head }, relinkFreeBlock),
  );
  accountFreeBlocksDraft(draft, order, 1 << order);
}

/** mm/page_alloc.c __add_to_free_list(): set_buddy_order() + list_add / list_add_tail. */
export function addToFreeList(zone: ZoneState, pfn: number, order: number, mt: Migratetype, tail: boolean): ZoneState {
  const draft = openZoneDraft(zone);
  addToFreeListDraft(draft, pfn, order, mt, tail);
  return closeZoneDraft(draft);
}

/** __del_page_from_free_list() on a draft; returns the block taken off. */
export function delFromFreeListDraft(draft: ZoneDraft, pfn: number, caller = "__del_page_from_free_list"): FreeBlock {
  const block = sparseGet(draft.zone.freeBlocks, pfn);
  if (block === undefined) throw new Error(`${caller}: pfn ${pfn} is not a free block`);
  const index = freeListIndex(block.order, block.mt);
  const list = draft.zone.freeLists[index] ?? EMPTY_LIST;
  draftSetFreeList(draft, index, listEditDelete(draftFreeBlocks(draft), list, pfn, relinkFreeBlock));
  if (!hasFault(draft.zone.config, "keep-free-blocks-count"))
    accountFreeBlocksDraft(draft, block.order, -(1 << block.order));
  return block;
}

/** mm/page_alloc.c __del_page_from_free_list(): unlink, clear PageBuddy. No free-page accounting. */
export function delFromFreeList(zone: ZoneState, pfn: number): ZoneState {
  const draft = openZoneDraft(zone);
  delFromFreeListDraft(draft, pfn);
  return closeZoneDraft(draft);
}

/** del_page_from_free_list() on a draft. */
export function delPageFromFreeListAccountedDraft(draft: ZoneDraft, pfn: number): void {
  const block = delFromFreeListDraft(draft, pfn, "del_page_from_free_list");
  accountFreepagesDraft(draft, -(1 << block.order), block.mt);
}

/** mm/page_alloc.c del_page_from_free_list(): unlink and take the pages out of NR_FREE_PAGES. */
export function delPageFromFreeListAccounted(zone: ZoneState, pfn: number): ZoneState {
  const draft = openZoneDraft(zone);
  delPageFromFreeListAccountedDraft(draft, pfn);
  return closeZoneDraft(draft);
}

/** move_to_free_list() on a draft; returns the order of the block moved. */
export function moveToFreeListDraft(draft: ZoneDraft, pfn: number, newMt: Migratetype): number {
  const block = delFromFreeListDraft(draft, pfn, "move_to_free_list");
  addToFreeListDraft(draft, pfn, block.order, newMt, true);
  accountFreepagesDraft(draft, -(1 << block.order), block.mt);
  accountFreepagesDraft(draft, 1 << block.order, newMt);
  return block.order;
}

/** mm/page_alloc.c move_to_free_list(): list_move_tail to another type's list, moving the accounting too. */
export function moveToFreeList(zone: ZoneState, pfn: number, newMt: Migratetype): ZoneState {
  const draft = openZoneDraft(zone);
  moveToFreeListDraft(draft, pfn, newMt);
  return closeZoneDraft(draft);
}

/** expand() on a draft; returns the number of pages put back. */
export function expandDraft(draft: ZoneDraft, pfn: number, low: number, high: number, mt: Migratetype): number {
  const loseRemainder = hasFault(draft.zone.config, "lose-expand-remainder");
  let nrAdded = 0;
  for (let order = high - 1; order >= low; order--) {
    const size = 1 << order;
    if (order === low && loseRemainder) continue;
    addToFreeListDraft(draft, pfn + size, order, mt, false);
    nrAdded += size;
  }
  return nrAdded;
}

/**
 * mm/page_alloc.c expand(): split a block of order `high` down to `low`, putting each upper
 * half at the head of the `mt` list. Returns the pages put back, so the caller can account.
 */
export function expand(zone: ZoneState, pfn: number, low: number, high: number, mt: Migratetype) {
  const draft = openZoneDraft(zone);
  const nrAdded = expandDraft(draft, pfn, low, high, mt);
  return { zone: closeZoneDraft(draft), nrAdded };
}

/** page_del_and_expand() on a draft. */
export function pageDelAndExpandDraft(draft: ZoneDraft, pfn: number, low: number, high: number, mt: Migratetype): void {
  delFromFreeListDraft(draft, pfn);
  const nrAdded = expandDraft(draft, pfn, low, high, mt);
  accountFreepagesDraft(draft, -((1 << high) - nrAdded), mt);
}

/** mm/page_alloc.c page_del_and_expand(): take a free block off its list and split off the rest. */
export function pageDelAndExpand(zone: ZoneState, pfn: number, low: number, high: number, mt: Migratetype): ZoneState {
  const draft = openZoneDraft(zone);
  pageDelAndExpandDraft(draft, pfn, low, high, mt);
  return closeZoneDraft(draft);
}

export interface Taken {
  readonly zone: ZoneState;
  readonly pfn: number;
}

/** __rmqueue_smallest() on a draft: the pfn taken, or undefined. */
export function rmqueueSmallestDraft(
  draft: ZoneDraft,
  order: number,
  mt: Migratetype,
  events: EventSink,
): number | undefined {
  const zone = draft.zone;
  const lists = zone.freeLists;
  for (let current = order; current <= zone.config.maxPageOrder; current++) {
    const pfn = (lists[freeListIndex(current, mt)] ?? EMPTY_LIST).head;
    if (pfn === -1) continue;
    emit(events, {
      name: "mm_page_alloc_zone_locked",
      pfn,
      order,
      migratetype: mt,
      percpu_refill: pcpAllowedOrder(zone.config, order) && mt < MIGRATE_PCPTYPES,
    });
    pageDelAndExpandDraft(draft, pfn, order, current, mt);
    return pfn;
  }
  return undefined;
}

/** mm/page_alloc.c __rmqueue_smallest(): the head of the smallest non-empty list of this type. */
export function rmqueueSmallest(zone: ZoneState, order: number, mt: Migratetype, events: EventSink): Taken | undefined {
  const draft = openZoneDraft(zone);
  const pfn = rmqueueSmallestDraft(draft, order, mt, events);
  const next = closeZoneDraft(draft);
  return pfn === undefined ? undefined : { zone: next, pfn };
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

/** __free_one_page() on a draft. */
export function freeOnePageDraft(
  draft: ZoneDraft,
  startPfn: number,
  startOrder: number,
  mt: Migratetype,
  toTail: boolean,
  capc?: CaptureControl,
  events?: EventSink,
): void {
  const config = draft.zone.config;
  accountFreepagesDraft(draft, 1 << startOrder, mt);
  if (hasFault(config, "double-count-free")) accountFreepagesDraft(draft, 1 << startOrder, mt);
  let pfn = startPfn;
  let order = startOrder;
  let buddyPfn = findBuddyPfn(draft.zone, pfn, order);
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
          change_ownership: getPfnblockMigratetype(draft.zone, pfn) === capc.migratetype,
        });
      }
      accountFreepagesDraft(draft, -(1 << order), mt);
      return;
    }
    if (order >= 1 && hasFault(config, "skip-merge")) break;
    buddyPfn = findBuddyPfn(draft.zone, pfn, order);
    if (!isFreeBuddy(draft.zone, buddyPfn, order)) break;
    let buddyMt = mt;
    if (order >= config.pageblockOrder) {
      // Free pages in pageblocks without fallbacks (highatomic, isolate, CMA) must not merge
      // with normal ones, or their accounting would go wrong.
      buddyMt = getPfnblockMigratetype(draft.zone, buddyPfn);
      if (mt !== buddyMt && (!migratetypeIsMergeable(mt) || !migratetypeIsMergeable(buddyMt))) break;
    }
    delFromFreeListDraft(draft, buddyPfn);
    // Match the buddy's type (all its pageblocks) so a later expand() puts sub-blocks on the right lists.
    if (buddyMt !== mt) draftChangePageblockRange(draft, buddyPfn, order, mt);
    pfn &= buddyPfn;
    order++;
  }
  const tail = toTail || buddyMergeLikely(draft.zone, pfn, buddyPfn, order);
  addToFreeListDraft(draft, pfn, order, mt, tail);
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
  const draft = openZoneDraft(zone);
  freeOnePageDraft(draft, startPfn, startOrder, mt, toTail, capc, events);
  return closeZoneDraft(draft);
}

/** split_large_buddy() on a draft. */
export function splitLargeBuddyDraft(
  draft: ZoneDraft,
  pfn: number,
  order: number,
  toTail: boolean,
  capc?: CaptureControl,
  events?: EventSink,
): void {
  const end = pfn + (1 << order);
  const chunkOrder = Math.min(order, draft.zone.config.pageblockOrder);
  for (let p = pfn; p < end; p += 1 << chunkOrder) {
    freeOnePageDraft(draft, p, chunkOrder, getPfnblockMigratetype(draft.zone, p), toTail, capc, events);
  }
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
  const draft = openZoneDraft(zone);
  splitLargeBuddyDraft(draft, pfn, order, toTail, capc, events);
  return closeZoneDraft(draft);
}
