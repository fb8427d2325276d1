/**
 * Page reclaim, mm/vmscan.c: direct reclaim by an allocating task (try_to_free_pages()) and the
 * reclaim loop kswapd runs (balance_pgdat(), in kswapd.ts). The classic LRU, not MGLRU
 * (lru_gen_shrink_node() is another algorithm).
 *
 * What can be reclaimed is clean page cache on the file LRU, oldest first. Anonymous memory is
 * not reclaimable (no swap is modelled, so get_scan_count() scans the file lists only); dirty
 * page cache needs writeback first (the flusher's, see the `writeback` op). The file LRU is all
 * inactive, in the order folios were added: a read that hits a cached folio does not call
 * folio_mark_accessed(), so a folio read twice is not activated and is reclaimed as soon as one
 * read once. (Not modelled: the active list and the referenced flag; a workload that re-reads
 * hot data would keep it cached longer in the kernel.)
 *
 * Not modelled: throttle_direct_reclaim(). A kernel task whose node has fewer free pages than half
 * the min watermarks (allow_direct_reclaim()) wakes kswapd and waits for it before reclaiming;
 * here every direct reclaim starts at once.
 *
 * Direct reclaim walks do_try_to_free_pages()' priority ladder: passes at priority 12
 * (DEF_PRIORITY) down to 0, each scanning the inactive list's size >> priority pages in chunks of
 * SWAP_CLUSTER_MAX. The reclaim target is checked only between chunks (and not at all in the
 * DEF_PRIORITY pass) and between passes, so a direct reclaim takes SWAP_CLUSTER_MAX pages or
 * more: its last pass or chunk overshoots.
 *
 * kswapd (kswapd.ts balance_pgdat()) climbs the same ladder with its own target and rules.
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
 * mm/vmscan.c in_reclaim_compaction(): reclaim for compaction's sake for costly orders, and for
 * any higher order once the priority has fallen below DEF_PRIORITY - 2 (memory is tight).
 */
function inReclaimCompaction(order: number, gfp: GfpMask, priority: number): boolean {
  return gfpCompactionAllowed(gfp) && order > 0 && (order > PAGE_ALLOC_COSTLY_ORDER || priority < DEF_PRIORITY - 2);
}

/**
 * mm/vmscan.c should_continue_reclaim(): in reclaim/compaction mode, shrink the node again
 * until compaction has room (the inactive list is down to compact_gap pages), compaction
 * becomes suitable, the allocation would succeed, or a pass reclaims nothing.
 */
function shouldContinueReclaim(
  zone: ZoneState,
  order: number,
  gfp: GfpMask,
  priority: number,
  reclaimedInNode: number,
  lruPages: number,
  events: EventSink,
): boolean {
  if (!inReclaimCompaction(order, gfp, priority)) return false;
  if (reclaimedInNode === 0) return false;
  if (zoneWatermarkOk(zone, order, wmarkPages(zone, "min"), 0)) return false;
  if (compactionSuitable(zone, order, wmarkPages(zone, "min"), events)) return false;
  const pagesForCompaction = compactGap(order);
  return lruPages > pagesForCompaction;
}

/**
 * One reclaim run's view of the file LRU (a try_to_free_pages() call, a balance_pgdat() run):
 * the list, oldest first, as it was when the run began (reclaim only takes folios off it), and
 * how far the scans have got. Everything before `next` has been reclaimed, or was dirty:
 * shrink_folio_list() activates a dirty file folio rather than write it (kswapd writes one only
 * on meeting it again with PG_reclaim set), so it leaves the inactive list for the rest of the
 * run. (The model has no active list: afterwards the folio is where it was.)
 */
export interface InactiveListWalk {
  readonly oldestFirst: readonly number[];
  next: number;
  /** NR_INACTIVE_FILE as the run sees it: the pages from `next` on. */
  inactivePages: number;
}

/** The start of a reclaim run's walk of the inactive file list (lruvec_lru_size(LRU_INACTIVE_FILE) pages). */
export function inactiveListWalk(owners: PageOwners): InactiveListWalk {
  const oldestFirst = lruOldestFirst(owners);
  let inactivePages = 0;
  for (const handle of oldestFirst) inactivePages += 2 ** (getAllocation(owners, handle)?.order ?? 0);
  return { oldestFirst, next: 0, inactivePages };
}

/** What a reclaim run has done so far: the state, and sc->nr_scanned / sc->nr_reclaimed. */
export interface Shrunk {
  state: CompactionState;
  nrScanned: number;
  nrReclaimed: number;
  /** shrink_node() passes (each `goto again` one more) that had pages to scan. */
  nrPasses: number;
  /** Folios isolated and looked at: shrink_folio_list() works per folio, whatever its size. */
  nrFoliosScanned: number;
}

/** A reclaim run that has done nothing yet (struct scan_control's counters at zero). */
export function startShrink(state: CompactionState): Shrunk {
  return {
    state: { zone: state.zone, owners: state.owners },
    nrScanned: 0,
    nrReclaimed: 0,
    nrPasses: 0,
    nrFoliosScanned: 0,
  };
}

/**
 * mm/vmscan.c shrink_inactive_list(): isolate_lru_folios() takes folios from the tail until
 * `nrToScan` pages are scanned (whole folios: a large one can overshoot); shrink_folio_list()
 * frees the clean ones, through the reclaiming CPU's pcp lists, and activates the dirty ones.
 */
function shrinkInactiveList(walk: InactiveListWalk, shrunk: Shrunk, nrToScan: number, cpu: number, events: EventSink) {
  let { zone, owners } = shrunk.state;
  let scanned = 0;
  while (scanned < nrToScan && walk.next < walk.oldestFirst.length) {
    const handle = walk.oldestFirst[walk.next++] as number;
    const alloc = getAllocation(owners, handle);
    if (alloc === undefined) continue;
    const pages = 2 ** alloc.order;
    scanned += pages;
    shrunk.nrFoliosScanned++;
    walk.inactivePages -= pages;
    if (alloc.dirty ?? false) continue;
    owners = releaseAllocation(owners, handle);
    zone = freePages(zone, alloc.pfn, alloc.order, cpu, events);
    shrunk.nrReclaimed += pages;
  }
  shrunk.nrScanned += scanned;
  shrunk.state = { zone, owners };
}

/** The struct scan_control fields one shrink_node() pass depends on. */
export interface ScanControl {
  readonly priority: number;
  /** The order reclaim works for (kswapd's drops to 0 once it has reclaimed a compaction gap). */
  readonly order: number;
  readonly gfp: GfpMask;
  readonly nrToReclaim: number;
  /**
   * shrink_lruvec()'s proportional_reclaim: a direct reclaimer at DEF_PRIORITY scans its whole
   * target ("do a batch of work at once") instead of stopping at nr_to_reclaim.
   */
  readonly proportionalReclaim: boolean;
}

/**
 * mm/vmscan.c shrink_node() -> shrink_lruvec() at one priority. get_scan_count() (no swap:
 * SCAN_FILE) asks for the inactive file list's size >> priority pages; shrink_lruvec() scans
 * them SWAP_CLUSTER_MAX at a time and stops once this pass has reclaimed sc->nr_to_reclaim
 * (unless proportionalReclaim). shrink_node() repeats while should_continue_reclaim() says so.
 */
export function shrinkNode(walk: InactiveListWalk, shrunk: Shrunk, sc: ScanControl, cpu: number, events: EventSink) {
  for (;;) {
    const reclaimedBefore = shrunk.nrReclaimed;
    let toScan = Math.floor(walk.inactivePages / 2 ** sc.priority);
    if (toScan > 0) shrunk.nrPasses++;
    while (toScan > 0) {
      const chunk = Math.min(toScan, SWAP_CLUSTER_MAX);
      toScan -= chunk;
      shrinkInactiveList(walk, shrunk, chunk, cpu, events);
      if (shrunk.nrReclaimed - reclaimedBefore >= sc.nrToReclaim && !sc.proportionalReclaim) break;
    }
    const reclaimedInNode = shrunk.nrReclaimed - reclaimedBefore;
    const { zone } = shrunk.state;
    if (!shouldContinueReclaim(zone, sc.order, sc.gfp, sc.priority, reclaimedInNode, walk.inactivePages, events))
      return;
  }
}

export interface DirectReclaimResult {
  readonly state: CompactionState;
  /** What __perform_reclaim() returns: pages reclaimed, or 1 when reclaim stood back for compaction. */
  readonly progress: number;
  readonly nrScanned: number;
  readonly nrReclaimed: number;
  readonly nrPasses: number;
  readonly nrFoliosScanned: number;
  readonly compactionReady: boolean;
}

/**
 * mm/vmscan.c try_to_free_pages() -> do_try_to_free_pages(): passes from DEF_PRIORITY down to
 * 0 until SWAP_CLUSTER_MAX pages (sc.nr_to_reclaim) are reclaimed. In each pass shrink_zones()
 * leaves the zone to compaction if the order is costly and compaction_ready(); then the ladder
 * stops, and a call that reclaimed nothing reports progress 1 so the caller compacts.
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
  const walk = inactiveListWalk(state.owners);
  const result = startShrink(state);
  let ready = false;
  for (let priority = DEF_PRIORITY; priority >= 0; priority--) {
    if (order > PAGE_ALLOC_COSTLY_ORDER && compactionReady(result.state.zone, order, gfp, events)) ready = true;
    else {
      const proportionalReclaim = priority === DEF_PRIORITY;
      shrinkNode(
        walk,
        result,
        { priority, order, gfp, nrToReclaim: SWAP_CLUSTER_MAX, proportionalReclaim },
        cpu,
        events,
      );
    }
    if (result.nrReclaimed >= SWAP_CLUSTER_MAX || ready) break;
  }
  countVmEvent(events, "PGSCAN_DIRECT", result.nrScanned);
  countVmEvent(events, "PGSTEAL_DIRECT", result.nrReclaimed);
  emit(events, { name: "mm_vmscan_direct_reclaim_end", nr_reclaimed: result.nrReclaimed });
  emit(events, {
    name: "direct_reclaim",
    order,
    nr_scanned: result.nrScanned,
    nr_reclaimed: result.nrReclaimed,
    nr_passes: result.nrPasses,
    nr_folios_scanned: result.nrFoliosScanned,
    compaction_ready: ready,
  });
  const progress = result.nrReclaimed > 0 ? result.nrReclaimed : ready ? 1 : 0;
  return {
    state: result.state,
    progress,
    nrScanned: result.nrScanned,
    nrReclaimed: result.nrReclaimed,
    nrPasses: result.nrPasses,
    nrFoliosScanned: result.nrFoliosScanned,
    compactionReady: ready,
  };
}
