/**
 * Page reclaim, mm/vmscan.c: direct reclaim by an allocating task (try_to_free_pages()) and the
 * reclaim loop kswapd runs (balance_pgdat(), in kswapd.ts).
 *
 * What can be reclaimed is clean page cache on the file LRU, oldest first. Anonymous memory is
 * not reclaimable (no swap is modelled); dirty page cache is skipped (reclaim does not write
 * back file pages; the flusher does, see the `writeback` op). The scan-priority ladder
 * (DEF_PRIORITY 12 down to 0, scanning lru_size >> priority per pass) is collapsed into one
 * walk from the LRU tail that stops at the reclaim target: the pages reclaimed, and which ones,
 * are the same; the number of passes is not modelled.
 */

import type { CompactionState } from "./compaction.js";
import { compactionSuitable } from "./compaction-suitable.js";
import { compactGap } from "./compaction-types.js";
import { countVmEvent, type EventSink, emit } from "./events.js";
import { type GfpMask, gfpCompactionAllowed } from "./gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { freePages } from "./page-alloc.js";
import { getAllocation, lruOldestFirst, type PageOwners, releaseAllocation } from "./page-owner.js";
import { zoneWatermarkOk } from "./watermark.js";
import { wmarkPages, type ZoneState } from "./zone.js";

/** include/linux/swap.h SWAP_CLUSTER_MAX: try_to_free_pages()' nr_to_reclaim. */
export const SWAP_CLUSTER_MAX = 32;
/** mm/vmscan.c DEF_PRIORITY */
export const DEF_PRIORITY = 12;

/**
 * zone_reclaimable_pages(): the file LRU, dirty folios included (no swap in this model, so no
 * anon). should_reclaim_retry() and the OOM decision use it.
 */
export function zoneReclaimablePages(owners: PageOwners): number {
  return filePages(owners, () => true);
}

/**
 * The page cache reclaim could free right now: clean folios. Dirty ones count as reclaimable
 * for the retry heuristics (the kernel sums the whole file LRU) but need writeback first.
 */
export function cleanPageCachePages(owners: PageOwners): number {
  return filePages(owners, (dirty) => !dirty);
}

function filePages(owners: PageOwners, include: (dirty: boolean) => boolean): number {
  let pages = 0;
  for (const handle of lruOldestFirst(owners)) {
    const alloc = getAllocation(owners, handle);
    if (alloc !== undefined && include(alloc.dirty ?? false)) pages += 2 ** alloc.order;
  }
  return pages;
}

/**
 * mm/vmscan.c compaction_ready(): for a costly request, is there already enough free memory for
 * compaction to work with (or would the allocation succeed)? Then reclaim leaves the zone alone.
 */
export function compactionReady(zone: ZoneState, order: number, gfp: GfpMask, events: EventSink): boolean {
  if (!gfpCompactionAllowed(gfp)) return false;
  if (zoneWatermarkOk(zone, order, wmarkPages(zone, "min"), 0)) return true;
  return compactionSuitable(zone, order, wmarkPages(zone, "high"), events);
}

/**
 * mm/vmscan.c in_reclaim_compaction() + should_continue_reclaim(): for costly orders, keep
 * reclaiming past SWAP_CLUSTER_MAX until compaction has room (compact_gap pages reclaimed),
 * compaction becomes suitable, or the allocation would succeed.
 */
function shouldContinueReclaim(
  zone: ZoneState,
  order: number,
  gfp: GfpMask,
  reclaimedInNode: number,
  lruPages: number,
  events: EventSink,
): boolean {
  if (!gfpCompactionAllowed(gfp) || order <= PAGE_ALLOC_COSTLY_ORDER) return false;
  if (reclaimedInNode === 0) return false;
  if (zoneWatermarkOk(zone, order, wmarkPages(zone, "min"), 0)) return false;
  if (compactionSuitable(zone, order, wmarkPages(zone, "min"), events)) return false;
  const pagesForCompaction = compactGap(order);
  return lruPages > pagesForCompaction;
}

export interface ShrinkResult {
  readonly state: CompactionState;
  readonly nrScanned: number;
  readonly nrReclaimed: number;
}

/**
 * shrink_node() on the file LRU: reclaim clean folios from the tail until `target` pages are
 * reclaimed (or, in reclaim/compaction mode, until should_continue_reclaim() says stop). Freed
 * folios go back through the reclaiming CPU's pcp lists, as free_unref_folios() does.
 */
export function shrinkNode(
  state: CompactionState,
  target: number,
  order: number,
  gfp: GfpMask,
  cpu: number,
  events: EventSink,
): ShrinkResult {
  let { zone, owners } = state;
  let nrScanned = 0;
  let nrReclaimed = 0;
  let batchReclaimed = 0;
  let lruPages = 0;
  for (const handle of lruOldestFirst(owners)) lruPages += 2 ** (getAllocation(owners, handle)?.order ?? 0);
  for (const handle of lruOldestFirst(owners)) {
    const alloc = getAllocation(owners, handle);
    if (alloc === undefined) continue;
    nrScanned += 2 ** alloc.order;
    if (alloc.dirty ?? false) continue;
    owners = releaseAllocation(owners, handle);
    zone = freePages(zone, alloc.pfn, alloc.order, cpu, events);
    nrReclaimed += 2 ** alloc.order;
    batchReclaimed += 2 ** alloc.order;
    lruPages -= 2 ** alloc.order;
    if (batchReclaimed >= target) {
      if (!shouldContinueReclaim(zone, order, gfp, nrReclaimed, lruPages, events)) break;
      batchReclaimed = 0;
    }
  }
  return { state: { zone, owners }, nrScanned, nrReclaimed };
}

export interface DirectReclaimResult {
  readonly state: CompactionState;
  /** What __perform_reclaim() returns: pages reclaimed, or 1 when reclaim stood back for compaction. */
  readonly progress: number;
  readonly nrScanned: number;
  readonly nrReclaimed: number;
  readonly compactionReady: boolean;
}

/**
 * mm/vmscan.c try_to_free_pages() -> do_try_to_free_pages() -> shrink_zones(): reclaim
 * SWAP_CLUSTER_MAX pages for the allocating task, unless (for costly orders) compaction is
 * already ready, in which case report progress without reclaiming so the caller compacts.
 */
export function tryToFreePages(
  state: CompactionState,
  order: number,
  gfp: GfpMask,
  cpu: number,
  events: EventSink,
): DirectReclaimResult {
  emit(events, { name: "mm_vmscan_direct_reclaim_begin", order, gfp_flags: gfp });
  countVmEvent(events, "ALLOCSTALL");
  let result: ShrinkResult = { state, nrScanned: 0, nrReclaimed: 0 };
  const ready = order > PAGE_ALLOC_COSTLY_ORDER && compactionReady(state.zone, order, gfp, events);
  if (!ready) result = shrinkNode(state, SWAP_CLUSTER_MAX, order, gfp, cpu, events);
  countVmEvent(events, "PGSCAN_DIRECT", result.nrScanned);
  countVmEvent(events, "PGSTEAL_DIRECT", result.nrReclaimed);
  emit(events, { name: "mm_vmscan_direct_reclaim_end", nr_reclaimed: result.nrReclaimed });
  emit(events, {
    name: "direct_reclaim",
    order,
    nr_scanned: result.nrScanned,
    nr_reclaimed: result.nrReclaimed,
    compaction_ready: ready,
  });
  const progress = result.nrReclaimed > 0 ? result.nrReclaimed : ready ? 1 : 0;
  return {
    state: result.state,
    progress,
    nrScanned: result.nrScanned,
    nrReclaimed: result.nrReclaimed,
    compactionReady: ready,
  };
}
