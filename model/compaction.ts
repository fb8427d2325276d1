/**
 * Memory compaction, mm/compaction.c: compact_zone() with its two scanners, and
 * try_to_compact_pages() / compact_zone_order() for direct compaction.
 *
 * The migrate scanner walks pageblocks up from the zone start isolating movable (LRU) pages;
 * the free scanner walks down from the zone end isolating free pages as migration targets;
 * they stop when they meet. Page-table and other unmovable pages are never isolated: a
 * pageblock polluted by one cannot be emptied, which is the whole story of the thread.
 *
 * Modelled as in the kernel: cached scanner positions, pageblock skip bits (set on blocks
 * that yielded nothing; __reset_isolation_suitable() clears them when kswapd goes to sleep or
 * when compaction restarts after maximum deferral, but only if a direct compaction has run the
 * scanners to meeting since the last reset (compact_blockskip_flush), and only on blocks where it
 * samples an LRU or free page), async direct compaction's source filter (only pageblocks of the
 * request's migratetype) and skip-on-failure (a cc->order-aligned sub-block with one
 * unmovable page is abandoned), large folios isolated whole, targets kept unsplit and split
 * buddy-style, the local pcp drain when leaving an order-aligned block, and capture.
 *
 * Not modelled, on purpose: fast_find_migrateblock() and fast_isolate_freepages(), free-list
 * searches that jump ahead of the linear scanners (the latter takes free pages below cc->order
 * from the MOVABLE free lists without looking at skip bits, and moves the cached free pfn), so
 * the kernel can find targets in a block the model's free scanner skips; the async free scanner's
 * stride (it visits every page here); lock contention; and migration failures of isolated pages
 * (dirty/writeback/pinned): a folio fails to migrate only when no target exists.
 * COMPACT_CONTENDED still happens as in the kernel when the free scanner stops short because
 * __isolate_free_page() refuses a page at the min watermark (compaction_alloc() fails, -ENOMEM)
 * before the scanners meet.
 */

import type { AllocFlags } from "./alloc-flags.js";
import { accountFreepages, type CaptureControl, delFromFreeList } from "./buddy.js";
import { compactionDeferReset, compactionDeferred, compactionRestarting, deferCompaction } from "./compaction-defer.js";
import { compactionSuitAllocationOrder } from "./compaction-suitable.js";
import {
  COMPACT_CLUSTER_MAX,
  COMPACT_PRIO_ASYNC,
  type CompactPriority,
  type CompactResult,
  MIN_COMPACT_PRIORITY,
  type MigrateMode,
  maxCompactResult,
} from "./compaction-types.js";
import { countVmEvent, type EventSink, emit } from "./events.js";
import { findSuitableFallback, moveFreepagesBlock } from "./fallback.js";
import { __GFP_FS, type GfpMask, gfpCompactionAllowed, gfpMigratetype } from "./gfp.js";
import { MIGRATE_MOVABLE, type Migratetype, migratetypeIsMergeable, PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { freePages } from "./page-alloc.js";

/** Compaction's own frees (migrated-away folios, unused targets) free nothing new. */
const BY_COMPACTION = true;

import {
  type Allocation,
  allocationAt,
  forEachAllocationInRange,
  isMovableUse,
  moveAllocation,
  type PageOwners,
  type PageUse,
  splitAllocation,
} from "./page-owner.js";
import { drainPagesZone } from "./pcp.js";
import { sparseForEachInRange, sparseGet, sparseSet } from "./persistent/sparse-array.js";
import { zoneWatermarkOk, zoneWatermarkOkWith } from "./watermark.js";
import {
  freeList,
  getPfnblockMigratetype,
  initialCachedPositions,
  pageblockNrPages,
  setPageblockMigratetype,
  wmarkPages,
  type ZoneCompaction,
  type ZoneState,
} from "./zone.js";

/** The zone and its owners: what compaction reads and changes. */
export interface CompactionState {
  readonly zone: ZoneState;
  readonly owners: PageOwners;
}

export interface CompactRequest {
  readonly order: number;
  readonly gfp: GfpMask;
  readonly mode: MigrateMode;
  /** Direct compaction (by an allocating task) rather than kcompactd. */
  readonly direct: boolean;
  readonly wholeZone: boolean;
  readonly ignoreSkipHint: boolean;
  readonly ignoreBlockSuitable: boolean;
  readonly allocFlags: AllocFlags;
  /**
   * vm.defrag_mode (6.15+), which only kcompactd's runs consult: they then work until the high
   * watermark is met in whole free pageblocks. Default false.
   */
  readonly defragMode?: boolean;
  /** The CPU doing the work: its pcp list takes the migrated-away pages, and is drained. */
  readonly cpu: number;
}

export interface CompactStats {
  readonly migrateScanned: number;
  readonly freeScanned: number;
  readonly isolated: number;
  readonly migrated: number;
  readonly failed: number;
}

export interface CompactZoneResult {
  readonly state: CompactionState;
  readonly status: CompactResult;
  /** The block handed over by capture, already taken out of the free lists. */
  readonly captured: number | undefined;
  readonly stats: CompactStats;
}

const NO_STATS: CompactStats = { migrateScanned: 0, freeScanned: 0, isolated: 0, migrated: 0, failed: 0 };

/** struct compact_control: the working state of one compact_zone() call. Never leaves it. */
interface CompactControl {
  readonly request: CompactRequest;
  readonly migratetype: Migratetype;
  readonly sync: boolean;
  wholeZone: boolean;
  migratePfn: number;
  freePfn: number;
  /** Isolated free blocks, unsplit, by order (cc->freepages[]). */
  readonly freepages: number[][];
  nrFreepages: number;
  /** Isolated folios waiting to migrate (cc->migratepages). */
  migratepages: Allocation[];
  nrMigratepages: number;
  finishPageblock: boolean;
  migrateScanned: number;
  freeScanned: number;
  isolated: number;
  migrated: number;
  failed: number;
}

function pageblockStart(zone: ZoneState, pfn: number): number {
  return pfn & ~(pageblockNrPages(zone.config) - 1);
}

function pageblockEnd(zone: ZoneState, pfn: number): number {
  return pageblockStart(zone, pfn) + pageblockNrPages(zone.config);
}

function withCompaction(zone: ZoneState, fields: Partial<ZoneCompaction>): ZoneState {
  return { ...zone, compaction: { ...zone.compaction, ...fields } };
}

function setSkip(zone: ZoneState, pfn: number): ZoneState {
  const index = pfn >> zone.config.pageblockOrder;
  if (sparseGet(zone.pageblockSkip, index)) return zone;
  return { ...zone, pageblockSkip: sparseSet(zone.pageblockSkip, index, true) };
}

function isSkip(zone: ZoneState, pfn: number): boolean {
  return sparseGet(zone.pageblockSkip, pfn >> zone.config.pageblockOrder) === true;
}

/** mm/compaction.c isolation_suitable() */
function isolationSuitable(cc: CompactControl, zone: ZoneState, pfn: number): boolean {
  return cc.request.ignoreSkipHint || !isSkip(zone, pfn);
}

/** mm/compaction.c reset_cached_positions() */
function resetCachedPositions(zone: ZoneState): ZoneState {
  return withCompaction(zone, initialCachedPositions(zone.config));
}

/** A block that starts before `pfn` and covers it: the allocation's compound head, if any. */
function coveringAllocation(zone: ZoneState, owners: PageOwners, pfn: number): Allocation | undefined {
  for (let order = 0; order <= zone.config.maxPageOrder; order++) {
    const head = pfn & ~((1 << order) - 1);
    const alloc = allocationAt(owners, head);
    if (alloc !== undefined && alloc.pfn + (1 << alloc.order) > pfn) return alloc;
  }
  return undefined;
}

/** folio_mapping() is set: page cache and shared memory (anonymous memory has none). */
function hasMapping(use: PageUse): boolean {
  return use === "pagecache" || use === "shmem";
}

/** PageLRU() of the page at `pfn`: a page of an anonymous, shared-memory or page-cache folio (the flag is the folio's). */
function pageLru(zone: ZoneState, owners: PageOwners, pfn: number): boolean {
  const alloc = coveringAllocation(zone, owners, pfn);
  return alloc !== undefined && isMovableUse(alloc.use);
}

/**
 * mm/compaction.c __reset_isolation_suitable(): after a finished pass (compact_blockskip_flush),
 * walk the zone from both ends towards the middle, a pageblock per step. A block's skip bit is
 * cleared only if a sample of its pages (one in every 2^PAGE_ALLOC_COSTLY_ORDER, from the
 * block's start) finds an LRU page (the migrate side) or a free block's head (the free side;
 * only MOVABLE blocks until one is found); __reset_isolation_pfn() decides. The cached scanner
 * positions move to the first block found on each side. If no pair was found, both are left
 * where the walks met, so the next partial pass ends at once.
 */
export function resetIsolationSuitable(zone: ZoneState, owners: PageOwners): ZoneState {
  if (!zone.compaction.blockskipFlush) return zone;
  const config = zone.config;
  const nrPb = pageblockNrPages(config);
  let pageblockSkip = zone.pageblockSkip;

  /** __reset_isolation_pfn() */
  const resetIsolationPfn = (pfn: number, checkSource: boolean, checkTarget: boolean): boolean => {
    // pageblock_skip_persistent(): inside an allocation of pageblock order or more.
    const covering = coveringAllocation(zone, owners, pfn);
    if (covering !== undefined && covering.order >= config.pageblockOrder) return false;
    const index = pfn >> config.pageblockOrder;
    if (checkSource && checkTarget && sparseGet(pageblockSkip, index) !== true) return true;
    if (!checkSource && checkTarget && getPfnblockMigratetype(zone, pfn) !== MIGRATE_MOVABLE) return false;
    const first = pageblockStart(zone, pfn);
    const last = Math.min(first + nrPb, config.nrPages) - 1;
    for (let page = first; page <= last; page += 1 << PAGE_ALLOC_COSTLY_ORDER) {
      const lru = checkSource && pageLru(zone, owners, page);
      // PageBuddy() is set on a free block's head page only.
      if (lru || (checkTarget && sparseGet(zone.freeBlocks, page) !== undefined)) {
        pageblockSkip = sparseSet(pageblockSkip, index, undefined);
        return true;
      }
    }
    return false;
  };

  let { initMigratePfn, initFreePfn, cachedMigratePfn, cachedFreePfn } = zone.compaction;
  let migratePfn = 0;
  let freePfn = config.nrPages - 1;
  let resetMigrate = freePfn;
  let resetFree = migratePfn;
  let sourceSet = false;
  let freeSet = false;
  for (; migratePfn < freePfn; migratePfn += nrPb, freePfn -= nrPb) {
    if (resetIsolationPfn(migratePfn, true, sourceSet) && migratePfn < resetMigrate) {
      sourceSet = true;
      resetMigrate = migratePfn;
      initMigratePfn = resetMigrate;
      cachedMigratePfn = [resetMigrate, resetMigrate];
    }
    // free_pfn is the last page of its block (zone end - 1 - k * pageblock_nr_pages), and is
    // cached as it is: the next free scanner starts there, at the block's last page.
    if (resetIsolationPfn(freePfn, freeSet, true) && freePfn > resetFree) {
      freeSet = true;
      resetFree = freePfn;
      initFreePfn = resetFree;
      cachedFreePfn = resetFree;
    }
  }
  // Leave no distance if no suitable block was reset.
  if (resetMigrate >= resetFree) {
    cachedMigratePfn = [migratePfn, migratePfn];
    cachedFreePfn = freePfn;
  }
  return {
    ...zone,
    pageblockSkip,
    compaction: {
      ...zone.compaction,
      blockskipFlush: false,
      initMigratePfn,
      initFreePfn,
      cachedMigratePfn,
      cachedFreePfn,
    },
  };
}

/** mm/compaction.c update_cached_migrate() */
function updateCachedMigrate(cc: CompactControl, zone: ZoneState, pfn: number): ZoneState {
  const end = pageblockEnd(zone, pfn);
  const [async, sync] = zone.compaction.cachedMigratePfn;
  const nextAsync = Math.max(end, async);
  const nextSync = cc.request.mode !== "MIGRATE_ASYNC" && end > sync ? end : sync;
  if (nextAsync === async && nextSync === sync) return zone;
  return withCompaction(zone, { cachedMigratePfn: [nextAsync, nextSync] });
}

/** mm/compaction.c update_pageblock_skip(): a free-scanner block with nothing left. */
function updatePageblockSkip(zone: ZoneState, blockPfn: number, cachedPfn: number): ZoneState {
  const next = setSkip(zone, blockPfn);
  return cachedPfn < next.compaction.cachedFreePfn
    ? withCompaction(next, { cachedFreePfn: Math.max(0, cachedPfn) })
    : next;
}

/** mm/compaction.c compact_scanners_met() */
function scannersMet(cc: CompactControl, zone: ZoneState): boolean {
  return cc.freePfn >> zone.config.pageblockOrder <= cc.migratePfn >> zone.config.pageblockOrder;
}

/** mm/compaction.c suitable_migration_source() */
function suitableMigrationSource(cc: CompactControl, zone: ZoneState, owners: PageOwners, blockPfn: number): boolean {
  // pageblock_skip_persistent(): a block taken up by one allocation of pageblock order or more.
  const big = coveringAllocation(zone, owners, blockPfn);
  if (big !== undefined && big.order >= zone.config.pageblockOrder) return false;
  if (cc.request.mode !== "MIGRATE_ASYNC" || !cc.request.direct) return true;
  // Async direct compaction only takes sources from pageblocks of the request's type, to avoid
  // making things worse for the other types.
  const blockMt = getPfnblockMigratetype(zone, blockPfn);
  return cc.migratetype === MIGRATE_MOVABLE ? blockMt === MIGRATE_MOVABLE : blockMt === cc.migratetype;
}

/** mm/compaction.c suitable_migration_target() */
function suitableMigrationTarget(cc: CompactControl, zone: ZoneState, blockPfn: number): boolean {
  const block = sparseGet(zone.freeBlocks, blockPfn);
  // A large free page here is what we want to create, not a place to migrate into.
  if (block !== undefined && block.order >= (cc.request.order > 0 ? cc.request.order : zone.config.pageblockOrder))
    return false;
  if (cc.request.ignoreBlockSuitable) return true;
  return getPfnblockMigratetype(zone, blockPfn) === MIGRATE_MOVABLE;
}

type Item =
  | { readonly kind: "free"; readonly pfn: number; readonly order: number }
  | { readonly kind: "alloc"; readonly pfn: number; readonly order: number; readonly alloc: Allocation };

/**
 * What occupies [start, end), in pfn order: struct page as the scanners see it. Pages on pcp
 * lists are not listed: to isolate_migratepages_block() such a page is neither PageBuddy nor
 * on an LRU, so it fails page by page (low_pfn++), exactly as the gaps between items do below.
 */
function itemsInRange(zone: ZoneState, owners: PageOwners, start: number, end: number): Item[] {
  const items: Item[] = [];
  sparseForEachInRange(zone.freeBlocks, start, end, (pfn, block) => {
    items.push({ kind: "free", pfn, order: block.order });
    return true;
  });
  forEachAllocationInRange(owners, start, end, (alloc, pfn) => {
    items.push({ kind: "alloc", pfn, order: alloc.order, alloc });
  });
  return items.sort((a, b) => a.pfn - b.pfn);
}

/** mm/compaction.c skip_isolation_on_order(): folios at least the target order are left alone. */
function skipIsolationOnOrder(zone: ZoneState, order: number, targetOrder: number): boolean {
  return order >= targetOrder || order >= zone.config.pageblockOrder;
}

/**
 * mm/compaction.c isolate_migratepages_block(): isolate movable folios from [lowPfn, endPfn)
 * until COMPACT_CLUSTER_MAX pages are isolated. Returns the zone (skip bits, cached pfns).
 */
function isolateMigratepagesBlock(
  cc: CompactControl,
  state: CompactionState,
  lowPfn: number,
  endPfn: number,
  events: EventSink,
): ZoneState {
  let zone = state.zone;
  const start = lowPfn;
  const order = cc.request.order;
  const skipOnFailure = cc.request.direct && cc.request.mode === "MIGRATE_ASYNC";
  // valid_page: set when the scan meets a pageblock-aligned pfn, which (the range ending at the
  // block's end) only a call starting at the block's first page does. A call that resumes the
  // block after COMPACT_CLUSTER_MAX pages has none, so it neither tests and sets the skip bit
  // (the first call of the block set it) nor marks the block skipped at the end.
  const validPage = lowPfn === pageblockStart(zone, lowPfn);
  // "Only allow to migrate anonymous pages in GFP_NOFS context because those do not depend on
  // fs locks": a compaction for a request without __GFP_FS (XFS page cache, readahead) leaves
  // folios with a mapping where they are.
  const fsLess = (cc.request.gfp & __GFP_FS) === 0;
  const subBlockEnd = (pfn: number) => (pfn | ((1 << order) - 1)) + 1;
  let nextSkipPfn = skipOnFailure ? subBlockEnd(lowPfn) : 0;
  let nrScanned = 0;
  let nrIsolated = 0;
  let skipUpdated = false;
  const isolatedHere: Allocation[] = [];
  const items = itemsInRange(zone, state.owners, lowPfn, endPfn);
  let index = 0;
  let pfn = lowPfn;
  while (pfn < endPfn) {
    if (skipOnFailure && pfn >= nextSkipPfn) {
      // The previous order-aligned block was isolated without failure: migrate it now.
      if (nrIsolated > 0) break;
      nextSkipPfn = subBlockEnd(pfn);
    }
    while (index < items.length && (items[index] as Item).pfn < pfn) index++;
    const item = items[index];
    const here = item !== undefined && item.pfn === pfn ? item : undefined;
    const size = here === undefined ? 1 : 2 ** here.order;
    nrScanned += size;
    let failed = false;
    if (here?.kind === "free") {
      pfn += size;
      continue;
    }
    if (here?.kind === "alloc" && isMovableUse(here.alloc.use) && !(fsLess && hasMapping(here.alloc.use))) {
      if (!skipUpdated && validPage) {
        // test_and_set_skip(): claim the block; if it was already marked, another pass owns it.
        skipUpdated = true;
        if (!cc.request.ignoreSkipHint) {
          const wasSkip = isSkip(zone, start);
          zone = setSkip(zone, start);
          if (wasSkip && !cc.finishPageblock) {
            pfn = endPfn;
            break;
          }
        }
      }
      if (!skipIsolationOnOrder(zone, here.order, order)) {
        isolatedHere.push(here.alloc);
        cc.migratepages.push(here.alloc);
        cc.nrMigratepages += size;
        nrIsolated += size;
        pfn += size;
        if (cc.nrMigratepages >= COMPACT_CLUSTER_MAX && !cc.finishPageblock) break;
        continue;
      }
      failed = true;
    } else {
      // Page tables, slab and other kernel memory, pages on pcp lists (the gaps between items):
      // not on an LRU, not movable.
      failed = true;
    }
    pfn += size;
    if (failed && skipOnFailure) {
      // We cannot form the cc->order block anyway: give back what this sub-block isolated.
      if (nrIsolated > 0) {
        const drop = new Set(isolatedHere);
        cc.migratepages = cc.migratepages.filter((a) => !drop.has(a));
        cc.nrMigratepages -= nrIsolated;
        isolatedHere.length = 0;
        nrIsolated = 0;
      }
      if (pfn < nextSkipPfn) {
        // low_pfn jumps to the sub-block's end; the pages jumped over are not counted as scanned.
        pfn = nextSkipPfn;
        nextSkipPfn += 1 << order;
      }
    }
  }
  if (pfn > endPfn) pfn = endPfn;
  // Reached from the loop's end and from isolate_abort alike (an abort leaves low_pfn at the end).
  if (pfn === endPfn && (nrIsolated === 0 || cc.finishPageblock)) {
    if (validPage && !skipUpdated) zone = setSkip(zone, start);
    zone = updateCachedMigrate(cc, zone, pfn);
  }
  emit(events, {
    name: "mm_compaction_isolate_migratepages",
    start_pfn: start,
    end_pfn: pfn,
    nr_scanned: nrScanned,
    nr_taken: nrIsolated,
  });
  cc.migrateScanned += nrScanned;
  cc.isolated += nrIsolated;
  cc.migratePfn = pfn;
  return zone;
}

/** mm/compaction.c isolate_migratepages(): the next source pageblock below the free scanner. */
function isolateMigratepages(
  cc: CompactControl,
  state: CompactionState,
  events: EventSink,
): { zone: ZoneState; isolated: boolean } {
  let zone = state.zone;
  const nrPb = pageblockNrPages(zone.config);
  let lowPfn = cc.migratePfn;
  let blockEnd = pageblockEnd(zone, lowPfn);
  for (; blockEnd <= cc.freePfn; cc.migratePfn = lowPfn = blockEnd, blockEnd += nrPb) {
    const blockStart = blockEnd - nrPb;
    if (lowPfn === blockStart && !isolationSuitable(cc, zone, blockStart)) continue;
    if (!suitableMigrationSource(cc, zone, state.owners, blockStart)) {
      zone = updateCachedMigrate(cc, zone, blockEnd);
      continue;
    }
    zone = isolateMigratepagesBlock(cc, { ...state, zone }, lowPfn, blockEnd, events);
    break;
  }
  return { zone, isolated: cc.nrMigratepages > 0 };
}

/** mm/page_alloc.c __isolate_free_page(): take a free block for compaction, obeying the min watermark. */
function isolateFreePage(zone: ZoneState, pfn: number, order: number): ZoneState | undefined {
  const watermark = zone.watermark.min + (1 << order);
  if (!zoneWatermarkOk(zone, 0, watermark, 0)) return undefined;
  const block = sparseGet(zone.freeBlocks, pfn);
  if (block === undefined) return undefined;
  let next = accountFreepages(delFromFreeList(zone, pfn), -(1 << order), block.mt);
  // At least half a pageblock: make the pageblock(s) movable, they will hold movable pages now.
  if (order >= next.config.pageblockOrder - 1) {
    for (let p = pfn; p < pfn + (1 << order); p += pageblockNrPages(next.config)) {
      const mt = getPfnblockMigratetype(next, p);
      if (migratetypeIsMergeable(mt) && mt !== MIGRATE_MOVABLE) {
        next = setPageblockMigratetype(
          moveFreepagesBlock(next, pageblockStart(next, p), MIGRATE_MOVABLE).zone,
          p,
          MIGRATE_MOVABLE,
        );
      }
    }
  }
  return next;
}

/** mm/compaction.c isolate_freepages_block(): take free blocks from [start, end) until there are enough. */
function isolateFreepagesBlock(cc: CompactControl, zone: ZoneState, start: number, end: number, events: EventSink) {
  let next = zone;
  let pfn = start;
  let nrScanned = 0;
  let total = 0;
  const heads: [number, number][] = [];
  sparseForEachInRange(zone.freeBlocks, start, end, (p, block) => {
    heads.push([p, block.order]);
    return true;
  });
  let stopped = false;
  for (const [p, order] of heads) {
    nrScanned += p - pfn;
    pfn = p;
    const isolated = isolateFreePage(next, p, order);
    if (isolated === undefined) {
      nrScanned += 1; // counted before __isolate_free_page() refused it
      stopped = true;
      break;
    }
    next = isolated;
    nrScanned += 1 << order;
    total += 1 << order;
    cc.nrFreepages += 1 << order;
    (cc.freepages[order] as number[]).push(p);
    pfn = p + (1 << order);
    if (cc.nrMigratepages <= cc.nrFreepages) {
      stopped = true;
      break;
    }
  }
  if (!stopped) {
    nrScanned += end - pfn;
    pfn = end;
  }
  emit(events, {
    name: "mm_compaction_isolate_freepages",
    start_pfn: start,
    end_pfn: pfn,
    nr_scanned: nrScanned,
    nr_taken: total,
  });
  cc.freeScanned += nrScanned;
  cc.isolated += total;
  return { zone: next, reached: pfn };
}

/** mm/compaction.c isolate_freepages(): walk down from the free scanner's position. */
function isolateFreepages(cc: CompactControl, zone: ZoneState, events: EventSink): ZoneState {
  let next = zone;
  const nrPb = pageblockNrPages(zone.config);
  let isolateStart = cc.freePfn;
  let blockStart = pageblockStart(zone, isolateStart);
  let blockEnd = Math.min(blockStart + nrPb, zone.config.nrPages);
  const low = pageblockEnd(zone, cc.migratePfn);
  for (; blockStart >= low; blockEnd = blockStart, blockStart -= nrPb, isolateStart = blockStart) {
    if (!suitableMigrationTarget(cc, next, blockStart)) continue;
    if (!isolationSuitable(cc, next, blockStart)) continue;
    const result = isolateFreepagesBlock(cc, next, isolateStart, blockEnd, events);
    next = result.zone;
    isolateStart = result.reached;
    if (isolateStart === blockEnd) next = updatePageblockSkip(next, blockStart, blockStart - nrPb);
    if (cc.nrFreepages >= cc.nrMigratepages) {
      if (isolateStart >= blockEnd) isolateStart = blockStart - nrPb;
      break;
    }
    if (isolateStart < blockEnd) break;
  }
  cc.freePfn = isolateStart;
  return next;
}

/**
 * mm/compaction.c compaction_alloc(): the smallest isolated free block that fits, split
 * buddy-style (upper halves back onto the isolated lists); one more free-scanner pass if none.
 * Like the kernel it counts the folio off nr_migratepages, so a free-scanner pass in the middle
 * of a batch isolates only for the folios still waiting.
 */
function compactionAlloc(cc: CompactControl, zone: ZoneState, order: number, events: EventSink) {
  let next = zone;
  for (let attempt = 0; attempt < 2; attempt++) {
    for (let have = order; have <= zone.config.maxPageOrder; have++) {
      const list = cc.freepages[have] as number[];
      const pfn = list.shift();
      if (pfn === undefined) continue;
      // Each upper half goes to the head of its list (list_add): the next target of that order.
      for (let split = have - 1; split >= order; split--) (cc.freepages[split] as number[]).unshift(pfn + (1 << split));
      cc.nrFreepages -= 1 << order;
      cc.nrMigratepages -= 1 << order;
      return { zone: next, pfn };
    }
    if (attempt === 0) next = isolateFreepages(cc, next, events);
  }
  return { zone: next, pfn: undefined };
}

/**
 * migrate_pages() with compaction_alloc(): move each isolated folio to a target block, from the
 * head of cc->migratepages, where isolation put the last folio it took (list_add): the highest
 * pfn goes first. Counts are in pages, as the kernel's stats are.
 *
 * No target for a folio (compaction_alloc() returns NULL: -ENOMEM):
 * - a large folio is split (try_split_folio(); migrate_pages_batch() does so for compaction) and
 *   its pages are migrated after the rest of the batch, in one pass that stops quietly when
 *   targets run out;
 * - an order-0 folio ends the batch: it and every folio after it stay, the split pages too, and
 *   the caller sees -ENOMEM (`outOfTargets`).
 * `failed` (pages left in place) is what makes the kernel's migrate_pages() return non-zero:
 * it returns 0 when a split folio's pages all moved.
 */
function migratePages(cc: CompactControl, state: CompactionState, capc: CaptureControl | undefined, events: EventSink) {
  let { zone, owners } = state;
  let migrated = 0;
  let failed = 0;
  let outOfTargets = false;
  const splitPieces: Allocation[] = [];
  /** One folio to a target; false when compaction_alloc() had none. */
  const migrateOne = (folio: Allocation): boolean => {
    const target = compactionAlloc(cc, zone, folio.order, events);
    zone = target.zone;
    if (target.pfn === undefined) return false;
    owners = moveAllocation(owners, folio.handle, target.pfn);
    // The old folio is freed like any other page: onto this CPU's pcp list if small enough.
    zone = freePages(zone, folio.pfn, folio.order, cc.request.cpu, events, capc, BY_COMPACTION);
    migrated += 1 << folio.order;
    return true;
  };
  for (let i = cc.migratepages.length - 1; i >= 0; i--) {
    const folio = cc.migratepages[i] as Allocation;
    if (outOfTargets) {
      failed += 1 << folio.order;
      continue;
    }
    if (migrateOne(folio)) continue;
    if (folio.order > 0) {
      // try_split_folio() puts the tail pages on the split list and the head after them.
      const split = splitAllocation(owners, folio.handle);
      owners = split.owners;
      splitPieces.push(...split.pieces.slice(1), split.pieces[0] as Allocation);
      continue;
    }
    outOfTargets = true;
    failed += 1;
  }
  let piecesStopped = outOfTargets;
  for (const piece of splitPieces) {
    if (!piecesStopped && migrateOne(piece)) continue;
    piecesStopped = true;
    failed += 1;
  }
  emit(events, { name: "mm_compaction_migratepages", nr_migratepages: migrated, nr_failed: failed });
  cc.migrated += migrated;
  cc.failed += failed;
  cc.migratepages = [];
  cc.nrMigratepages = 0;
  return { state: { zone, owners }, outOfTargets, failed };
}

/** COMPACTION_HPAGE_ORDER: HPAGE_PMD_ORDER with THP, else the PMD order (pageblock order here). */
function compactionHpageOrder(zone: ZoneState): number {
  return zone.config.thpOrder ?? zone.config.pageblockOrder;
}

/** The kernel's `defrag_mode && !cc->direct_compaction`: kcompactd under vm.defrag_mode. */
function kcompactdInDefragMode(request: CompactRequest): boolean {
  return request.defragMode === true && !request.direct;
}

/**
 * mm/compaction.c __compact_finished(): done when the scanners meet, or (at a pageblock
 * boundary) when a free block of the order exists on the request's list or could be claimed.
 * kcompactd under defrag_mode instead needs the high watermark met in whole free pageblocks:
 * those can be claimed without polluting, so no fallback check is needed.
 */
function compactFinished(
  cc: CompactControl,
  zone: ZoneState,
  events: EventSink,
): { zone: ZoneState; ret: CompactResult } {
  let next = zone;
  let ret: CompactResult;
  if (scannersMet(cc, next)) {
    next = resetCachedPositions(next);
    // kswapd clears the skip bits when it goes to sleep, but only after a direct pass.
    if (cc.request.direct) next = withCompaction(next, { blockskipFlush: true });
    ret = cc.wholeZone ? "COMPACT_COMPLETE" : "COMPACT_PARTIAL_SKIPPED";
  } else if ((cc.migratePfn & (pageblockNrPages(next.config) - 1)) !== 0) {
    // Always finish the pageblock being scanned, so fewer fallbacks are needed later.
    ret = "COMPACT_CONTINUE";
  } else if (kcompactdInDefragMode(cc.request)) {
    const met = zoneWatermarkOkWith(
      next,
      cc.request.order,
      wmarkPages(next, "high"),
      cc.request.allocFlags,
      next.nrFreePagesBlocks,
    );
    ret = met ? "COMPACT_SUCCESS" : "COMPACT_CONTINUE";
  } else {
    ret = "COMPACT_NO_SUITABLE_PAGE";
    for (let order = cc.request.order; order <= next.config.maxPageOrder; order++) {
      if (
        freeList(next, order, cc.migratetype).length > 0 ||
        findSuitableFallback(next, order, cc.migratetype, true) >= 0
      ) {
        ret = "COMPACT_SUCCESS";
        break;
      }
    }
  }
  emit(events, { name: "mm_compaction_finished", order: cc.request.order, ret });
  return { zone: next, ret: ret === "COMPACT_NO_SUITABLE_PAGE" ? "COMPACT_CONTINUE" : ret };
}

/** mm/compaction.c compact_zone() */
export function compactZone(
  state: CompactionState,
  request: CompactRequest,
  capc: CaptureControl | undefined,
  events: EventSink,
): CompactZoneResult {
  let zone = state.zone;
  let owners = state.owners;
  const async = request.mode === "MIGRATE_ASYNC";
  const suit = compactionSuitAllocationOrder(
    zone,
    request.order,
    request.allocFlags,
    async,
    kcompactdInDefragMode(request),
    events,
  );
  if (suit !== "COMPACT_CONTINUE") return { state, status: suit, captured: undefined, stats: NO_STATS };
  // Compaction deferred to the maximum and retried now: __reset_isolation_suitable(), which
  // clears skip bits only if a full direct compaction finished since the last reset.
  if (compactionRestarting(zone, request.order)) zone = resetIsolationSuitable(zone, owners);
  const sync = !async;
  const nrPages = zone.config.nrPages;
  const lastBlock = pageblockStart(zone, nrPages - 1);
  const c = zone.compaction;
  const cc: CompactControl = {
    request,
    migratetype: gfpMigratetype(request.gfp),
    sync,
    wholeZone: request.wholeZone,
    migratePfn: request.wholeZone ? 0 : c.cachedMigratePfn[sync ? 1 : 0],
    freePfn: request.wholeZone ? lastBlock : c.cachedFreePfn,
    freepages: Array.from({ length: zone.config.maxPageOrder + 1 }, () => []),
    nrFreepages: 0,
    migratepages: [],
    nrMigratepages: 0,
    finishPageblock: false,
    migrateScanned: 0,
    freeScanned: 0,
    isolated: 0,
    migrated: 0,
    failed: 0,
  };
  if (!request.wholeZone) {
    if (cc.freePfn < 0 || cc.freePfn >= nrPages) {
      cc.freePfn = lastBlock;
      zone = withCompaction(zone, { cachedFreePfn: lastBlock });
    }
    if (cc.migratePfn < 0 || cc.migratePfn >= nrPages) {
      cc.migratePfn = 0;
      zone = withCompaction(zone, { cachedMigratePfn: [0, 0] });
    }
    if (cc.migratePfn <= zone.compaction.initMigratePfn) cc.wholeZone = true;
  }
  // Until a block with candidates is found, keep the async and sync positions together.
  let updateCached = !sync && zone.compaction.cachedMigratePfn[0] === zone.compaction.cachedMigratePfn[1];
  emit(events, {
    name: "mm_compaction_begin",
    zone_start: 0,
    migrate_pfn: cc.migratePfn,
    free_pfn: cc.freePfn,
    zone_end: nrPages,
    sync,
  });
  let lastMigratedPfn = 0;
  let status: CompactResult;
  for (;;) {
    const finished = compactFinished(cc, zone, events);
    zone = finished.zone;
    status = finished.ret;
    if (status !== "COMPACT_CONTINUE") break;
    const iterationStart = cc.migratePfn;
    // Rescan a pageblock at most once. last_migrated_pfn is 0 both before any migration and after
    // a drain, and pageblock 0 then matches it: the kernel finishes that block in one go.
    cc.finishPageblock = pageblockStart(zone, lastMigratedPfn) === pageblockStart(zone, iterationStart);
    let rescan = true;
    // Whether the last isolate_migratepages() of this iteration led to migrate_pages(): only
    // then does the kernel reach its capture check (ISOLATE_NONE jumps to check_drain).
    let migrated = false;
    while (rescan) {
      rescan = false;
      migrated = false;
      const isolation = isolateMigratepages(cc, { zone, owners }, events);
      zone = isolation.zone;
      if (!isolation.isolated) {
        if (updateCached)
          zone = withCompaction(zone, {
            cachedMigratePfn: [zone.compaction.cachedMigratePfn[0], zone.compaction.cachedMigratePfn[0]],
          });
        break;
      }
      updateCached = false;
      lastMigratedPfn = Math.max(0, pageblockStart(zone, cc.migratePfn - 1));
      const migration = migratePages(cc, { zone, owners }, capc, events);
      zone = migration.state.zone;
      owners = migration.state.owners;
      migrated = true;
      if (migration.outOfTargets && !scannersMet(cc, zone)) {
        status = "COMPACT_CONTENDED";
        break;
      }
      // A failure inside a pageblock: scan the rest of it once, so it gets marked skip.
      if (
        migration.failed > 0 &&
        (cc.migratePfn & (pageblockNrPages(zone.config) - 1)) !== 0 &&
        !request.ignoreSkipHint &&
        !cc.finishPageblock
      ) {
        cc.finishPageblock = true;
        // Draining pcp lists does not help a THP-order request once a page failed to migrate.
        if (request.order === compactionHpageOrder(zone)) lastMigratedPfn = 0;
        rescan = true;
      }
    }
    if (status === "COMPACT_CONTENDED") break;
    if (migrated && capc?.page !== undefined) {
      status = "COMPACT_SUCCESS";
      break;
    }
    // Leaving the order-aligned block we migrated from: flush this CPU's freed pages so they
    // merge and compact_finished() can see the result (lru_add_drain_cpu_zone()).
    if (request.order > 0 && lastMigratedPfn !== 0) {
      const currentBlockStart = cc.migratePfn & ~((1 << request.order) - 1);
      if (lastMigratedPfn < currentBlockStart) {
        zone = drainPagesZone(zone, request.cpu, events, capc).zone;
        lastMigratedPfn = 0;
      }
    }
  }
  // release_free_list(): unused targets go back (through this CPU's pcp for small orders), and
  // the free scanner restarts no lower than the highest of them next time.
  let highPfn = -1;
  for (let order = 0; order < cc.freepages.length; order++) {
    for (const pfn of cc.freepages[order] as number[]) {
      zone = freePages(zone, pfn, order, request.cpu, events, capc, BY_COMPACTION);
      highPfn = Math.max(highPfn, pfn);
    }
  }
  if (highPfn >= 0) {
    const freePfn = pageblockStart(zone, highPfn);
    if (freePfn > zone.compaction.cachedFreePfn) zone = withCompaction(zone, { cachedFreePfn: freePfn });
  }
  // A page captured along the way makes compact_zone_order() return SUCCESS (tryToCompactPages());
  // compact_zone() itself, and its end trace, report the status its loop ended with.
  countVmEvent(events, "COMPACTMIGRATE_SCANNED", cc.migrateScanned);
  countVmEvent(events, "COMPACTFREE_SCANNED", cc.freeScanned);
  countVmEvent(events, "COMPACTISOLATED", cc.isolated);
  countVmEvent(events, "PGMIGRATE_SUCCESS", cc.migrated);
  countVmEvent(events, "PGMIGRATE_FAIL", cc.failed);
  emit(events, {
    name: "mm_compaction_end",
    zone_start: 0,
    migrate_pfn: cc.migratePfn,
    free_pfn: cc.freePfn,
    zone_end: nrPages,
    sync,
    status,
  });
  return {
    state: { zone, owners },
    status,
    captured: capc?.page,
    stats: {
      migrateScanned: cc.migrateScanned,
      freeScanned: cc.freeScanned,
      isolated: cc.isolated,
      migrated: cc.migrated,
      failed: cc.failed,
    },
  };
}

export interface TryToCompactResult {
  readonly state: CompactionState;
  readonly result: CompactResult;
  readonly captured: number | undefined;
  readonly stats: CompactStats;
  /** compact_zone() ran (the zone was neither deferred nor skipped by suitability). */
  readonly ran: boolean;
}

/**
 * mm/compaction.c try_to_compact_pages() + compact_zone_order() for the one zone: the priority
 * picks the migration mode (ASYNC, else SYNC_LIGHT) and, at SYNC_FULL, a whole-zone scan that
 * ignores skip hints and block suitability. Only sync failures defer.
 */
export function tryToCompactPages(
  state: CompactionState,
  gfp: GfpMask,
  order: number,
  allocFlags: AllocFlags,
  prio: CompactPriority,
  cpu: number,
  events: EventSink,
): TryToCompactResult {
  if (!gfpCompactionAllowed(gfp))
    return { state, result: "COMPACT_SKIPPED", captured: undefined, stats: NO_STATS, ran: false };
  emit(events, { name: "mm_compaction_try_to_compact_pages", order, gfp_mask: gfp, prio });
  let zone = state.zone;
  let rc: CompactResult = "COMPACT_SKIPPED";
  if (prio > MIN_COMPACT_PRIORITY) {
    const deferral = compactionDeferred(zone, order, events);
    zone = deferral.zone;
    if (deferral.deferred) {
      return {
        state: { ...state, zone },
        result: maxCompactResult("COMPACT_DEFERRED", rc),
        captured: undefined,
        stats: NO_STATS,
        ran: false,
      };
    }
  }
  const capc: CaptureControl = { order, migratetype: gfpMigratetype(gfp), page: undefined };
  const whole = prio === MIN_COMPACT_PRIORITY;
  const compacted = compactZone(
    { ...state, zone },
    {
      order,
      gfp,
      mode: prio === COMPACT_PRIO_ASYNC ? "MIGRATE_ASYNC" : "MIGRATE_SYNC_LIGHT",
      direct: true,
      wholeZone: whole,
      ignoreSkipHint: whole,
      ignoreBlockSuitable: whole,
      allocFlags,
      cpu,
    },
    capc,
    events,
  );
  // A captured page means success, even if the scan itself would have said otherwise.
  const status: CompactResult = compacted.captured !== undefined ? "COMPACT_SUCCESS" : compacted.status;
  rc = maxCompactResult(status, rc);
  zone = compacted.state.zone;
  if (status === "COMPACT_SUCCESS") {
    // Expected to succeed, not certain: the caller resets again with true if it does.
    zone = compactionDeferReset(zone, order, false, events);
  } else if (prio !== COMPACT_PRIO_ASYNC && (status === "COMPACT_COMPLETE" || status === "COMPACT_PARTIAL_SKIPPED")) {
    zone = deferCompaction(zone, order, events);
  }
  const ran = compacted.stats !== NO_STATS;
  return {
    state: { zone, owners: compacted.state.owners },
    result: rc,
    captured: compacted.captured,
    stats: compacted.stats,
    ran,
  };
}
