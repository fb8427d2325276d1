/**
 * Whether compaction should run at all, mm/compaction.c (6.17 form, where the caller's
 * watermark is explicit): enough free pages to hold the migration targets, and for costly
 * orders a failure that is due to fragmentation rather than to lack of memory.
 */

import { ALLOC_CMA, ALLOC_WMARK_MASK, type AllocFlags } from "./alloc-flags.js";
import { type CompactResult, compactGap, SYSCTL_EXTFRAG_THRESHOLD } from "./compaction-types.js";
import { type EventSink, emit } from "./events.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { fragmentationIndex } from "./vmstat.js";
import { zoneWatermarkOkWith } from "./watermark.js";
import { wmarkPages, type ZoneState } from "./zone.js";

const WMARK_NAMES = ["min", "low", "high", "promo"] as const;

/** wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK), the watermark compaction_suit_allocation_order() checks. */
export function wmarkForFlags(zone: ZoneState, allocFlags: AllocFlags): number {
  return wmarkPages(zone, WMARK_NAMES[allocFlags & ALLOC_WMARK_MASK] ?? "min");
}

/**
 * mm/compaction.c __compaction_suitable(): order-0 pages above the watermark plus compact_gap
 * (and, for costly orders, plus low - min), counting `freePages`.
 */
export function compactionSuitableFree(zone: ZoneState, order: number, watermark: number, freePages: number): boolean {
  let mark = watermark + compactGap(order);
  if (order > PAGE_ALLOC_COSTLY_ORDER) mark += zone.watermark.low - zone.watermark.min;
  return zoneWatermarkOkWith(zone, 0, mark, ALLOC_CMA, freePages);
}

/**
 * mm/compaction.c compaction_suitable(): __compaction_suitable() on NR_FREE_PAGES, and for costly
 * orders a fragmentation index outside [0, extfrag_threshold] (near 0 means "lack of memory":
 * reclaim, not compaction, is what would help).
 */
export function compactionSuitable(zone: ZoneState, order: number, watermark: number, events: EventSink): boolean {
  let ret: CompactResult = "COMPACT_CONTINUE";
  let suitable = compactionSuitableFree(zone, order, watermark, zone.nrFreePages);
  if (!suitable) {
    ret = "COMPACT_SKIPPED";
  } else if (order > PAGE_ALLOC_COSTLY_ORDER) {
    const fragindex = fragmentationIndex(zone, order);
    if (fragindex >= 0 && fragindex <= SYSCTL_EXTFRAG_THRESHOLD) {
      suitable = false;
      ret = "COMPACT_NOT_SUITABLE_ZONE";
    }
  }
  emit(events, { name: "mm_compaction_suitable", order, ret });
  return suitable;
}

/**
 * mm/compaction.c compaction_suit_allocation_order(): SUCCESS when the allocation would already
 * succeed at the caller's watermark, SKIPPED when compaction is unlikely to help, else CONTINUE.
 * `kcompactdDefragMode` is the kernel's `kcompactd && defrag_mode` (6.15+): the first check then
 * counts only pages in whole free pageblocks (NR_FREE_PAGES_BLOCKS); the others never do.
 */
export function compactionSuitAllocationOrder(
  zone: ZoneState,
  order: number,
  allocFlags: AllocFlags,
  async: boolean,
  kcompactdDefragMode: boolean,
  events: EventSink,
): CompactResult {
  const watermark = wmarkForFlags(zone, allocFlags);
  const freePages = kcompactdDefragMode ? zone.nrFreePagesBlocks : zone.nrFreePages;
  if (zoneWatermarkOkWith(zone, order, watermark, allocFlags, freePages)) return "COMPACT_SUCCESS";
  // Costly async requests that cannot use CMA need the gap outside CMA pageblocks; with no CMA
  // areas in the model this is the plain free-page check.
  if (order > PAGE_ALLOC_COSTLY_ORDER && async && (allocFlags & ALLOC_CMA) === 0) {
    if (!zoneWatermarkOkWith(zone, 0, watermark + compactGap(order), 0, zone.nrFreePages)) return "COMPACT_SKIPPED";
  }
  if (!compactionSuitable(zone, order, watermark, events)) return "COMPACT_SKIPPED";
  return "COMPACT_CONTINUE";
}

/**
 * mm/compaction.c compaction_zonelist_suitable(): would compaction become suitable if reclaim
 * freed some memory? Counts only reclaimable / order of the reclaimable pages, so as not to
 * thrash for one high-order allocation.
 */
export function compactionZonelistSuitable(zone: ZoneState, order: number, reclaimablePages: number): boolean {
  const available = Math.floor(reclaimablePages / order) + zone.nrFreePages;
  return compactionSuitableFree(zone, order, wmarkPages(zone, "min"), available);
}
