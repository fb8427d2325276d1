/**
 * kcompactd, mm/compaction.c: the per-node compaction thread. Woken for an order by kswapd or
 * (through wakeup_kswapd()) by allocations that may not reclaim, it compacts at SYNC_LIGHT;
 * when a pass fails it drains every CPU's pcp lists for the zone and defers, like sync direct
 * compaction. Not modelled: kcompactd()'s 500 ms timeout, which (with proactiveness above 0,
 * the default) also runs kcompactd_do_work() for an order a refused wake left pending in
 * kcompactd_max_order, and proactive compaction on the fragmentation score. Here a pending order
 * waits for the next wake that kcompactd_node_suitable() accepts.
 */

import { ALLOC_WMARK_HIGH, ALLOC_WMARK_MIN, type AllocFlags } from "./alloc-flags.js";
import { type CompactionState, compactZone } from "./compaction.js";
import { compactionDeferReset, compactionDeferred, deferCompaction } from "./compaction-defer.js";
import { compactionSuitAllocationOrder } from "./compaction-suitable.js";
import { countVmEvent, type EventSink, emit } from "./events.js";
import { GFP_KERNEL } from "./gfp.js";
import { KTHREAD_CPU, type NodeState } from "./node.js";
import { drainAllPages } from "./pcp.js";
import type { ZoneState } from "./zone.js";

export interface BackgroundState extends CompactionState {
  readonly node: NodeState;
}

/**
 * kcompactd's watermark: the min watermark, or under vm.defrag_mode (6.15+, with the fix that
 * made it conditional) the high one, which it must then meet in whole free pageblocks.
 */
function kcompactdAllocFlags(defragMode: boolean): AllocFlags {
  return defragMode ? ALLOC_WMARK_HIGH : ALLOC_WMARK_MIN;
}

/**
 * mm/compaction.c kcompactd_node_suitable(): would compaction at this order run in the zone?
 * kcompactd_do_work() asks the same before it compacts. Both call
 * compaction_suit_allocation_order() with kcompactd = true: under defrag_mode its "would already
 * succeed" check counts NR_FREE_PAGES_BLOCKS.
 */
function kcompactdNodeSuitable(zone: ZoneState, order: number, defragMode: boolean, events: EventSink): boolean {
  const allocFlags = kcompactdAllocFlags(defragMode);
  return compactionSuitAllocationOrder(zone, order, allocFlags, false, defragMode, events) === "COMPACT_CONTINUE";
}

/**
 * mm/compaction.c wakeup_kcompactd(): record the order, and wake the thread if it sleeps and
 * compaction would run. Returns whether it was actually woken.
 */
export function wakeupKcompactd(
  state: BackgroundState,
  order: number,
  defragMode: boolean,
  events: EventSink,
): { state: BackgroundState; woken: boolean } {
  if (order === 0) return { state, woken: false };
  const kcompactd = state.node.kcompactd;
  const next: BackgroundState = {
    ...state,
    node: { ...state.node, kcompactd: { ...kcompactd, maxOrder: Math.max(kcompactd.maxOrder, order) } },
  };
  if (!kcompactd.sleeping) return { state: next, woken: false };
  // kcompactd_node_suitable() asks about pgdat->kcompactd_max_order, just raised: an order an
  // earlier refused wake left pending counts too.
  const maxOrder = next.node.kcompactd.maxOrder;
  if (!kcompactdNodeSuitable(state.zone, maxOrder, defragMode, events)) return { state: next, woken: false };
  emit(events, { name: "mm_compaction_wakeup_kcompactd", order, highest_zoneidx: 0 });
  return {
    state: { ...next, node: { ...next.node, kcompactd: { ...next.node.kcompactd, sleeping: false } } },
    woken: true,
  };
}

/** mm/compaction.c kcompactd_do_work(): one pass over the zone, then back to sleep. */
export function kcompactdDoWork(state: BackgroundState, defragMode: boolean, events: EventSink): BackgroundState {
  const order = state.node.kcompactd.maxOrder;
  let zone = state.zone;
  let owners = state.owners;
  emit(events, { name: "mm_compaction_kcompactd_wake", order, highest_zoneidx: 0 });
  countVmEvent(events, "KCOMPACTD_WAKE");
  const deferral = compactionDeferred(zone, order, events);
  zone = deferral.zone;
  if (!deferral.deferred && kcompactdNodeSuitable(zone, order, defragMode, events)) {
    const result = compactZone(
      { zone, owners },
      {
        order,
        gfp: GFP_KERNEL,
        mode: "MIGRATE_SYNC_LIGHT",
        direct: false,
        wholeZone: false,
        ignoreSkipHint: false,
        ignoreBlockSuitable: false,
        allocFlags: kcompactdAllocFlags(defragMode),
        defragMode,
        cpu: KTHREAD_CPU,
      },
      undefined,
      events,
    );
    zone = result.state.zone;
    owners = result.state.owners;
    countVmEvent(events, "KCOMPACTD_MIGRATE_SCANNED", result.stats.migrateScanned);
    countVmEvent(events, "KCOMPACTD_FREE_SCANNED", result.stats.freeScanned);
    if (result.status === "COMPACT_SUCCESS") {
      zone = compactionDeferReset(zone, order, false, events);
    } else if (result.status === "COMPACT_PARTIAL_SKIPPED" || result.status === "COMPACT_COMPLETE") {
      // Buddy pages may sit on pcp lists where they could have merged; the deferral rate-limits this.
      zone = drainAllPages(zone, { caller: "kcompactd", zoneSpecific: true }, events);
      zone = deferCompaction(zone, order, events);
    }
    emit(events, {
      name: "kcompactd_run",
      order,
      status: result.status,
      migrate_scanned: result.stats.migrateScanned,
      free_scanned: result.stats.freeScanned,
    });
  }
  emit(events, { name: "mm_compaction_kcompactd_sleep" });
  return { zone, owners, node: { ...state.node, kcompactd: { sleeping: true, maxOrder: 0 } } };
}
