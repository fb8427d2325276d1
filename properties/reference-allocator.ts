/**
 * A second, independent implementation of one zone of the page allocator, for differential
 * testing of the pure model (reference-allocator.test.ts) and as the yardstick in bench/.
 *
 * It is written the plain way on purpose: mutable, one object, per-page typed arrays (is this pfn
 * the head of a free buddy, and of what order; is this allocated page on an LRU), the pageblock
 * migratetypes in an array, free lists and pcp lists as JS arrays with the list head at index 0,
 * counters as numbers. Every function follows one function of mm/page_alloc.c (~6.18; the text
 * is quoted in research/buddy.md), in the kernel's order of statements, and was written from
 * that source rather than from model/, so that a misreading in one is unlikely to be repeated in
 * the other. Only the vocabulary is shared: the configuration (model/zone-config.ts), the GFP and
 * ALLOC_* flag arithmetic (model/gfp.ts, model/alloc-flags.ts) and the migratetype numbers.
 *
 * Scope, the same as the model's: one node with one ZONE_NORMAL at pfn 0; no CMA, no pageblock
 * isolation, no compaction capture, no page reporting or shuffling, mobility grouping enabled,
 * no reclaim (so ZONE_RECLAIM_ACTIVE is never set). The allocation entry is the model's: a fast
 * attempt at the low watermark, then one attempt with the slow path's alloc_flags.
 *
 * Kernel behaviour that a model may leave out is behind ReferenceOptions, each switch defaulting
 * to the kernel; MODEL_SCOPE is the set this project's model declares it leaves out.
 */

import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  type AllocFlags,
  allocFlagsNofragment,
  gfpToAllocFlags,
} from "../model/alloc-flags.js";
import { type GfpMask, gfpMigratetype } from "../model/gfp.js";
import { DEFAULT_KERNEL_OPTIONS, type KernelOptions } from "../model/kernel-options.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_TYPES,
  MIGRATE_UNMOVABLE,
  PAGE_ALLOC_COSTLY_ORDER,
} from "../model/migratetype.js";
import type { PageUse } from "../model/page-owner.js";
import type { SystemConfig } from "../model/system.js";
import {
  buildZoneConfig,
  DEFAULT_PER_CPU_CACHE_SLICE_KB,
  PCP_BATCH_SCALE_MAX,
  type ZoneConfig,
} from "../model/zone-config.js";

/** Kernel mechanisms a model may leave out, each a switch that defaults to the kernel's behaviour. */
export interface ReferenceOptions {
  /**
   * free_frozen_page_commit(): a free of order 1..PAGE_ALLOC_COSTLY_ORDER right after another one,
   * with free_count >= batch + high_min / 2, sets free_high, which drains up to batch << 5 pages
   * whatever pcp->high is. Default true.
   */
  readonly pcpFreeHigh?: boolean;
  /**
   * free_frozen_page_commit() in the source read (research/buddy.md, 6.18/6.19-era mainline) frees its nr_pcp_free() pages
   * in chunks of at most `batch`, each a free_pcppages_bulk() call starting again at the list just
   * freed to. Each call may overshoot its chunk by a high-order page, so this frees more pages than
   * one call would when high-order pages are drained. false: the single
   * free_pcppages_bulk(nr_pcp_free()) call of earlier kernels (6.15/6.16 per research/buddy.md).
   * Default true.
   */
  readonly pcpFreeInBatches?: boolean;
}

/**
 * The kernel mechanisms the model says it leaves out, switched off: what the differential test
 * and the benchmark compare the model against. None now: pcp->alloc_factor was here until the
 * model's nrPcpAlloc() gained it, and pcp->high auto-tuning until the model tuned pcp->high too.
 */
export const MODEL_SCOPE: ReferenceOptions = Object.freeze({});

/** What the differential test compares; arrays are fresh copies. */
export interface ReferenceObservation {
  readonly nrFreePages: number;
  readonly nrFreeHighatomic: number;
  readonly nrReservedHighatomic: number;
  /** pcp->count per CPU. */
  readonly pcpCounts: number[];
  /** pcp->high per CPU (auto-tuned between high_min and high_max; 0 until first used). */
  readonly pcpHighs: number[];
  /** ZONE_BELOW_HIGH */
  readonly belowHigh: boolean;
  /** pcp lists per CPU, by pindex, pfns head to tail. */
  readonly pcpLists: number[][][];
  /** free_area[order].free_list[mt] at index order * MIGRATE_TYPES + mt, pfns head to tail. */
  readonly freeLists: number[][];
  readonly pageblockMt: number[];
  readonly watermarkBoost: number;
}

/** struct per_cpu_pages, minus the lock. */
interface PerCpuPages {
  /** lists[pindex], head at index 0. */
  readonly lists: number[][];
  count: number;
  high: number;
  readonly highMin: number;
  readonly highMax: number;
  readonly batch: number;
  freeCount: number;
  allocFactor: number;
  /** PCPF_PREV_FREE_HIGH_ORDER */
  prevFreeHighOrder: boolean;
  /** PCPF_FREE_HIGH_BATCH */
  readonly freeHighBatch: boolean;
}

/** enum rmqueue_mode; RMQUEUE_CMA cannot happen without CMA areas. */
type RmqueueMode = "normal" | "claim" | "steal";

/** Free-page-info flags: only FPI_TO_TAIL matters here. */
const FPI_NONE = false;
const FPI_TO_TAIL = true;

/** Not a free buddy head / not an allocation head. */
const NONE = -1;

/** mm/page_alloc.c fallbacks[] */
const FALLBACK_TYPES: readonly (readonly number[])[] = [
  /* MIGRATE_UNMOVABLE */ [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  /* MIGRATE_MOVABLE */ [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  /* MIGRATE_RECLAIMABLE */ [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** Three low-order lists (one per pcp type) for each order up to PAGE_ALLOC_COSTLY_ORDER. */
const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

/** The watermark index (enum zone_watermarks) of ALLOC_WMARK_*. */
const WMARK_HIGH = 2;

/** include/linux/minmax.h __clamp(): note the order of tests when lo > hi. */
function clamp(val: number, lo: number, hi: number): number {
  if (val >= hi) return hi;
  if (val <= lo) return lo;
  return val;
}

/** include/linux/mmzone.h migratetype_is_mergeable() */
function isMergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}

/** PageLRU(): LRU pages are what the page owner's "use" calls movable (anonymous, shared memory, page cache). */
function isLruUse(use: PageUse): boolean {
  return use === "anon" || use === "shmem" || use === "pagecache";
}

export class ReferenceAllocator {
  readonly config: ZoneConfig;
  readonly kernel: KernelOptions;

  private readonly pageblockOrder: number;
  private readonly pageblockNrPages: number;
  private readonly maxOrder: number;
  private readonly nrPages: number;
  private readonly nrPcpLists: number;
  private readonly freeHighEnabled: boolean;
  private readonly freeInBatches: boolean;

  /** Per pfn: buddy_order() if PageBuddy(), else NONE. */
  private readonly buddyOrder: Int8Array;
  /** Per pfn: the order of the allocation starting here, else NONE. */
  private readonly allocOrder: Int8Array;
  /** Per pfn: PageLRU() (every page of an LRU folio, as PF_HEAD flags read through the head). */
  private readonly lru: Uint8Array;
  /** Per pageblock: its migratetype. */
  private readonly pageblockType: Int8Array;
  /** free_area[order].free_list[mt] at order * MIGRATE_TYPES + mt, head at index 0. */
  private readonly freeLists: number[][];
  private readonly pcps: PerCpuPages[];

  private nrFreePages = 0;
  private nrFreeHighatomic = 0;
  private nrReservedHighatomic = 0;
  private watermarkBoost = 0;
  /** ZONE_BOOSTED_WATERMARK */
  private boostedWatermark = false;
  /** ZONE_BELOW_HIGH */
  private belowHigh = false;

  constructor(config: SystemConfig = {}, options: ReferenceOptions = {}) {
    this.config = buildZoneConfig(config.zone ?? {});
    this.kernel = { ...DEFAULT_KERNEL_OPTIONS, ...config.kernel };
    const c = this.config;
    this.pageblockOrder = c.pageblockOrder;
    this.pageblockNrPages = 1 << c.pageblockOrder;
    this.maxOrder = c.maxPageOrder;
    this.nrPages = c.nrPages;
    this.nrPcpLists = NR_LOWORDER_PCP_LISTS + (c.thpOrder === null ? 0 : 2);
    this.freeHighEnabled = options.pcpFreeHigh ?? true;
    this.freeInBatches = options.pcpFreeInBatches ?? true;

    this.buddyOrder = new Int8Array(this.nrPages).fill(NONE);
    this.allocOrder = new Int8Array(this.nrPages).fill(NONE);
    this.lru = new Uint8Array(this.nrPages);
    // mm/mm_init.c memmap_init_range(): every pageblock starts MIGRATE_MOVABLE.
    this.pageblockType = new Int8Array(this.nrPages >> this.pageblockOrder).fill(MIGRATE_MOVABLE);
    this.freeLists = Array.from({ length: (this.maxOrder + 1) * MIGRATE_TYPES }, () => []);
    // per_cpu_pages_init() + zone_set_pageset_high_and_batch(): pcp->high starts at 0 and is
    // clamped into [high_min, high_max] on first use.
    // zone_pcp_update_cacheinfo(): (per_cpu_data_slice_size >> PAGE_SHIFT) > 3 * pcp->batch.
    const sliceBytes = (config.zone?.perCpuCacheSliceKb ?? DEFAULT_PER_CPU_CACHE_SLICE_KB) * 1024;
    const freeHighBatch = Math.floor(sliceBytes / 4096) > 3 * c.pcpBatch;
    this.pcps = Array.from({ length: c.nrCpus }, () => ({
      lists: Array.from({ length: this.nrPcpLists }, () => []),
      count: 0,
      high: 0,
      highMin: c.pcpHighMin,
      highMax: c.pcpHighMax,
      batch: c.pcpBatch,
      freeCount: 0,
      allocFactor: 0,
      prevFreeHighOrder: false,
      freeHighBatch,
    }));

    this.memblockFreeAll();
  }

  // ---------------------------------------------------------------- public operations

  /** __alloc_pages() as the model runs it; returns the pfn, or undefined on failure. */
  alloc(order: number, gfp: GfpMask, cpu: number, use?: PageUse): number | undefined {
    this.checkCpu(cpu);
    // __alloc_frozen_pages_noprof(): WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER) and fail.
    if (order > this.maxOrder) return undefined;
    const mt = gfpMigratetype(gfp);
    const { dma32Populated, defragMode, highatomicNeedsMinReserve } = this.kernel;
    // First allocation attempt: the low watermark, no fragmenting fallbacks while avoidable.
    // prepare_alloc_pages() adds ALLOC_CMA for movable requests (no effect without CMA areas).
    const fastFlags =
      ALLOC_WMARK_LOW |
      (mt === MIGRATE_MOVABLE ? ALLOC_CMA : 0) |
      allocFlagsNofragment(gfp, dma32Populated, defragMode);
    let pfn = this.getPageFromFreelist(order, fastFlags, mt, cpu);
    if (pfn === undefined) {
      const slowFlags = gfpToAllocFlags(gfp, order, { highatomicNeedsMinReserve, rtTask: false, defragMode });
      pfn = this.getPageFromFreelist(order, slowFlags, mt, cpu);
    }
    if (pfn === undefined) return undefined;
    this.allocOrder[pfn] = order;
    if (isLruUse(use ?? (mt === MIGRATE_MOVABLE ? "anon" : "kernel"))) this.lru.fill(1, pfn, pfn + (1 << order));
    return pfn;
  }

  /** __free_pages() of a block this allocator handed out. */
  free(pfn: number, order: number, cpu: number): void {
    this.checkCpu(cpu);
    if (pfn < 0 || pfn >= this.nrPages || this.allocOrder[pfn] !== order) {
      throw new Error(`free of pfn ${pfn} order ${order}: not an allocation of that order`);
    }
    this.allocOrder[pfn] = NONE;
    this.lru.fill(0, pfn, pfn + (1 << order));
    this.freeFrozenPages(pfn, order, cpu);
  }

  /** drain_local_pages(zone) on `cpu`. */
  drainCpu(cpu: number): void {
    this.checkCpu(cpu);
    this.drainPagesZone(cpu);
  }

  /** drain_all_pages(NULL), with pcpu_drain_mutex free. */
  drainAll(): void {
    // __drain_all_pages(): first the set of CPUs with pcp pages, then drain each of them.
    const cpusWithPcps: number[] = [];
    for (let cpu = 0; cpu < this.pcps.length; cpu++) if (this.pcp(cpu).count !== 0) cpusWithPcps.push(cpu);
    for (const cpu of cpusWithPcps) this.drainPagesZone(cpu);
  }

  /** vmstat_update() on every CPU: decay_pcp_high() of its pcp (the model's tick runs it). */
  vmstatUpdate(): void {
    for (let cpu = 0; cpu < this.pcps.length; cpu++) this.decayPcpHigh(this.pcp(cpu));
  }

  observe(): ReferenceObservation {
    return {
      nrFreePages: this.nrFreePages,
      nrFreeHighatomic: this.nrFreeHighatomic,
      nrReservedHighatomic: this.nrReservedHighatomic,
      pcpCounts: this.pcps.map((p) => p.count),
      pcpHighs: this.pcps.map((p) => p.high),
      belowHigh: this.belowHigh,
      pcpLists: this.pcps.map((p) => p.lists.map((l) => l.slice())),
      freeLists: this.freeLists.map((l) => l.slice()),
      pageblockMt: Array.from(this.pageblockType),
      watermarkBoost: this.watermarkBoost,
    };
  }

  // ---------------------------------------------------------------- boot

  /**
   * mm/memblock.c __free_pages_memory(): the zone's memory is handed over in the largest chunks
   * its start is aligned to (at most MAX_PAGE_ORDER), in ascending order, each through
   * __free_pages_core() -> __free_pages_ok(page, order, FPI_TO_TAIL), bypassing the pcp lists.
   */
  private memblockFreeAll(): void {
    let start = 0;
    while (start < this.nrPages) {
      // __ffs(start); __ffs(0) is "as large as you like".
      let order = start === 0 ? this.maxOrder : Math.min(this.maxOrder, 31 - Math.clz32(start & -start));
      while (start + (1 << order) > this.nrPages) order--;
      this.freeOnePageLocked(start, order, FPI_TO_TAIL);
      start += 1 << order;
    }
  }

  // ---------------------------------------------------------------- free-list primitives

  private pageblockMtOf(pfn: number): number {
    return this.pageblockType[pfn >> this.pageblockOrder] as number;
  }

  private setPageblockMigratetype(pfn: number, mt: number): void {
    this.pageblockType[pfn >> this.pageblockOrder] = mt;
  }

  /** change_pageblock_range(): every pageblock of a block of `startOrder` >= pageblock_order. */
  private changePageblockRange(pfn: number, startOrder: number, mt: number): void {
    let nrPageblocks = 1 << (startOrder - this.pageblockOrder);
    for (let p = pfn; nrPageblocks > 0; nrPageblocks--, p += this.pageblockNrPages) this.setPageblockMigratetype(p, mt);
  }

  private list(order: number, mt: number): number[] {
    return this.freeLists[order * MIGRATE_TYPES + mt] as number[];
  }

  /** account_freepages() (ISOLATE and CMA do not exist here). */
  private accountFreepages(nrPages: number, mt: number): void {
    this.nrFreePages += nrPages;
    if (mt === MIGRATE_HIGHATOMIC) this.nrFreeHighatomic += nrPages;
  }

  /** The VM_WARN_ONCE of the list primitives, made fatal: a free page on the wrong list. */
  private checkPageblockType(pfn: number, mt: number, what: string): void {
    const actual = this.pageblockMtOf(pfn);
    if (actual !== mt) throw new Error(`${what}: pfn ${pfn} page type is ${actual}, passed migratetype is ${mt}`);
  }

  /** set_buddy_order() + __add_to_free_list() */
  private addToFreeList(pfn: number, order: number, mt: number, tail: boolean): void {
    this.checkPageblockType(pfn, mt, "__add_to_free_list");
    this.buddyOrder[pfn] = order;
    if (tail) this.list(order, mt).push(pfn);
    else this.list(order, mt).unshift(pfn);
  }

  private unlink(pfn: number, order: number, mt: number, what: string): void {
    const list = this.list(order, mt);
    const at = list.indexOf(pfn);
    if (at === -1) throw new Error(`${what}: pfn ${pfn} is not on free_list[${mt}] of order ${order}`);
    list.splice(at, 1);
  }

  /** __del_page_from_free_list(): no NR_FREE_PAGES change. */
  private delFromFreeList(pfn: number, order: number, mt: number): void {
    this.checkPageblockType(pfn, mt, "__del_page_from_free_list");
    this.unlink(pfn, order, mt, "__del_page_from_free_list");
    this.buddyOrder[pfn] = NONE;
  }

  /** del_page_from_free_list() */
  private delPageFromFreeList(pfn: number, order: number, mt: number): void {
    this.delFromFreeList(pfn, order, mt);
    this.accountFreepages(-(1 << order), mt);
  }

  /** move_to_free_list(): to the tail of the new type's list, before the pageblock is retyped. */
  private moveToFreeList(pfn: number, order: number, oldMt: number, newMt: number): void {
    this.checkPageblockType(pfn, oldMt, "move_to_free_list");
    this.unlink(pfn, order, oldMt, "move_to_free_list");
    this.list(order, newMt).push(pfn);
    this.accountFreepages(-(1 << order), oldMt);
    this.accountFreepages(1 << order, newMt);
  }

  /** find_buddy_page_pfn() != NULL: PageBuddy() with exactly this order, inside the zone. */
  private isBuddy(buddyPfn: number, order: number): boolean {
    return buddyPfn >= 0 && buddyPfn < this.nrPages && this.buddyOrder[buddyPfn] === order;
  }

  // ---------------------------------------------------------------- freeing

  /** buddy_merge_likely() */
  private buddyMergeLikely(pfn: number, buddyPfn: number, order: number): boolean {
    if (order >= this.maxOrder - 1) return false;
    const higherPagePfn = buddyPfn & pfn;
    return this.isBuddy(higherPagePfn ^ (1 << (order + 1)), order + 1);
  }

  /** __free_one_page() */
  private freeOnePage(pfn: number, order: number, migratetype: number, toTail: boolean): void {
    let buddyPfn = 0;
    this.accountFreepages(1 << order, migratetype);
    while (order < this.maxOrder) {
      let buddyMt = migratetype;
      buddyPfn = pfn ^ (1 << order);
      if (!this.isBuddy(buddyPfn, order)) break;
      if (order >= this.pageblockOrder) {
        // No merging between pageblocks without fallbacks (highatomic) and normal ones.
        buddyMt = this.pageblockMtOf(buddyPfn);
        if (migratetype !== buddyMt && (!isMergeable(migratetype) || !isMergeable(buddyMt))) break;
      }
      this.delFromFreeList(buddyPfn, order, buddyMt);
      // Match buddy type, so that a later expand() puts the sub-blocks on the right lists.
      if (buddyMt !== migratetype) this.changePageblockRange(buddyPfn, order, migratetype);
      pfn = buddyPfn & pfn;
      order++;
    }
    // done_merging: no shuffling here, so FPI_TO_TAIL or buddy_merge_likely() decide.
    const tail = toTail || this.buddyMergeLikely(pfn, buddyPfn, order);
    this.addToFreeList(pfn, order, migratetype, tail);
  }

  /** split_large_buddy(): blocks above pageblock_order go back one pageblock at a time. */
  private splitLargeBuddy(pfn: number, order: number, toTail: boolean): void {
    const end = pfn + (1 << order);
    if (order > this.pageblockOrder) order = this.pageblockOrder;
    do {
      const mt = this.pageblockMtOf(pfn);
      this.freeOnePage(pfn, order, mt, toTail);
      pfn += 1 << order;
    } while (pfn !== end);
  }

  /** free_one_page() / __free_pages_ok(): straight to the buddy lists, under the zone lock. */
  private freeOnePageLocked(pfn: number, order: number, toTail: boolean): void {
    this.splitLargeBuddy(pfn, order, toTail);
  }

  /** __free_frozen_pages() */
  private freeFrozenPages(pfn: number, order: number, cpu: number): void {
    if (!this.pcpAllowedOrder(order)) {
      this.freeOnePageLocked(pfn, order, FPI_NONE);
      return;
    }
    // Only unmovable, reclaimable and movable have pcp lists; highatomic (and CMA) pages go on
    // the movable one. (Isolated pageblocks would go straight to buddy; there are none.)
    let migratetype = this.pageblockMtOf(pfn);
    if (migratetype >= MIGRATE_PCPTYPES) migratetype = MIGRATE_MOVABLE;
    this.freeFrozenPageCommit(this.pcp(cpu), pfn, migratetype, order);
  }

  // ---------------------------------------------------------------- allocation primitives

  /** expand(): upper halves to the head of their order's list, high - 1 down to low. */
  private expand(pfn: number, low: number, high: number, mt: number): number {
    let size = 1 << high;
    let nrAdded = 0;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(pfn + size, high, mt, false);
      nrAdded += size;
    }
    return nrAdded;
  }

  /** page_del_and_expand() */
  private pageDelAndExpand(pfn: number, low: number, high: number, mt: number): void {
    let nrPages = 1 << high;
    this.delFromFreeList(pfn, high, mt);
    nrPages -= this.expand(pfn, low, high, mt);
    this.accountFreepages(-nrPages, mt);
  }

  /** __rmqueue_smallest() */
  private rmqueueSmallest(order: number, mt: number): number | undefined {
    for (let currentOrder = order; currentOrder <= this.maxOrder; currentOrder++) {
      const pfn = this.list(currentOrder, mt)[0];
      if (pfn === undefined) continue;
      this.pageDelAndExpand(pfn, order, currentOrder, mt);
      return pfn;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- fallback

  /** should_try_claim_block(), with the order of the free block found. */
  private shouldTryClaimBlock(order: number, startMt: number): boolean {
    if (order >= this.pageblockOrder) return true;
    if (order >= this.pageblockOrder >> 1) return true;
    if (startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE) return true;
    return false;
  }

  /** find_suitable_fallback(): a type, -1 (none at this order) or -2 (too small to claim). */
  private findSuitableFallback(order: number, migratetype: number, claimable: boolean): number {
    if (claimable && !this.shouldTryClaimBlock(order, migratetype)) return -2;
    let nrFree = 0;
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) nrFree += this.list(order, mt).length;
    if (nrFree === 0) return -1;
    for (const fallbackMt of FALLBACK_TYPES[migratetype] ?? []) {
      if (this.list(order, fallbackMt).length > 0) return fallbackMt;
    }
    return -1;
  }

  /** boost_watermark() */
  private boostWatermark(): boolean {
    const factor = this.config.watermarkBoostFactor;
    if (factor === 0) return false;
    // Zones too small to produce results (kdump kernels) are not boosted.
    if (this.pageblockNrPages * 4 > this.nrPages) return false;
    // mult_frac(_watermark[WMARK_HIGH], factor, 10000)
    const high = this.config.watermarks.high;
    let maxBoost = Math.floor(high / 10000) * factor + Math.floor(((high % 10000) * factor) / 10000);
    if (maxBoost === 0) return false;
    maxBoost = Math.max(this.pageblockNrPages, maxBoost);
    this.watermarkBoost = Math.min(this.watermarkBoost + this.pageblockNrPages, maxBoost);
    return true;
  }

  /**
   * prep_move_freepages_block(): the pageblock around `pfn`, if it lies inside the zone, with its
   * free pages and its movable (PageLRU) allocated pages counted. pcp pages count as neither.
   */
  private prepMoveFreepagesBlock(pfn: number): { start: number; free: number; movable: number } | undefined {
    const start = pfn & ~(this.pageblockNrPages - 1);
    const end = start + this.pageblockNrPages;
    if (start < 0 || start >= this.nrPages || end - 1 >= this.nrPages) return undefined;
    let free = 0;
    let movable = 0;
    for (let p = start; p < end; ) {
      const order = this.buddyOrder[p] as number;
      if (order !== NONE) {
        free += 1 << order;
        p += 1 << order;
        continue;
      }
      if (this.lru[p] === 1) movable++;
      p++;
    }
    return { start, free, movable };
  }

  /** __move_freepages_block(): every free block of the pageblock to the tail of new_mt's lists. */
  private moveFreepagesBlockLocked(start: number, oldMt: number, newMt: number): number {
    const end = start + this.pageblockNrPages;
    let moved = 0;
    for (let p = start; p < end; ) {
      const order = this.buddyOrder[p] as number;
      if (order === NONE) {
        p++;
        continue;
      }
      this.moveToFreeList(p, order, oldMt, newMt);
      p += 1 << order;
      moved += 1 << order;
    }
    return moved;
  }

  /** move_freepages_block(): move, then retype the pageblock; -1 if it straddles the zone. */
  private moveFreepagesBlock(pfn: number, oldMt: number, newMt: number): number {
    const prep = this.prepMoveFreepagesBlock(pfn);
    if (prep === undefined) return -1;
    const moved = this.moveFreepagesBlockLocked(prep.start, oldMt, newMt);
    this.setPageblockMigratetype(prep.start, newMt);
    return moved;
  }

  /** try_to_claim_block() */
  private tryToClaimBlock(
    pfn: number,
    currentOrder: number,
    order: number,
    startType: number,
    blockType: number,
    allocFlags: AllocFlags,
  ): number | undefined {
    // Take ownership for orders >= pageblock_order.
    if (currentOrder >= this.pageblockOrder) {
      this.delPageFromFreeList(pfn, currentOrder, blockType);
      this.changePageblockRange(pfn, currentOrder, startType);
      const nrAdded = this.expand(pfn, order, currentOrder, startType);
      this.accountFreepages(nrAdded, startType);
      return pfn;
    }
    // Boost watermarks to make kswapd reclaim; flag the zone so rmqueue() wakes it.
    if (this.boostWatermark() && (allocFlags & ALLOC_KSWAPD) !== 0) this.boostedWatermark = true;
    const prep = this.prepMoveFreepagesBlock(pfn);
    if (prep === undefined) return undefined;
    let alikePages: number;
    if (startType === MIGRATE_MOVABLE) {
      alikePages = prep.movable;
    } else if (blockType === MIGRATE_MOVABLE) {
      // Unmovable/reclaimable falling back to a movable block: all non-movable pages are alike.
      alikePages = this.pageblockNrPages - (prep.free + prep.movable);
    } else {
      alikePages = 0;
    }
    if (prep.free + alikePages >= 1 << (this.pageblockOrder - 1)) {
      this.moveFreepagesBlockLocked(prep.start, blockType, startType);
      this.setPageblockMigratetype(prep.start, startType);
      return this.rmqueueSmallest(order, startType);
    }
    return undefined;
  }

  /** __rmqueue_claim(): largest fallback block first, down to the first order too small to claim. */
  private rmqueueClaim(order: number, startMigratetype: number, allocFlags: AllocFlags): number | undefined {
    let minOrder = order;
    if (order < this.pageblockOrder && (allocFlags & ALLOC_NOFRAGMENT) !== 0) minOrder = this.pageblockOrder;
    for (let currentOrder = this.maxOrder; currentOrder >= minOrder; --currentOrder) {
      const fallbackMt = this.findSuitableFallback(currentOrder, startMigratetype, true);
      if (fallbackMt === -1) continue;
      if (fallbackMt === -2) break;
      const pfn = this.list(currentOrder, fallbackMt)[0] as number;
      const page = this.tryToClaimBlock(pfn, currentOrder, order, startMigratetype, fallbackMt, allocFlags);
      if (page !== undefined) return page;
    }
    return undefined;
  }

  /** __rmqueue_steal(): the smallest fallback block; the pageblock keeps its type. */
  private rmqueueSteal(order: number, startMigratetype: number): number | undefined {
    for (let currentOrder = order; currentOrder <= this.maxOrder; currentOrder++) {
      const fallbackMt = this.findSuitableFallback(currentOrder, startMigratetype, false);
      if (fallbackMt === -1) continue;
      const pfn = this.list(currentOrder, fallbackMt)[0] as number;
      this.pageDelAndExpand(pfn, order, currentOrder, fallbackMt);
      return pfn;
    }
    return undefined;
  }

  /**
   * __rmqueue(). The CMA balancing step and RMQUEUE_CMA never fire: there is no CMA area, so
   * NR_FREE_CMA_PAGES is 0 and __rmqueue_cma_fallback() finds nothing.
   */
  private __rmqueue(order: number, migratetype: number, allocFlags: AllocFlags, mode: { value: RmqueueMode }) {
    if (mode.value === "normal") {
      const page = this.rmqueueSmallest(order, migratetype);
      if (page !== undefined) return page;
    }
    if (mode.value === "normal" || mode.value === "claim") {
      const page = this.rmqueueClaim(order, migratetype, allocFlags);
      if (page !== undefined) {
        // Replenished preferred freelist, back to normal mode.
        mode.value = "normal";
        return page;
      }
    }
    if ((allocFlags & ALLOC_NOFRAGMENT) === 0) {
      const page = this.rmqueueSteal(order, migratetype);
      if (page !== undefined) {
        mode.value = "steal";
        return page;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- per-cpu lists

  private pcp(cpu: number): PerCpuPages {
    return this.pcps[cpu] as PerCpuPages;
  }

  private checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.pcps.length) throw new Error(`no cpu ${cpu}`);
  }

  /** pcp_allowed_order() */
  private pcpAllowedOrder(order: number): boolean {
    return order <= PAGE_ALLOC_COSTLY_ORDER || order === this.config.thpOrder;
  }

  /** order_to_pindex() */
  private orderToPindex(migratetype: number, order: number): number {
    if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (migratetype === MIGRATE_MOVABLE ? 1 : 0);
    return MIGRATE_PCPTYPES * order + migratetype;
  }

  /** pindex_to_order() */
  private pindexToOrder(pindex: number): number {
    if (pindex >= NR_LOWORDER_PCP_LISTS) return this.config.thpOrder as number;
    return Math.floor(pindex / MIGRATE_PCPTYPES);
  }

  /** rmqueue_bulk(): `count` blocks onto the tail of the list, under one zone lock hold. */
  private rmqueueBulk(order: number, count: number, list: number[], migratetype: number, allocFlags: AllocFlags) {
    const mode = { value: "normal" as RmqueueMode };
    let i: number;
    for (i = 0; i < count; ++i) {
      const page = this.__rmqueue(order, migratetype, allocFlags, mode);
      if (page === undefined) break;
      list.push(page);
    }
    return i;
  }

  /** nr_pcp_alloc(): the refill size, in blocks of `order`. */
  private nrPcpAlloc(pcp: PerCpuPages, order: number): number {
    const baseBatch = pcp.batch;
    let high = clamp(pcp.high, pcp.highMin, pcp.highMax);
    pcp.high = high;
    // PCP disabled or boot pageset.
    if (high < baseBatch) return 1;
    let batch = order !== 0 ? baseBatch : baseBatch << pcp.allocFactor;
    // With a larger pcp->high the zone could have been avoided.
    if (pcp.highMin !== pcp.highMax && !this.belowHigh) {
      high = Math.min(high + batch, pcp.highMax);
      pcp.high = high;
    }
    if (order === 0) {
      const maxNrAlloc = Math.max(high - pcp.count - baseBatch, baseBatch);
      // Double the refill for each subsequent order-0 refill without a free in between.
      if (batch <= maxNrAlloc && pcp.allocFactor < PCP_BATCH_SCALE_MAX) pcp.allocFactor++;
      batch = Math.min(batch, maxNrAlloc);
    }
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  /** rmqueue_pcplist() + __rmqueue_pcplist() */
  private rmqueuePcplist(order: number, migratetype: number, allocFlags: AllocFlags, cpu: number): number | undefined {
    const pcp = this.pcp(cpu);
    // On allocation, reduce the number of pages that are batch freed.
    pcp.freeCount >>= 1;
    const list = pcp.lists[this.orderToPindex(migratetype, order)] as number[];
    if (list.length === 0) {
      const batch = this.nrPcpAlloc(pcp, order);
      const alloced = this.rmqueueBulk(order, batch, list, migratetype, allocFlags);
      pcp.count += alloced << order;
      if (list.length === 0) return undefined;
    }
    const page = list.shift() as number;
    pcp.count -= 1 << order;
    return page;
  }

  /** free_pcppages_bulk(): from the tail of each list in turn, starting with `pindex`. */
  private freePcppagesBulk(count: number, pcp: PerCpuPages, pindex: number): void {
    count = Math.min(pcp.count, count);
    // Ensure the requested pindex is drained first.
    pindex = pindex - 1;
    while (count > 0) {
      let list: number[];
      let searched = 0;
      do {
        if (++pindex > this.nrPcpLists - 1) pindex = 0;
        list = pcp.lists[pindex] as number[];
        if (++searched > this.nrPcpLists) throw new Error(`pcp->count ${pcp.count} but every pcp list is empty`);
      } while (list.length === 0);
      const order = this.pindexToOrder(pindex);
      const nrPages = 1 << order;
      do {
        const page = list.pop() as number;
        const mt = this.pageblockMtOf(page);
        count -= nrPages;
        pcp.count -= nrPages;
        this.freeOnePage(page, order, mt, FPI_NONE);
      } while (count > 0 && list.length > 0);
    }
  }

  /** nr_pcp_free() */
  private nrPcpFree(pcp: PerCpuPages, batch: number, high: number, freeHigh: boolean): number {
    // Free as much as possible if batch freeing high-order pages.
    if (freeHigh) return Math.min(pcp.count, batch << PCP_BATCH_SCALE_MAX);
    // PCP disabled or boot pageset.
    if (high < batch) return 1;
    // Leave at least pcp->batch pages; free more after many consecutive frees.
    return clamp(pcp.freeCount, batch, high - batch);
  }

  /** nr_pcp_high(): the threshold for this free. ZONE_RECLAIM_ACTIVE is never set here. */
  private nrPcpHigh(pcp: PerCpuPages, batch: number, freeHigh: boolean): number {
    let high = clamp(pcp.high, pcp.highMin, pcp.highMax);
    pcp.high = high;
    if (high === 0) return 0;
    if (freeHigh) {
      pcp.high = Math.max(high - (batch << PCP_BATCH_SCALE_MAX), pcp.highMin);
      return 0;
    }
    if (pcp.highMin === pcp.highMax) return high;
    if (this.belowHigh) {
      const freeCount = Math.max(pcp.freeCount, batch);
      pcp.high = Math.max(high - freeCount, pcp.highMin);
      high = Math.max(pcp.count, pcp.highMin);
    } else if (pcp.count >= high) {
      const needHigh = pcp.freeCount + batch;
      // pcp->high should be large enough to hold batch freed pages.
      if (pcp.high < needHigh) pcp.high = clamp(needHigh, pcp.highMin, pcp.highMax);
    }
    return high;
  }

  /** free_frozen_page_commit() */
  private freeFrozenPageCommit(pcp: PerCpuPages, pfn: number, migratetype: number, order: number): void {
    // On freeing, reduce the number of pages that are batch allocated.
    pcp.allocFactor >>= 1;
    const pindex = this.orderToPindex(migratetype, order);
    (pcp.lists[pindex] as number[]).unshift(pfn);
    pcp.count += 1 << order;

    const batch = pcp.batch;
    let freeHigh = false;
    // Limit the number of high-order pages stored when the pcp is heavily freeing without allocation.
    if (order !== 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
      freeHigh =
        this.freeHighEnabled &&
        pcp.freeCount >= batch + (pcp.highMin >> 1) &&
        pcp.prevFreeHighOrder &&
        (!pcp.freeHighBatch || pcp.count >= batch);
      pcp.prevFreeHighOrder = true;
    } else if (pcp.prevFreeHighOrder) {
      pcp.prevFreeHighOrder = false;
    }
    if (pcp.freeCount < batch << PCP_BATCH_SCALE_MAX) pcp.freeCount += 1 << order;

    const high = this.nrPcpHigh(pcp, batch, freeHigh);
    if (pcp.count < high) return;

    let toFree = this.nrPcpFree(pcp, batch, high, freeHigh);
    if (this.freeInBatches) {
      while (toFree > 0 && pcp.count > 0) {
        const toFreeBatched = Math.min(toFree, batch);
        this.freePcppagesBulk(toFreeBatched, pcp, pindex);
        toFree -= toFreeBatched;
        // The pcp lock is dropped and retaken here; nothing else runs, so it always succeeds.
        if (toFree === 0 || pcp.count === 0) break;
      }
    } else {
      this.freePcppagesBulk(toFree, pcp, pindex);
    }

    if (this.belowHigh && this.zoneWatermarkOk(0, this.wmarkPages(WMARK_HIGH), 0, this.nrFreePages)) {
      this.belowHigh = false;
    }
  }

  /** decay_pcp_high(): pcp->high down an eighth towards high_min, then spill the excess a batch at a time. No clamp first. */
  private decayPcpHigh(pcp: PerCpuPages): void {
    const batch = pcp.batch;
    if (pcp.high > pcp.highMin) {
      pcp.high = Math.max(pcp.count - (batch << PCP_BATCH_SCALE_MAX), pcp.high - (pcp.high >> 3), pcp.highMin);
    }
    let toDrain = pcp.count - pcp.high;
    while (toDrain > 0) {
      const toDrainBatched = Math.min(toDrain, batch);
      this.freePcppagesBulk(toDrainBatched, pcp, 0);
      toDrain -= toDrainBatched;
    }
  }

  /** drain_pages_zone(): everything, in chunks of batch << CONFIG_PCP_BATCH_SCALE_MAX. */
  private drainPagesZone(cpu: number): void {
    const pcp = this.pcp(cpu);
    let count: number;
    do {
      count = pcp.count;
      if (count !== 0) {
        const toDrain = Math.min(count, pcp.batch << PCP_BATCH_SCALE_MAX);
        this.freePcppagesBulk(toDrain, pcp, 0);
        count -= toDrain;
      }
    } while (count !== 0);
  }

  // ---------------------------------------------------------------- rmqueue and the zone walk

  /** rmqueue_buddy() */
  private rmqueueBuddy(order: number, allocFlags: AllocFlags, migratetype: number): number | undefined {
    let page: number | undefined;
    if ((allocFlags & ALLOC_HIGHATOMIC) !== 0) page = this.rmqueueSmallest(order, MIGRATE_HIGHATOMIC);
    if (page === undefined) {
      page = this.__rmqueue(order, migratetype, allocFlags, { value: "normal" });
      // Failing now is worse than failing a high-order atomic allocation later.
      if (page === undefined && (allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK)) !== 0) {
        page = this.rmqueueSmallest(order, MIGRATE_HIGHATOMIC);
      }
    }
    return page;
  }

  /** rmqueue() */
  private rmqueue(order: number, allocFlags: AllocFlags, migratetype: number, cpu: number): number | undefined {
    let page: number | undefined;
    if (this.pcpAllowedOrder(order)) page = this.rmqueuePcplist(order, migratetype, allocFlags, cpu);
    if (page === undefined) page = this.rmqueueBuddy(order, allocFlags, migratetype);
    if ((allocFlags & ALLOC_KSWAPD) !== 0 && this.boostedWatermark) {
      // wakeup_kswapd(): kswapd is not modelled, the flag is only cleared.
      this.boostedWatermark = false;
    }
    return page;
  }

  /** reserve_highatomic_pageblock() */
  private reserveHighatomicPageblock(pfn: number, order: number): void {
    // At least one pageblock, at most about 1% of the zone; none if 1% is below a pageblock.
    const onePercent = Math.floor(this.nrPages / 100);
    if (onePercent < this.pageblockNrPages) return;
    const maxManaged = Math.ceil(onePercent / this.pageblockNrPages) * this.pageblockNrPages;
    if (this.nrReservedHighatomic >= maxManaged) return;
    const mt = this.pageblockMtOf(pfn);
    // Only reserve normal pageblocks.
    if (!isMergeable(mt)) return;
    if (order < this.pageblockOrder) {
      if (this.moveFreepagesBlock(pfn, mt, MIGRATE_HIGHATOMIC) === -1) return;
      this.nrReservedHighatomic += this.pageblockNrPages;
    } else {
      this.changePageblockRange(pfn, order, MIGRATE_HIGHATOMIC);
      this.nrReservedHighatomic += 1 << order;
    }
  }

  /** wmark_pages(): the watermark plus the boost. */
  private wmarkPages(which: number): number {
    const w = this.config.watermarks;
    const mark = [w.min, w.low, w.high, w.promo][which] as number;
    return mark + this.watermarkBoost;
  }

  /** __zone_watermark_unusable_free() */
  private zoneWatermarkUnusableFree(order: number, allocFlags: AllocFlags): number {
    let unusableFree = (1 << order) - 1;
    if ((allocFlags & ALLOC_RESERVES) === 0) unusableFree += this.nrFreeHighatomic;
    return unusableFree;
  }

  /** __zone_watermark_ok(); lowmem_reserve[] of the only zone against itself is 0. */
  private zoneWatermarkOk(order: number, mark: number, allocFlags: AllocFlags, freePages: number): boolean {
    let min = mark;
    freePages -= this.zoneWatermarkUnusableFree(order, allocFlags);
    if ((allocFlags & ALLOC_RESERVES) !== 0) {
      if ((allocFlags & ALLOC_MIN_RESERVE) !== 0) {
        min -= Math.floor(min / 2);
        if ((allocFlags & ALLOC_NON_BLOCK) !== 0) min -= Math.floor(min / 4);
      }
      if ((allocFlags & ALLOC_OOM) !== 0) min -= Math.floor(min / 2);
    }
    if (freePages <= min) return false;
    if (order === 0) return true;
    for (let o = order; o <= this.maxOrder; o++) {
      let nrFree = 0;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) nrFree += this.list(o, mt).length;
      if (nrFree === 0) continue;
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (this.list(o, mt).length > 0) return true;
      if ((allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) !== 0 && this.list(o, MIGRATE_HIGHATOMIC).length > 0) {
        return true;
      }
    }
    return false;
  }

  /** zone_watermark_fast() */
  private zoneWatermarkFast(order: number, mark: number, allocFlags: AllocFlags): boolean {
    const freePages = this.nrFreePages;
    if (order === 0) {
      let usableFree = freePages;
      const reserved = this.zoneWatermarkUnusableFree(0, allocFlags);
      // reserved may over estimate high-atomic reserves.
      usableFree -= Math.min(usableFree, reserved);
      if (usableFree > mark) return true;
    }
    if (this.zoneWatermarkOk(order, mark, allocFlags, freePages)) return true;
    // __GFP_HIGH order-0 allocations ignore the boost at the min watermark.
    if (
      order === 0 &&
      (allocFlags & ALLOC_MIN_RESERVE) !== 0 &&
      this.watermarkBoost !== 0 &&
      (allocFlags & ALLOC_WMARK_MASK) === ALLOC_WMARK_MIN
    ) {
      return this.zoneWatermarkOk(order, this.config.watermarks.min, allocFlags, freePages);
    }
    return false;
  }

  /**
   * get_page_from_freelist() over a zonelist of one zone. Node reclaim is off, there are no
   * deferred pages, no unaccepted memory, no cpusets and one node.
   */
  private getPageFromFreelist(
    order: number,
    allocFlags: AllocFlags,
    migratetype: number,
    cpu: number,
  ): number | undefined {
    for (;;) {
      const noFallback = (allocFlags & ALLOC_NOFRAGMENT) !== 0;
      let tryThisZone = false;
      // ZONE_BELOW_HIGH: below the high watermark pcp->high shrinks on free (when auto-tuned).
      if (!this.belowHigh && this.zoneWatermarkFast(order, this.wmarkPages(WMARK_HIGH), allocFlags)) {
        tryThisZone = true;
      } else {
        this.belowHigh = true;
        const mark = this.wmarkPages(allocFlags & ALLOC_WMARK_MASK);
        tryThisZone = this.zoneWatermarkFast(order, mark, allocFlags) || (allocFlags & ALLOC_NO_WATERMARKS) !== 0;
      }
      if (tryThisZone) {
        const page = this.rmqueue(order, allocFlags, migratetype, cpu);
        if (page !== undefined) {
          // A high-order atomic allocation may reserve its pageblock for future ones.
          if ((allocFlags & ALLOC_HIGHATOMIC) !== 0) this.reserveHighatomicPageblock(page, order);
          return page;
        }
      }
      // A UMA machine can find every zone fragmented: try again, allowing fragmenting fallbacks.
      if (noFallback && !this.kernel.defragMode) {
        allocFlags &= ~ALLOC_NOFRAGMENT;
        continue;
      }
      return undefined;
    }
  }
}
