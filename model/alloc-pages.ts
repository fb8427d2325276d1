/**
 * mm/page_alloc.c __alloc_pages_noprof() / __alloc_frozen_pages_noprof(): the entry point.
 * A fast attempt at the low watermark (with ALLOC_NOFRAGMENT where the kernel sets it), then
 * the slow path, then the mm_page_alloc tracepoint.
 */

import { ALLOC_CMA, ALLOC_WMARK_LOW, allocFlagsNofragment, gfpToAllocFlags } from "./alloc-flags.js";
import { type EventSink, emit, FAST_PATH_FAIL } from "./events.js";
import { type GfpMask, gfpMigratetype } from "./gfp.js";
import type { BackgroundState } from "./kcompactd.js";
import type { KernelOptions } from "./kernel-options.js";
import { MIGRATE_MOVABLE } from "./migratetype.js";
import type { Policy } from "./policies/policy.js";
import { allocPagesSlowpath, freelistAttempt } from "./slowpath.js";

export interface AllocRequest {
  readonly order: number;
  readonly gfp: GfpMask;
  readonly cpu: number;
  /** Another CPU is in drain_all_pages(): this request's drain would be skipped (pcpu_drain_mutex). */
  readonly drainMutexBusy?: boolean;
}

export interface AllocPagesResult {
  readonly state: BackgroundState;
  readonly pfn: number | undefined;
}

/** __alloc_pages() */
export function allocPages(
  state: BackgroundState,
  request: AllocRequest,
  kernel: KernelOptions,
  policy: Policy,
  events: EventSink,
): AllocPagesResult {
  const { order, gfp, cpu } = request;
  const migratetype = gfpMigratetype(gfp);
  // Orders above MAX_PAGE_ORDER WARN and fail before touching anything.
  if (order > state.zone.config.maxPageOrder) {
    emit(events, { name: "alloc_step", step: "nopage", order, detail: "order > MAX_PAGE_ORDER" });
    return { state, pfn: undefined };
  }
  const ctx = {
    gfp,
    order,
    cpu,
    migratetype,
    drainMutexBusy: request.drainMutexBusy ?? false,
    defragMode: kernel.defragMode,
  };
  // prepare_alloc_pages() adds ALLOC_CMA for movable requests; the first pass must not fragment.
  const fastFlags =
    ALLOC_WMARK_LOW |
    (migratetype === MIGRATE_MOVABLE ? ALLOC_CMA : 0) |
    allocFlagsNofragment(gfp, kernel.dma32Populated, kernel.defragMode);
  const fast = freelistAttempt(state, order, fastFlags, ctx, events);
  emit(events, {
    name: "alloc_step",
    step: "fast_path",
    order,
    detail: fast.pfn === undefined ? FAST_PATH_FAIL : `pfn ${fast.pfn}`,
  });
  const result = fast.pfn !== undefined ? fast : allocPagesSlowpath(fast.state, ctx, kernel, policy, events);
  emit(events, { name: "mm_page_alloc", pfn: result.pfn ?? -1, order, gfp_flags: gfp, migratetype });
  return result;
}

/**
 * The free lists only, for a folio-range allocation's larger orders (the range API proposed in
 * the thread; not in any kernel): the fast path at the low watermark, then once more at the
 * slow path's watermark and reserves, without waking anyone, reclaiming or compacting.
 */
export function allocFromFreelistsOnly(
  state: BackgroundState,
  request: AllocRequest,
  kernel: KernelOptions,
  events: EventSink,
): AllocPagesResult {
  const { order, gfp, cpu } = request;
  const migratetype = gfpMigratetype(gfp);
  if (order > state.zone.config.maxPageOrder) return { state, pfn: undefined };
  const ctx = { gfp, order, cpu, migratetype, drainMutexBusy: false, defragMode: kernel.defragMode };
  const fastFlags =
    ALLOC_WMARK_LOW |
    (migratetype === MIGRATE_MOVABLE ? ALLOC_CMA : 0) |
    allocFlagsNofragment(gfp, kernel.dma32Populated, kernel.defragMode);
  let result = freelistAttempt(state, order, fastFlags, ctx, events);
  // Not FAST_PATH_FAIL: this request does not go on into the slow path, and the counters must not say it did.
  const detail = result.pfn === undefined ? "fail, free lists only" : `pfn ${result.pfn}`;
  emit(events, { name: "alloc_step", step: "fast_path", order, detail });
  if (result.pfn === undefined) {
    const minFlags = gfpToAllocFlags(gfp, order, {
      highatomicNeedsMinReserve: kernel.highatomicNeedsMinReserve,
      rtTask: false,
      defragMode: kernel.defragMode,
    });
    result = freelistAttempt(result.state, order, minFlags, ctx, events);
    emit(events, {
      name: "alloc_step",
      step: "get_page_from_freelist",
      order,
      detail: result.pfn === undefined ? "fail (free lists only)" : `pfn ${result.pfn}`,
    });
  }
  emit(events, { name: "mm_page_alloc", pfn: result.pfn ?? -1, order, gfp_flags: gfp, migratetype });
  return result;
}
