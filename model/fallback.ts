/**
 * Falling back to another migratetype's free lists when the requested one is empty,
 * mm/page_alloc.c (6.15+): __rmqueue() with its rmqueue_mode state machine, __rmqueue_claim()
 * (take over a whole pageblock) and __rmqueue_steal() (take one block, polluting the pageblock).
 *
 * This is where fragmentation comes from: an order-0 UNMOVABLE page-table allocation that finds
 * its own lists empty claims or pollutes a MOVABLE pageblock, and compaction cannot move it out.
 *
 * As in buddy.ts, each exported function that changes a zone is a shell over a `...Draft` twin
 * working on a ZoneDraft (zone.ts), so one step copies the zone's structures once.
 */

import { ALLOC_KSWAPD, ALLOC_NOFRAGMENT, type AllocFlags } from "./alloc-flags.js";
import {
  accountFreepagesDraft,
  delPageFromFreeListAccountedDraft,
  expandDraft,
  moveToFreeListDraft,
  pageDelAndExpandDraft,
  rmqueueSmallestDraft,
  type Taken,
} from "./buddy.js";
import { type EventSink, emit } from "./events.js";
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, type Migratetype } from "./migratetype.js";
import { sparseForEachInRange, sparseGet } from "./persistent/sparse-array.js";
import {
  closeZoneDraft,
  draftChangePageblockRange,
  draftFields,
  draftSetPageblockMigratetype,
  freeAreaNrFree,
  freeList,
  getPfnblockMigratetype,
  openZoneDraft,
  pageblockNrPages,
  type ZoneDraft,
  type ZoneState,
  zoneSpansPfn,
} from "./zone.js";
import { hasFault } from "./zone-config.js";

/** mm/page_alloc.c fallbacks[]: the order in which other types' lists are tried. */
export const FALLBACKS: Readonly<Record<0 | 1 | 2, readonly [Migratetype, Migratetype]>> = {
  [MIGRATE_UNMOVABLE]: [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  [MIGRATE_MOVABLE]: [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  [MIGRATE_RECLAIMABLE]: [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
};

function fallbacksOf(mt: Migratetype): readonly Migratetype[] {
  return mt === MIGRATE_UNMOVABLE || mt === MIGRATE_MOVABLE || mt === MIGRATE_RECLAIMABLE ? FALLBACKS[mt] : [];
}

/**
 * mm/page_alloc.c should_try_claim_block(), called with the order of the *free block found*:
 * claiming is worth trying for big blocks, and always for unmovable/reclaimable requests,
 * because polluting a movable block with them fragments memory for good.
 */
export function shouldTryClaimBlock(zone: ZoneState, blockOrder: number, startMt: Migratetype): boolean {
  const pageblockOrder = zone.config.pageblockOrder;
  if (blockOrder >= pageblockOrder) return true;
  if (blockOrder >= pageblockOrder >> 1) return true;
  return startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE;
}

/** What find_suitable_fallback() found: a type, nothing at this order (-1), or "too small to claim" (-2). */
export type FallbackSearch = Migratetype | -1 | -2;

/** mm/page_alloc.c find_suitable_fallback() */
export function findSuitableFallback(
  zone: ZoneState,
  order: number,
  mt: Migratetype,
  claimable: boolean,
): FallbackSearch {
  if (claimable && !shouldTryClaimBlock(zone, order, mt)) return -2;
  if (freeAreaNrFree(zone, order) === 0) return -1;
  for (const fallbackMt of fallbacksOf(mt)) {
    if (freeList(zone, order, fallbackMt).length > 0) return fallbackMt;
  }
  return -1;
}

/** The new watermark_boost after boost_watermark(), or undefined when the zone is not boosted. */
function boostedWatermark(zone: ZoneState): number | undefined {
  const config = zone.config;
  if (config.watermarkBoostFactor === 0) return undefined;
  // Don't bother in zones that are unlikely to produce results (tiny zones, kdump kernels).
  if (pageblockNrPages(config) * 4 > config.nrPages) return undefined;
  let maxBoost = Math.floor((zone.watermark.high * config.watermarkBoostFactor) / 10000);
  if (maxBoost === 0) return undefined;
  maxBoost = Math.max(pageblockNrPages(config), maxBoost);
  return Math.min(zone.watermarkBoost + pageblockNrPages(config), maxBoost);
}

/**
 * mm/page_alloc.c boost_watermark(): after a fallback, raise the watermarks by a pageblock
 * (up to watermark_boost_factor of the high mark) so kswapd reclaims to undo the mixing.
 */
export function boostWatermark(zone: ZoneState): { zone: ZoneState; boosted: boolean } {
  const watermarkBoost = boostedWatermark(zone);
  if (watermarkBoost === undefined) return { zone, boosted: false };
  return { zone: { ...zone, watermarkBoost }, boosted: true };
}

/** boost_watermark() on a draft; returns whether the zone was boosted. */
export function boostWatermarkDraft(draft: ZoneDraft): boolean {
  const watermarkBoost = boostedWatermark(draft.zone);
  if (watermarkBoost === undefined) return false;
  draftFields(draft).watermarkBoost = watermarkBoost;
  return true;
}

/**
 * What struct page says about allocated pages, which the zone itself does not record:
 * supplied by the owner table (page-owner.ts).
 */
export interface PageProbe {
  /** Pages in [start, end) that could be isolated for migration: PageLRU() || __PageMovable(). */
  movablePagesInRange(start: number, end: number): number;
}

/**
 * mm/page_alloc.c prep_move_freepages_block(): count the free and the movable pages of the
 * pageblock around `pfn`. Pages on pcp lists count as neither, as in the kernel.
 */
export function prepMoveFreepagesBlock(zone: ZoneState, pfn: number, probe: PageProbe) {
  const nr = pageblockNrPages(zone.config);
  const start = pfn & ~(nr - 1);
  const end = start + nr;
  // The caller only holds this zone's lock: don't touch ranges that straddle into other zones.
  if (!zoneSpansPfn(zone, start) || !zoneSpansPfn(zone, end - 1)) return undefined;
  let freePages = 0;
  sparseForEachInRange(zone.freeBlocks, start, end, (_p, block) => {
    freePages += 1 << block.order;
    return true;
  });
  return { startPfn: start, freePages, movablePages: probe.movablePagesInRange(start, end) };
}

/** __move_freepages_block() on a draft; returns the pages moved. */
export function moveFreepagesBlockDraft(draft: ZoneDraft, startPfn: number, newMt: Migratetype): number {
  const end = startPfn + pageblockNrPages(draft.zone.config);
  const heads: number[] = [];
  sparseForEachInRange(draft.zone.freeBlocks, startPfn, end, (p) => {
    heads.push(p);
    return true;
  });
  let moved = 0;
  for (const p of heads) {
    if (sparseGet(draft.zone.freeBlocks, p) === undefined) continue;
    moved += 1 << moveToFreeListDraft(draft, p, newMt);
  }
  return moved;
}

/** mm/page_alloc.c __move_freepages_block(): move every free block of the pageblock to another list. */
export function moveFreepagesBlock(
  zone: ZoneState,
  startPfn: number,
  newMt: Migratetype,
): { zone: ZoneState; moved: number } {
  const draft = openZoneDraft(zone);
  const moved = moveFreepagesBlockDraft(draft, startPfn, newMt);
  return { zone: closeZoneDraft(draft), moved };
}

/**
 * mm/page_alloc.c try_to_claim_block(): take the whole pageblock for the requester's type when
 * it is free or "alike" enough; otherwise give up (6.15+; older kernels took one page here).
 * On a draft; returns the pfn taken, or undefined.
 */
function tryToClaimBlock(
  draft: ZoneDraft,
  pfn: number,
  currentOrder: number,
  order: number,
  startMt: Migratetype,
  blockMt: Migratetype,
  allocFlags: AllocFlags,
  probe: PageProbe,
  events: EventSink,
): number | undefined {
  const config = draft.zone.config;
  // Take ownership for orders >= pageblock_order.
  if (currentOrder >= config.pageblockOrder) {
    delPageFromFreeListAccountedDraft(draft, pfn);
    if (!hasFault(config, "claim-keeps-pageblock-type")) draftChangePageblockRange(draft, pfn, currentOrder, startMt);
    const nrAdded = expandDraft(draft, pfn, order, currentOrder, startMt);
    accountFreepagesDraft(draft, nrAdded, startMt);
    return pfn;
  }
  // Boost watermarks so kswapd reclaims and future fallbacks get less likely; flag the zone so
  // rmqueue() wakes kswapd even if the node looks balanced overall. The boost stays even when
  // the claim below fails.
  if (boostWatermarkDraft(draft)) {
    emit(events, { name: "boost_watermark", watermark_boost: draft.zone.watermarkBoost });
    if ((allocFlags & ALLOC_KSWAPD) !== 0) draftFields(draft).boostedWatermark = true;
  }
  const counts = prepMoveFreepagesBlock(draft.zone, pfn, probe);
  if (counts === undefined) return undefined;
  let alikePages: number;
  if (startMt === MIGRATE_MOVABLE) {
    alikePages = counts.movablePages;
  } else if (blockMt === MIGRATE_MOVABLE) {
    // An unmovable/reclaimable request falling back to a movable block counts every
    // non-movable page as compatible; between unmovable and reclaimable, be conservative.
    alikePages = pageblockNrPages(config) - (counts.freePages + counts.movablePages);
  } else {
    alikePages = 0;
  }
  if (counts.freePages + alikePages < 1 << (config.pageblockOrder - 1)) return undefined;
  moveFreepagesBlockDraft(draft, counts.startPfn, startMt);
  if (!hasFault(config, "claim-keeps-pageblock-type")) draftSetPageblockMigratetype(draft, counts.startPfn, startMt);
  return rmqueueSmallestDraft(draft, order, startMt, events);
}

function extfrag(
  zone: ZoneState,
  pfn: number,
  order: number,
  fallbackOrder: number,
  startMt: Migratetype,
  fallbackMt: Migratetype,
  events: EventSink,
): void {
  emit(events, {
    name: "mm_page_alloc_extfrag",
    pfn,
    alloc_order: order,
    fallback_order: fallbackOrder,
    alloc_migratetype: startMt,
    fallback_migratetype: fallbackMt,
    change_ownership: getPfnblockMigratetype(zone, pfn) === startMt,
  });
}

/** __rmqueue_claim() on a draft: the pfn taken, or undefined (a failed claim may still have boosted). */
export function rmqueueClaimDraft(
  draft: ZoneDraft,
  order: number,
  startMt: Migratetype,
  allocFlags: AllocFlags,
  probe: PageProbe,
  events: EventSink,
): number | undefined {
  const config = draft.zone.config;
  // With ALLOC_NOFRAGMENT, do not take pages from other types' pageblocks below pageblock_order.
  const minOrder =
    order < config.pageblockOrder && (allocFlags & ALLOC_NOFRAGMENT) !== 0 ? config.pageblockOrder : order;
  for (let current = config.maxPageOrder; current >= minOrder; current--) {
    const fallbackMt = findSuitableFallback(draft.zone, current, startMt, true);
    if (fallbackMt === -1) continue;
    if (fallbackMt === -2) break;
    const pfn = freeList(draft.zone, current, fallbackMt).head;
    const claimed = tryToClaimBlock(draft, pfn, current, order, startMt, fallbackMt, allocFlags, probe, events);
    if (claimed === undefined) continue;
    extfrag(draft.zone, claimed, order, current, startMt, fallbackMt, events);
    return claimed;
  }
  return undefined;
}

/**
 * mm/page_alloc.c __rmqueue_claim(): search from the largest order down (the largest free
 * block approximates the pageblock with the most free pages) for a block worth claiming.
 * A failed claim may still have boosted the watermark; the returned zone carries that.
 */
export function rmqueueClaim(
  zone: ZoneState,
  order: number,
  startMt: Migratetype,
  allocFlags: AllocFlags,
  probe: PageProbe,
  events: EventSink,
): { zone: ZoneState; pfn: number | undefined } {
  const draft = openZoneDraft(zone);
  const pfn = rmqueueClaimDraft(draft, order, startMt, allocFlags, probe, events);
  return { zone: closeZoneDraft(draft), pfn };
}

/** __rmqueue_steal() on a draft: the pfn taken, or undefined. */
export function rmqueueStealDraft(
  draft: ZoneDraft,
  order: number,
  startMt: Migratetype,
  events: EventSink,
): number | undefined {
  for (let current = order; current <= draft.zone.config.maxPageOrder; current++) {
    const fallbackMt = findSuitableFallback(draft.zone, current, startMt, false);
    if (fallbackMt === -1 || fallbackMt === -2) continue;
    const pfn = freeList(draft.zone, current, fallbackMt).head;
    pageDelAndExpandDraft(draft, pfn, order, current, fallbackMt);
    extfrag(draft.zone, pfn, order, current, startMt, fallbackMt, events);
    return pfn;
  }
  return undefined;
}

/**
 * mm/page_alloc.c __rmqueue_steal(): the smallest fallback block that fits. The remainders stay
 * on the *foreign* type's lists and the pageblock keeps its type: the block is now polluted.
 */
export function rmqueueSteal(
  zone: ZoneState,
  order: number,
  startMt: Migratetype,
  events: EventSink,
): Taken | undefined {
  const draft = openZoneDraft(zone);
  const pfn = rmqueueStealDraft(draft, order, startMt, events);
  const next = closeZoneDraft(draft);
  return pfn === undefined ? undefined : { zone: next, pfn };
}

/** enum rmqueue_mode: where rmqueue_bulk() found pages last, so the next call starts there. */
export type RmqueueMode = "normal" | "claim" | "steal";

/** What __rmqueue() found on a draft: the pfn (or undefined) and the mode to start from next time. */
export interface RmqueueTaken {
  readonly pfn: number | undefined;
  readonly mode: RmqueueMode;
}

/** __rmqueue() on a draft. */
export function rmqueueFromFreeListsDraft(
  draft: ZoneDraft,
  order: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  mode: RmqueueMode,
  probe: PageProbe,
  events: EventSink,
): RmqueueTaken {
  if (mode === "normal") {
    const pfn = rmqueueSmallestDraft(draft, order, mt, events);
    if (pfn !== undefined) return { pfn, mode };
  }
  if (mode === "normal" || mode === "claim") {
    const pfn = rmqueueClaimDraft(draft, order, mt, allocFlags, probe, events);
    // Replenished the preferred free list: back to normal mode.
    if (pfn !== undefined) return { pfn, mode: "normal" };
  }
  if ((allocFlags & ALLOC_NOFRAGMENT) === 0) {
    const pfn = rmqueueStealDraft(draft, order, mt, events);
    if (pfn !== undefined) return { pfn, mode: "steal" };
  }
  return { pfn: undefined, mode };
}

/** mm/page_alloc.c __rmqueue(): own lists, then claim, then steal (unless ALLOC_NOFRAGMENT). */
export function rmqueueFromFreeLists(
  zone: ZoneState,
  order: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  mode: RmqueueMode,
  probe: PageProbe,
  events: EventSink,
): { zone: ZoneState; pfn: number | undefined; mode: RmqueueMode } {
  const draft = openZoneDraft(zone);
  const taken = rmqueueFromFreeListsDraft(draft, order, mt, allocFlags, mode, probe, events);
  return { zone: closeZoneDraft(draft), pfn: taken.pfn, mode: taken.mode };
}
