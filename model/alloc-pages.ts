/**
 * mm/page_alloc.c __alloc_pages_noprof(): the entry point. A fast attempt at the low watermark,
 * then the slow path.
 */

import { ALLOC_WMARK_LOW, allocFlagsNofragment, gfpToAllocFlags } from "./alloc-flags.js";
import { type EventSink, emit } from "./events.js";
import type { PageProbe } from "./fallback.js";
import { type GfpMask, gfpMigratetype } from "./gfp.js";
import type { KernelOptions } from "./kernel-options.js";
import { getPageFromFreelist } from "./page-alloc.js";
import type { ZoneState } from "./zone.js";

export interface AllocRequest {
  readonly order: number;
  readonly gfp: GfpMask;
  readonly cpu: number;
}

export interface AllocPagesResult {
  readonly zone: ZoneState;
  readonly pfn: number | undefined;
}

/**
 * __alloc_pages(): fast path at the low watermark with ALLOC_NOFRAGMENT where the kernel sets it,
 * then one attempt at the slow path's alloc_flags (min watermark, reserves as the gfp allows).
 */
export function allocPages(
  zone: ZoneState,
  request: AllocRequest,
  kernel: KernelOptions,
  probe: PageProbe,
  events: EventSink,
): AllocPagesResult {
  const { order, gfp, cpu } = request;
  // Orders above MAX_PAGE_ORDER WARN and fail before touching anything.
  if (order > zone.config.maxPageOrder) return { zone, pfn: undefined };
  const migratetype = gfpMigratetype(gfp);
  const fastFlags = ALLOC_WMARK_LOW | allocFlagsNofragment(gfp, kernel.dma32Populated, kernel.defragMode);
  let result = getPageFromFreelist(zone, { order, allocFlags: fastFlags, migratetype, cpu, probe }, events);
  if (result.pfn === undefined) {
    const slowFlags = gfpToAllocFlags(gfp, order, {
      highatomicNeedsMinReserve: kernel.highatomicNeedsMinReserve,
      rtTask: false,
      defragMode: kernel.defragMode,
    });
    result = getPageFromFreelist(result.zone, { order, allocFlags: slowFlags, migratetype, cpu, probe }, events);
  }
  if (result.pfn !== undefined)
    emit(events, { name: "mm_page_alloc", pfn: result.pfn, order, gfp_flags: gfp, migratetype });
  return { zone: result.zone, pfn: result.pfn };
}
