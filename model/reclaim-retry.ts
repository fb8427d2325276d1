/**
 * The slow path's retry decisions, mm/page_alloc.c: should_reclaim_retry() and
 * should_compact_retry(). They decide how long a non-costly allocation keeps looping before
 * it goes to the OOM killer; NORETRY and costly requests never reach them.
 */

import type { AllocFlags } from "./alloc-flags.js";
import { compactionZonelistSuitable } from "./compaction-suitable.js";
import {
  type CompactPriority,
  type CompactResult,
  MAX_COMPACT_RETRIES,
  MIN_COMPACT_COSTLY_PRIORITY,
  MIN_COMPACT_PRIORITY,
} from "./compaction-types.js";
import { type EventSink, emit } from "./events.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { zoneWatermarkOkWith } from "./watermark.js";
import { wmarkPages, type ZoneState } from "./zone.js";

/** mm/internal.h MAX_RECLAIM_RETRIES: no-progress reclaim loops before giving up (and kswapd's hopeless mark). */
export const MAX_RECLAIM_RETRIES = 16;

/**
 * mm/page_alloc.c should_reclaim_retry(): keep reclaiming while progress is made (costly orders
 * always count as no progress) and, within 16 fruitless loops, while some zone would pass the
 * min watermark if every reclaimable page were freed. The highatomic-reserve release on the way
 * out is the caller's (slowpath.ts), since it changes the zone.
 */
export function shouldReclaimRetry(
  zone: ZoneState,
  order: number,
  allocFlags: AllocFlags,
  didSomeProgress: boolean,
  noProgressLoops: number,
  reclaimable: number,
  events: EventSink,
): { retry: boolean; noProgressLoops: number } {
  const loops = didSomeProgress && order <= PAGE_ALLOC_COSTLY_ORDER ? 0 : noProgressLoops + 1;
  if (loops > MAX_RECLAIM_RETRIES) return { retry: false, noProgressLoops: loops };
  const available = reclaimable + zone.nrFreePages;
  const minWmark = wmarkPages(zone, "min");
  const wmark = zoneWatermarkOkWith(zone, order, minWmark, allocFlags, available);
  emit(events, {
    name: "reclaim_retry_zone",
    order,
    reclaimable,
    available,
    min_wmark: minWmark,
    no_progress_loops: loops,
    wmark_check: wmark,
  });
  return { retry: wmark, noProgressLoops: loops };
}

/**
 * mm/page_alloc.c should_compact_retry(): retry after SKIPPED only if reclaim could make
 * compaction suitable; after SUCCESS (a lost race) up to 16 times (4 for costly orders); else
 * raise the priority ASYNC -> SYNC_LIGHT -> SYNC_FULL (costly orders stop at SYNC_LIGHT).
 */
export function shouldCompactRetry(
  zone: ZoneState,
  order: number,
  result: CompactResult,
  priority: CompactPriority,
  compactionRetries: number,
  reclaimable: number,
  events: EventSink,
): { retry: boolean; priority: CompactPriority; compactionRetries: number } {
  if (order === 0) return { retry: false, priority, compactionRetries };
  let maxRetries = MAX_COMPACT_RETRIES;
  let retries = compactionRetries;
  let prio = priority;
  let ret = false;
  if (result === "COMPACT_SKIPPED") {
    ret = compactionZonelistSuitable(zone, order, reclaimable);
  } else {
    let escalate = true;
    if (result === "COMPACT_SUCCESS") {
      // !costly requests matter more: they are de facto nofail and would OOM-kill otherwise.
      if (order > PAGE_ALLOC_COSTLY_ORDER) maxRetries = Math.floor(maxRetries / 4);
      if (++retries <= maxRetries) {
        ret = true;
        escalate = false;
      }
    }
    if (escalate) {
      const minPriority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
      if (prio > minPriority) {
        prio = (prio - 1) as CompactPriority;
        retries = 0;
        ret = true;
      }
    }
  }
  emit(events, {
    name: "compact_retry",
    order,
    priority,
    result,
    retries: compactionRetries,
    max_retries: maxRetries,
    ret,
  });
  return { retry: ret, priority: prio, compactionRetries: retries };
}
