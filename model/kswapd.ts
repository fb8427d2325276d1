/**
 * kswapd, mm/vmscan.c: the per-node reclaim thread. Allocations wake it when a zone falls below
 * its low watermark; it reclaims until the node is balanced at the high watermark, works off any
 * watermark boost, then wakes kcompactd for the order that was asked for and goes to sleep,
 * clearing compaction's skip bits on the way if a direct compaction pass asked for it.
 */

import { resetIsolationSuitable } from "./compaction.js";
import { compactGap } from "./compaction-types.js";
import { countVmEvent, type EventSink, emit } from "./events.js";
import { __GFP_DIRECT_RECLAIM, GFP_KERNEL, type GfpMask } from "./gfp.js";
import { type BackgroundState, wakeupKcompactd } from "./kcompactd.js";
import { KTHREAD_CPU } from "./node.js";
import { MAX_RECLAIM_RETRIES } from "./reclaim-retry.js";
import { DEF_PRIORITY, inactiveListWalk, SWAP_CLUSTER_MAX, shrinkNode, startShrink } from "./vmscan.js";
import { zoneWatermarkOkWith } from "./watermark.js";
import { wmarkPages, type ZoneState } from "./zone.js";

/**
 * mm/vmscan.c pgdat_balanced(): the zone meets its (boosted) high watermark at this order. Under
 * vm.defrag_mode (6.15+) a high-order check counts only the pages in whole free pageblocks
 * (NR_FREE_PAGES_BLOCKS), so that fallbacks find blocks to claim; at order 0, which kswapd drops
 * to once it has reclaimed a compaction gap, it counts all free pages and hands over to kcompactd.
 */
export function pgdatBalanced(zone: ZoneState, order: number, defragMode: boolean): boolean {
  const freePages = defragMode && order > 0 ? zone.nrFreePagesBlocks : zone.nrFreePages;
  return zoneWatermarkOkWith(zone, order, wmarkPages(zone, "high"), 0, freePages);
}

function withReclaimActive(state: BackgroundState, reclaimActive: boolean): BackgroundState {
  return { ...state, zone: { ...state.zone, reclaimActive } };
}

function withKswapd(state: BackgroundState, fields: Partial<BackgroundState["node"]["kswapd"]>): BackgroundState {
  return { ...state, node: { ...state.node, kswapd: { ...state.node.kswapd, ...fields } } };
}

/**
 * mm/vmscan.c wakeup_kswapd(): record the order; wake kswapd if it sleeps and the node is
 * unbalanced. A hopeless or balanced node is left alone, but a request that cannot reclaim
 * itself (no __GFP_DIRECT_RECLAIM) wakes kcompactd instead: memory may be plentiful but
 * fragmented.
 */
export function wakeupKswapd(
  state: BackgroundState,
  gfp: GfpMask,
  order: number,
  defragMode: boolean,
  events: EventSink,
): { state: BackgroundState; kswapdWoken: boolean; kcompactdWoken: boolean } {
  const kswapd = state.node.kswapd;
  let next = withKswapd(state, { order: Math.max(kswapd.order, order) });
  if (!kswapd.sleeping) return { state: next, kswapdWoken: false, kcompactdWoken: false };
  const zone = next.zone;
  if (kswapd.failures >= MAX_RECLAIM_RETRIES || (pgdatBalanced(zone, order, defragMode) && zone.watermarkBoost === 0)) {
    if ((gfp & __GFP_DIRECT_RECLAIM) === 0) {
      const woke = wakeupKcompactd(next, order, defragMode, events);
      return { state: woke.state, kswapdWoken: false, kcompactdWoken: woke.woken };
    }
    return { state: next, kswapdWoken: false, kcompactdWoken: false };
  }
  emit(events, { name: "mm_vmscan_wakeup_kswapd", order, gfp_flags: gfp });
  next = withKswapd(next, { sleeping: false });
  return { state: next, kswapdWoken: true, kcompactdWoken: false };
}

/**
 * mm/vmscan.c balance_pgdat(): passes up the priority ladder (DEF_PRIORITY down to 1) until the
 * node is balanced and the boost is worked off. Each pass is kswapd_shrink_node(): shrink_node()
 * at sc.priority with nr_to_reclaim = max(high watermark, SWAP_CLUSTER_MAX); once the run has
 * reclaimed compact_gap(order) pages the order drops to 0 (the rest is kcompactd's job). The
 * priority rises (sc.priority--) after a pass that scanned and reclaimed less than its target,
 * or reclaimed nothing. Returns the order it ended at.
 */
function balancePgdat(
  state: BackgroundState,
  order: number,
  defragMode: boolean,
  events: EventSink,
): { state: BackgroundState; reclaimOrder: number } {
  // set_reclaim_active(): while kswapd works, pcp lists hold at most batch * 4 pages (pcp.ts nrPcpHigh()).
  let next = withReclaimActive(state, true);
  let reclaimOrder = order;
  const boost = state.zone.watermarkBoost;
  let boostReclaim = boost;
  const walk = inactiveListWalk(next.owners);
  const shrunk = startShrink(next);
  // balance_pgdat() reaches `goto out` when balanced, jumping past `kswapd_failures++`: only a
  // run that ends unbalanced with nothing reclaimed counts as a failure.
  let endedBalanced = false;
  let priority = DEF_PRIORITY;
  do {
    const reclaimedBefore = shrunk.nrReclaimed;
    const scannedBefore = shrunk.nrScanned;
    let raisePriority = true;
    const balanced = pgdatBalanced(shrunk.state.zone, reclaimOrder, defragMode);
    // Reclaiming for a boost is pointless if the node is short anyway: `goto restart` for normal
    // reclaim, from DEF_PRIORITY again.
    if (!balanced && boostReclaim > 0) {
      boostReclaim = 0;
      priority = DEF_PRIORITY;
      continue;
    }
    if (boostReclaim === 0 && balanced) {
      endedBalanced = true;
      break;
    }
    // Limit the priority of boosting to avoid reclaim writeback.
    if (boostReclaim > 0 && priority === DEF_PRIORITY - 2) raisePriority = false;
    const nrToReclaim = Math.max(wmarkPages(shrunk.state.zone, "high"), SWAP_CLUSTER_MAX);
    const sc = { priority, order: reclaimOrder, gfp: GFP_KERNEL, nrToReclaim, proportionalReclaim: false };
    shrinkNode(walk, shrunk, sc, KTHREAD_CPU, events);
    if (reclaimOrder > 0 && shrunk.nrReclaimed >= compactGap(reclaimOrder)) reclaimOrder = 0;
    const reclaimed = shrunk.nrReclaimed - reclaimedBefore;
    // kswapd_shrink_node()'s return: enough was scanned that the high watermark would be met at
    // 100% efficiency, so no need to raise the priority.
    if (Math.max(shrunk.nrScanned - scannedBefore, reclaimed) >= nrToReclaim) raisePriority = false;
    boostReclaim -= Math.min(boostReclaim, reclaimed);
    // A boost that reclaim cannot relieve: stop rather than loop.
    if (boostReclaim > 0 && reclaimed === 0) break;
    if (raisePriority || reclaimed === 0) priority--;
  } while (priority >= 1);
  next = { ...next, ...shrunk.state };
  const total = shrunk.nrReclaimed;
  const scanned = shrunk.nrScanned;
  next = withReclaimActive(next, false); // clear_reclaim_active()
  countVmEvent(events, "PGSCAN_KSWAPD", scanned);
  countVmEvent(events, "PGSTEAL_KSWAPD", total);
  if (total > 0) next = withKswapd(next, { failures: 0 });
  else if (!endedBalanced) next = withKswapd(next, { failures: next.node.kswapd.failures + 1 });
  emit(events, {
    name: "kswapd_run",
    order,
    nr_scanned: scanned,
    nr_reclaimed: total,
    nr_passes: shrunk.nrPasses,
    nr_folios_scanned: shrunk.nrFoliosScanned,
    balanced: pgdatBalanced(next.zone, reclaimOrder, defragMode),
  });
  if (boost > 0) {
    next = {
      ...next,
      zone: { ...next.zone, watermarkBoost: next.zone.watermarkBoost - Math.min(next.zone.watermarkBoost, boost) },
    };
    next = wakeupKcompactd(next, next.zone.config.pageblockOrder, defragMode, events).state;
  }
  return { state: next, reclaimOrder };
}

/**
 * One run of the kswapd thread (mm/vmscan.c kswapd() and kswapd_try_to_sleep()): balance the
 * node for the pending order, then, if balanced (or hopeless), clear compaction skip bits when a
 * flush was requested, wake kcompactd, and sleep. When balance_pgdat() dropped to order 0 (it
 * reclaimed a compaction gap: `if (reclaim_order < alloc_order) goto kswapd_try_sleep;`), kswapd
 * checks the node at that order and wakes kcompactd for the original one. Otherwise kswapd's loop
 * re-reads kswapd_order, which this run cleared: it checks the node at order 0 (so an order it
 * could not reach does not keep it awake), and wakeup_kcompactd(0) does nothing.
 * (Not modelled: kswapd_try_to_sleep()'s HZ/10 nap and second prepare_kswapd_sleep() check, which
 * would send it back to reclaim if the node fell below the high watermark meanwhile.)
 */
export function kswapdRun(state: BackgroundState, defragMode: boolean, events: EventSink): BackgroundState {
  if (state.node.kswapd.sleeping) return state;
  const allocOrder = state.node.kswapd.order;
  let next = withKswapd(state, { order: 0 });
  emit(events, { name: "mm_vmscan_kswapd_wake", order: allocOrder });
  const balanced = balancePgdat(next, allocOrder, defragMode, events);
  next = balanced.state;
  const dropped = balanced.reclaimOrder < allocOrder;
  // kswapd_try_to_sleep(pgdat, alloc_order, reclaim_order): prepare_kswapd_sleep(reclaim_order).
  const sleepOrder = dropped ? balanced.reclaimOrder : next.node.kswapd.order;
  const hopeless = next.node.kswapd.failures >= MAX_RECLAIM_RETRIES;
  if (!hopeless && !pgdatBalanced(next.zone, sleepOrder, defragMode)) return next;
  next = { ...next, zone: resetIsolationSuitable(next.zone, next.owners) };
  const wakeOrder = dropped ? allocOrder : next.node.kswapd.order;
  next = wakeupKcompactd(next, wakeOrder, defragMode, events).state;
  emit(events, { name: "mm_vmscan_kswapd_sleep" });
  return withKswapd(next, { sleeping: true });
}
