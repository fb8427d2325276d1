/**
 * Watermark checks, mm/page_alloc.c __zone_watermark_ok(), zone_watermark_fast() and
 * __zone_watermark_unusable_free().
 */

import {
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  type AllocFlags,
} from "./alloc-flags.js";
import { MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE } from "./migratetype.js";
import { freeAreaEmpty, type ZoneState } from "./zone.js";

/**
 * mm/page_alloc.c __zone_watermark_unusable_free(): pages the request may not count. Without
 * reserve access the highatomic free pages are off limits (CMA would be too, but none exists).
 */
export function zoneWatermarkUnusableFree(zone: ZoneState, order: number, allocFlags: AllocFlags): number {
  let unusable = (1 << order) - 1;
  if ((allocFlags & ALLOC_RESERVES) === 0) unusable += zone.nrFreeHighatomic;
  return unusable;
}

/** mm/page_alloc.c __zone_watermark_ok() for a single zone (lowmem_reserve is 0). */
export function zoneWatermarkOkWith(
  zone: ZoneState,
  order: number,
  mark: number,
  allocFlags: AllocFlags,
  freePages: number,
): boolean {
  let min = mark;
  const free = freePages - zoneWatermarkUnusableFree(zone, order, allocFlags);
  if ((allocFlags & ALLOC_RESERVES) !== 0) {
    // __GFP_HIGH allows access to 50% of the min reserve as well as OOM; a non-blocking
    // request (ALLOC_NON_BLOCK) a further 25% of what is left. The reductions nest.
    if ((allocFlags & ALLOC_MIN_RESERVE) !== 0) {
      min -= Math.floor(min / 2);
      if ((allocFlags & ALLOC_NON_BLOCK) !== 0) min -= Math.floor(min / 4);
    }
    // OOM victims can dip further still (half of what is left).
    if ((allocFlags & ALLOC_OOM) !== 0) min -= Math.floor(min / 2);
  }
  if (free <= min) return false;
  if (order === 0) return true;
  // For a high-order request, some block of at least that order must exist on a list it may use.
  for (let o = order; o <= zone.config.maxPageOrder; o++) {
    if (!freeAreaEmpty(zone, o, MIGRATE_UNMOVABLE)) return true;
    if (!freeAreaEmpty(zone, o, MIGRATE_MOVABLE)) return true;
    if (!freeAreaEmpty(zone, o, MIGRATE_RECLAIMABLE)) return true;
    if ((allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) !== 0 && !freeAreaEmpty(zone, o, MIGRATE_HIGHATOMIC)) return true;
  }
  return false;
}

/** mm/page_alloc.c zone_watermark_ok(): __zone_watermark_ok() with NR_FREE_PAGES. */
export function zoneWatermarkOk(zone: ZoneState, order: number, mark: number, allocFlags: AllocFlags): boolean {
  return zoneWatermarkOkWith(zone, order, mark, allocFlags, zone.nrFreePages);
}

/** mm/page_alloc.c zone_watermark_fast() */
export function zoneWatermarkFast(zone: ZoneState, order: number, mark: number, allocFlags: AllocFlags): boolean {
  const freePages = zone.nrFreePages;
  // Fast check for order-0 only; if it fails, the reserves need to be calculated.
  if (order === 0) {
    const reserved = zoneWatermarkUnusableFree(zone, 0, allocFlags);
    const usable = freePages - Math.min(freePages, reserved);
    if (usable > mark) return true;
  }
  if (zoneWatermarkOkWith(zone, order, mark, allocFlags, freePages)) return true;
  // __GFP_HIGH order-0 requests ignore the boost when checking the min watermark: the boost
  // is there to make kswapd reclaim for fragmentation, not to fail atomic allocations.
  if (
    order === 0 &&
    (allocFlags & ALLOC_MIN_RESERVE) !== 0 &&
    zone.watermarkBoost > 0 &&
    (allocFlags & ALLOC_WMARK_MASK) === ALLOC_WMARK_MIN
  ) {
    return zoneWatermarkOkWith(zone, order, zone.watermark.min, allocFlags, freePages);
  }
  return false;
}
