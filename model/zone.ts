/**
 * The state of one zone: include/linux/mmzone.h struct zone, struct free_area,
 * struct per_cpu_pages, plus the pageblock bitmap (include/linux/pageblock-flags.h).
 *
 * One node, one zone (ZONE_NORMAL) starting at pfn 0. Everything here is immutable; the
 * mechanisms that change a zone (buddy.ts, fallback.ts, pcp.ts, ...) return new ZoneStates
 * that share every untouched subtree with the old one.
 */

import { MIGRATE_MOVABLE, MIGRATE_TYPES, type Migratetype } from "./migratetype.js";
import { pindexToOrder } from "./pcp-index.js";
import {
  type Deque,
  type DequeEditor,
  dequeEdit,
  dequeEditDone,
  dequeForEach,
  EMPTY_DEQUE,
} from "./persistent/chunked-deque.js";
import { EMPTY_LIST, type Linked, type ListHead } from "./persistent/linked-list.js";
import {
  emptySparseArray,
  type SparseArray,
  type SparseEditor,
  sparseEdit,
  sparseEditDone,
  sparseEditSet,
  sparseGet,
  sparseSet,
} from "./persistent/sparse-array.js";
import { buildZoneConfig, type ZoneConfig, type ZoneConfigInput } from "./zone-config.js";

export type { ZoneConfig, ZoneConfigInput } from "./zone-config.js";

/** A free buddy block, keyed by its head pfn: PageBuddy + buddy_order + its free_list links. */
export interface FreeBlock extends Linked {
  readonly order: number;
  /** The free_list this block sits on (free_area[order].free_list[mt]). */
  readonly mt: Migratetype;
}

/**
 * A page (of order <= PAGE_ALLOC_COSTLY_ORDER, or the THP order) on a per-CPU list, as views
 * and invariants see it (`forEachPcpPage`). The zone itself keeps only the lists.
 */
export interface PcpPage {
  readonly order: number;
  readonly cpu: number;
  readonly pindex: number;
}

/** struct per_cpu_pages, minus the lock. */
export interface PerCpuPages {
  /**
   * lists[pindex] (see pcp.ts orderToPindex()): the pfns of the blocks on each list, head
   * first. A deque, not a linked list through a pfn-keyed trie: pcp lists are only used at
   * their ends (persistent/chunked-deque.ts says why that matters).
   */
  readonly lists: readonly Deque[];
  /** pcp->count, in pages. */
  readonly count: number;
  /**
   * pcp->high: spill to the buddy lists at this many pages. Auto-tuned (6.7+) between the
   * config's pcpHighMin and pcpHighMax by nr_pcp_alloc(), nr_pcp_high() and decay_pcp_high()
   * (pcp.ts). Starts at 0, as per_cpu_pages_init() leaves it; nr_pcp_alloc() and nr_pcp_high()
   * clamp it into [high_min, high_max] before using it (decay_pcp_high() does not).
   */
  readonly high: number;
  /** pcp->free_count: recent consecutive frees, which scale the next free_pcppages_bulk batch. */
  readonly freeCount: number;
  /** PCPF_PREV_FREE_HIGH_ORDER: the last free to this pcp was of order 1..3. */
  readonly prevFreeHighOrder: boolean;
  /**
   * pcp->alloc_factor: order-0 refills in a row without a free in between, at most
   * CONFIG_PCP_BATCH_SCALE_MAX; each doubles the next order-0 refill (nr_pcp_alloc()), each free
   * halves it.
   */
  readonly allocFactor: number;
}

export interface Watermarks {
  readonly min: number;
  readonly low: number;
  readonly high: number;
  readonly promo: number;
}

/** struct zone's compaction fields (include/linux/mmzone.h, CONFIG_COMPACTION). */
export interface ZoneCompaction {
  /** compact_considered: compactions skipped since the last deferral. */
  readonly considered: number;
  /** compact_defer_shift: skip up to 1 << shift attempts (at most COMPACT_MAX_DEFER_SHIFT). */
  readonly deferShift: number;
  /** compact_order_failed: orders below it are never deferred. */
  readonly orderFailed: number;
  /** compact_cached_migrate_pfn[0] (async) and [1] (sync): where the migrate scanner resumes. */
  readonly cachedMigratePfn: readonly [number, number];
  /** compact_cached_free_pfn: where the free scanner resumes (a pageblock start). */
  readonly cachedFreePfn: number;
  /** compact_init_migrate_pfn: a run starting at or below it counts as whole-zone. */
  readonly initMigratePfn: number;
  /** compact_init_free_pfn */
  readonly initFreePfn: number;
  /** compact_blockskip_flush: a direct compaction finished a pass; kswapd clears skip bits when it sleeps. */
  readonly blockskipFlush: boolean;
  /**
   * Model-only, for the compact-once policy: by order, the pagesFreed clock when a direct
   * compaction of that order last failed (undefined: no failure remembered).
   */
  readonly failedAt: readonly (number | undefined)[];
}

export interface ZoneState {
  readonly config: ZoneConfig;
  /** Free buddy blocks by head pfn. */
  readonly freeBlocks: SparseArray<FreeBlock>;
  /** free_area[order].free_list[mt], flattened: index order * MIGRATE_TYPES + mt. */
  readonly freeLists: readonly ListHead[];
  /** The migratetype of each pageblock, by pageblock index (pfn >> pageblock_order). */
  readonly pageblockMt: SparseArray<Migratetype>;
  /** PB_migrate_skip: compaction's per-pageblock "nothing to isolate here" hint. */
  readonly pageblockSkip: SparseArray<true>;
  readonly pcp: readonly PerCpuPages[];
  /** NR_FREE_PAGES: pages in the buddy lists; pcp pages are not counted. */
  readonly nrFreePages: number;
  /** NR_FREE_HIGHATOMIC: the part of nrFreePages on MIGRATE_HIGHATOMIC lists. */
  readonly nrFreeHighatomic: number;
  /**
   * NR_FREE_PAGES_BLOCKS (6.15+): the part of nrFreePages in free blocks of pageblock order or
   * more, kept by __add_to_free_list() / __del_page_from_free_list(). Under vm.defrag_mode,
   * kswapd and kcompactd count only these pages toward their watermarks.
   */
  readonly nrFreePagesBlocks: number;
  /** zone->_watermark[] */
  readonly watermark: Watermarks;
  /** zone->watermark_boost */
  readonly watermarkBoost: number;
  /** ZONE_BOOSTED_WATERMARK: rmqueue() wakes kswapd once when set. */
  readonly boostedWatermark: boolean;
  /**
   * ZONE_RECLAIM_ACTIVE: kswapd is balancing the node (set_reclaim_active() .. clear_reclaim_active()
   * in balance_pgdat()); nr_pcp_high() then keeps at most batch * 4 pages on a pcp.
   */
  readonly reclaimActive: boolean;
  /**
   * ZONE_BELOW_HIGH: an allocation found the zone below its high watermark
   * (get_page_from_freelist()). While set, refills no longer raise pcp->high and every free to a
   * pcp lowers it (nr_pcp_high()); a spill that leaves the zone above the high watermark clears
   * it (free_frozen_page_commit()).
   */
  readonly belowHigh: boolean;
  /** zone->nr_reserved_highatomic, in pages. */
  readonly nrReservedHighatomic: number;
  readonly compaction: ZoneCompaction;
  /**
   * Model-only: pages freed back to the allocator other than by compaction itself (frees,
   * reclaim, exits). A clock that only moves when something could have made room.
   */
  readonly pagesFreed: number;
}

/** mm/compaction.c reset_cached_positions(): scanners start at the two ends of the zone. */
export function initialCachedPositions(config: ZoneConfig) {
  const lastPageblock = (config.nrPages - 1) & ~((1 << config.pageblockOrder) - 1);
  return { cachedMigratePfn: [0, 0] as const, cachedFreePfn: lastPageblock };
}

/** Which of the flattened lists is free_area[order].free_list[mt]. */
export function freeListIndex(order: number, mt: Migratetype): number {
  return order * MIGRATE_TYPES + mt;
}

/** &zone->free_area[order].free_list[mt] */
export function freeList(zone: ZoneState, order: number, mt: Migratetype): ListHead {
  return zone.freeLists[freeListIndex(order, mt)] ?? EMPTY_LIST;
}

/** free_area_empty() */
export function freeAreaEmpty(zone: ZoneState, order: number, mt: Migratetype): boolean {
  return freeList(zone, order, mt).length === 0;
}

/** free_area[order].nr_free: the number of free blocks of this order, over all migratetypes. */
export function freeAreaNrFree(zone: ZoneState, order: number): number {
  let n = 0;
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) n += freeList(zone, order, mt as Migratetype).length;
  return n;
}

/** pageblock_nr_pages */
export function pageblockNrPages(config: ZoneConfig): number {
  return 1 << config.pageblockOrder;
}

/** The zone's pageblocks (zone->spanned_pages >> pageblock_order; the model's zone starts at pfn 0). */
export function nrPageblocks(config: ZoneConfig): number {
  return config.nrPages >> config.pageblockOrder;
}

/** get_pfnblock_migratetype() */
export function getPfnblockMigratetype(zone: ZoneState, pfn: number): Migratetype {
  const mt = sparseGet(zone.pageblockMt, pfn >> zone.config.pageblockOrder);
  if (mt === undefined) throw new Error(`pfn ${pfn} is outside the zone`);
  return mt;
}

/** set_pageblock_migratetype() */
export function setPageblockMigratetype(zone: ZoneState, pfn: number, mt: Migratetype): ZoneState {
  const index = pfn >> zone.config.pageblockOrder;
  if (sparseGet(zone.pageblockMt, index) === mt) return zone;
  return { ...zone, pageblockMt: sparseSet(zone.pageblockMt, index, mt) };
}

/** change_pageblock_range(): retype every pageblock covered by a block of `order` at `pfn`. */
export function changePageblockRange(zone: ZoneState, pfn: number, order: number, mt: Migratetype): ZoneState {
  // A block smaller than a pageblock lies in one pageblock.
  const blocks = order <= zone.config.pageblockOrder ? 1 : 1 << (order - zone.config.pageblockOrder);
  let next = zone;
  for (let i = 0; i < blocks; i++) next = setPageblockMigratetype(next, pfn + i * pageblockNrPages(zone.config), mt);
  return next;
}

/**
 * A zone being changed by one model operation: the "transient" counterpart of ZoneState.
 *
 * The mechanisms change a zone in many small steps (one list_del, one list_add, one counter
 * update at a time). Done on immutable values, each step would copy the ZoneState, the flat
 * free_area array, the per-CPU arrays and a trie path, only for the next step to copy them
 * again. A draft instead copies each of those at most once per operation and then updates its
 * own copies in place:
 *
 * - `zone` is a fresh copy of the input's top-level object, made when the draft opens. Its
 *   fields are replaced or updated as the operation goes; read it with the ordinary helpers
 *   (freeList(), getPfnblockMigratetype(), sparseGet() ...): they see every change so far.
 * - freeLists and pcp (and each CPU's PerCpuPages and its lists array) are copied on their
 *   first write; later writes go into the copy.
 * - freeBlocks and pageblockMt are edited through SparseArray edit sessions
 *   (sparse-array.ts `sparseEdit`), which copy each trie node at most once; each pcp list
 *   through a deque edit session (chunked-deque.ts `dequeEdit`), which copies each of the
 *   deque's parts (its two end chunks and its middle array) at most once.
 *
 * Why this keeps the model pure: every object a draft writes into was allocated by the draft
 * itself; the input zone and everything reachable from it are only read, and are shared by the
 * result wherever the operation did not touch them. A draft never escapes the exported function
 * that opened it: that function ends with `closeZoneDraft()`, which ends the edit sessions and
 * returns the working copy as an ordinary ZoneState (or the input itself if nothing changed).
 * From then on nothing writes to it. model/purity.test.ts deep-freezes every input, so a write
 * into a shared object would throw there.
 */
export interface ZoneDraft {
  /** The zone as changed so far. Read it; write it only through the draft functions below. */
  readonly zone: ZoneState;
  readonly base: ZoneState;
  changed: boolean;
  freeListsOwned: boolean;
  /**
   * zone.pcp is the draft's own array. Which CPUs' PerCpuPages in it are the draft's own copies
   * needs no record of its own: exactly those that differ from the base zone's (draftPcp()).
   */
  pcpOwned: boolean;
  freeBlocks: SparseEditor<FreeBlock> | undefined;
  /**
   * The open pcp list sessions, in the order opened. Each session's deque is a fresh object
   * that sits in exactly one list slot, so draftPcpList() finds a list's session by identity.
   * A short list rather than an array indexed by cpu * nrPcpLists + pindex: an operation opens
   * one to a few, and writing a high index into a fresh array allocates a store that large, on
   * every allocation and free. Created with its first session (cheaper than a push into `[]`).
   */
  pcpListEditors: DequeEditor[] | undefined;
  pageblockMt: SparseEditor<Migratetype> | undefined;
}

export type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The draft's own PerCpuPages: count and flags are written in place, as is its lists array. */
export interface PerCpuPagesDraft {
  readonly lists: Deque[];
  count: number;
  high: number;
  freeCount: number;
  prevFreeHighOrder: boolean;
  allocFactor: number;
}

/**
 * A shallow copy of a ZoneState, written out field by field. `{ ...zone }` would do the same,
 * but V8 copies an object that was itself made by a spread on a slow path (hundreds of ns);
 * a literal stays fast, and keeps every ZoneState on one hidden class. The return type makes
 * the compiler reject this function if ZoneState gains a (required) field it does not copy.
 */
export function copyZoneState(zone: ZoneState): Writable<ZoneState> {
  return {
    config: zone.config,
    freeBlocks: zone.freeBlocks,
    freeLists: zone.freeLists,
    pageblockMt: zone.pageblockMt,
    pageblockSkip: zone.pageblockSkip,
    pcp: zone.pcp,
    nrFreePages: zone.nrFreePages,
    nrFreeHighatomic: zone.nrFreeHighatomic,
    nrFreePagesBlocks: zone.nrFreePagesBlocks,
    watermark: zone.watermark,
    watermarkBoost: zone.watermarkBoost,
    boostedWatermark: zone.boostedWatermark,
    reclaimActive: zone.reclaimActive,
    belowHigh: zone.belowHigh,
    nrReservedHighatomic: zone.nrReservedHighatomic,
    compaction: zone.compaction,
    pagesFreed: zone.pagesFreed,
  };
}

/** Model plumbing: starts a draft over `zone` (see ZoneDraft); nothing is written to `zone` itself. */
export function openZoneDraft(zone: ZoneState): ZoneDraft {
  return {
    zone: copyZoneState(zone),
    base: zone,
    changed: false,
    freeListsOwned: false,
    pcpOwned: false,
    freeBlocks: undefined,
    pcpListEditors: undefined,
    pageblockMt: undefined,
  };
}

/** Ends the draft: the finished ZoneState (the input itself if nothing was written). */
export function closeZoneDraft(draft: ZoneDraft): ZoneState {
  const zone = draft.zone as Writable<ZoneState>;
  const base = draft.base;
  // The draft is spent: make any later use of it fail loudly rather than write into `zone`.
  (draft as { zone: ZoneState | undefined }).zone = undefined;
  if (!draft.changed) return base;
  if (draft.freeBlocks !== undefined) zone.freeBlocks = sparseEditDone(draft.freeBlocks, base.freeBlocks);
  if (draft.pcpListEditors !== undefined) for (const editor of draft.pcpListEditors) dequeEditDone(editor);
  if (draft.pageblockMt !== undefined) zone.pageblockMt = sparseEditDone(draft.pageblockMt, base.pageblockMt);
  return zone;
}

/** The draft's zone for writing scalar fields (counters, flags, watermarks). */
export function draftFields(draft: ZoneDraft): Writable<ZoneState> {
  draft.changed = true;
  return draft.zone as Writable<ZoneState>;
}

/** free_area[order].free_list[mt] := list, by flat index. */
export function draftSetFreeList(draft: ZoneDraft, index: number, list: ListHead): void {
  const zone = draftFields(draft);
  if (!draft.freeListsOwned) {
    zone.freeLists = zone.freeLists.slice();
    draft.freeListsOwned = true;
  }
  (zone.freeLists as ListHead[])[index] = list;
}

/** The edit session for zone.freeBlocks (opened on first use). */
export function draftFreeBlocks(draft: ZoneDraft): SparseEditor<FreeBlock> {
  let editor = draft.freeBlocks;
  if (editor === undefined) {
    const zone = draftFields(draft);
    editor = sparseEdit(zone.freeBlocks);
    draft.freeBlocks = editor;
    zone.freeBlocks = editor.array;
  }
  return editor;
}

/**
 * The edit session for pcp list `pindex` of `cpu` (opened on first use; the draft's PerCpuPages
 * then holds the session's deque). The caller checks that `cpu` and `pindex` exist.
 */
export function draftPcpList(draft: ZoneDraft, cpu: number, pindex: number): DequeEditor {
  const pcp = draftPcp(draft, cpu);
  const list = pcp.lists[pindex] as Deque;
  const editors = draft.pcpListEditors;
  if (editors !== undefined) {
    // Newest first: runs of work on one list (a refill, a spill) find it at once.
    for (let i = editors.length - 1; i >= 0; i--) {
      const editor = editors[i] as DequeEditor;
      if (editor.deque === list) return editor;
    }
  }
  const editor = dequeEdit(list);
  pcp.lists[pindex] = editor.deque;
  if (editors === undefined) draft.pcpListEditors = [editor];
  else editors.push(editor);
  return editor;
}

/** This CPU's PerCpuPages, copied into the draft on first use. The caller checks `cpu` exists. */
export function draftPcp(draft: ZoneDraft, cpu: number): PerCpuPagesDraft {
  const zone = draftFields(draft);
  if (!draft.pcpOwned) {
    zone.pcp = zone.pcp.slice();
    draft.pcpOwned = true;
  }
  const all = zone.pcp as PerCpuPages[];
  const pcp = all[cpu] as PerCpuPages;
  // Only this function replaces an entry of the draft's pcp array, and only with its own copy.
  if (pcp !== draft.base.pcp[cpu]) return pcp as PerCpuPagesDraft;
  const copy: PerCpuPagesDraft = {
    lists: pcp.lists.slice(),
    count: pcp.count,
    high: pcp.high,
    freeCount: pcp.freeCount,
    prevFreeHighOrder: pcp.prevFreeHighOrder,
    allocFactor: pcp.allocFactor,
  };
  all[cpu] = copy;
  return copy;
}

/** set_pageblock_migratetype() on a draft. */
export function draftSetPageblockMigratetype(draft: ZoneDraft, pfn: number, mt: Migratetype): void {
  const index = pfn >> draft.zone.config.pageblockOrder;
  if (sparseGet(draft.zone.pageblockMt, index) === mt) return;
  let editor = draft.pageblockMt;
  if (editor === undefined) {
    const zone = draftFields(draft);
    editor = sparseEdit(zone.pageblockMt);
    draft.pageblockMt = editor;
    zone.pageblockMt = editor.array;
  }
  sparseEditSet(editor, index, mt);
}

/** change_pageblock_range() on a draft. */
export function draftChangePageblockRange(draft: ZoneDraft, pfn: number, order: number, mt: Migratetype): void {
  const config = draft.zone.config;
  const blocks = order <= config.pageblockOrder ? 1 : 1 << (order - config.pageblockOrder);
  for (let i = 0; i < blocks; i++) draftSetPageblockMigratetype(draft, pfn + i * pageblockNrPages(config), mt);
}

/** zone_spans_pfn() */
export function zoneSpansPfn(zone: ZoneState, pfn: number): boolean {
  return pfn >= 0 && pfn < zone.config.nrPages;
}

/** Pages on every CPU's pcp lists: the sum of pcp->count. */
export function zonePcpPages(zone: ZoneState): number {
  let pages = 0;
  for (const pcp of zone.pcp) pages += pcp.count;
  return pages;
}

/**
 * Calls `fn` for each block on a pcp list: every CPU, every list, head to tail. O(pcp pages);
 * for views, invariants and tests (the allocator itself only ever looks at list ends).
 */
export function forEachPcpPage(zone: ZoneState, fn: (pfn: number, page: PcpPage) => void): void {
  zone.pcp.forEach((pcp, cpu) => {
    pcp.lists.forEach((list, pindex) => {
      const page: PcpPage = { order: pindexToOrder(zone.config, pindex), cpu, pindex };
      dequeForEach(list, (pfn) => fn(pfn, page));
    });
  });
}

/** Free memory counting the pcp lists, which NR_FREE_PAGES leaves out. */
export function zoneFreeAndPcpPages(zone: ZoneState): number {
  return zone.nrFreePages + zonePcpPages(zone);
}

/** wmark_pages(): a watermark plus the current boost. */
export function wmarkPages(zone: ZoneState, which: "min" | "low" | "high" | "promo"): number {
  return zone.watermark[which] + zone.watermarkBoost;
}

/**
 * An empty zone (no free pages, every pageblock MOVABLE as memmap_init_range() leaves them).
 * Use `bootZone()` from page-alloc.ts to get the zone as the kernel hands it over after boot.
 */
export function emptyZone(input: ZoneConfigInput = {}): ZoneState {
  const config = buildZoneConfig(input);
  let pageblockMt = emptySparseArray<Migratetype>(nrPageblocks(config));
  for (let i = 0; i < nrPageblocks(config); i++) pageblockMt = sparseSet(pageblockMt, i, MIGRATE_MOVABLE);
  const pcp: PerCpuPages = {
    lists: Array.from({ length: config.nrPcpLists }, () => EMPTY_DEQUE),
    count: 0,
    high: 0,
    freeCount: 0,
    prevFreeHighOrder: false,
    allocFactor: 0,
  };
  return {
    config,
    freeBlocks: emptySparseArray(config.nrPages),
    freeLists: Array.from({ length: (config.maxPageOrder + 1) * MIGRATE_TYPES }, () => EMPTY_LIST),
    pageblockMt,
    pageblockSkip: emptySparseArray(nrPageblocks(config)),
    pcp: Array.from({ length: config.nrCpus }, () => pcp),
    nrFreePages: 0,
    nrFreeHighatomic: 0,
    nrFreePagesBlocks: 0,
    watermark: config.watermarks,
    watermarkBoost: 0,
    boostedWatermark: false,
    reclaimActive: false,
    belowHigh: false,
    nrReservedHighatomic: 0,
    compaction: {
      considered: 0,
      deferShift: 0,
      orderFailed: 0,
      ...initialCachedPositions(config),
      initMigratePfn: 0,
      initFreePfn: 0,
      blockskipFlush: false,
      failedAt: [],
    },
    pagesFreed: 0,
  };
}
