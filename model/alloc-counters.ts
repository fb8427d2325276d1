/**
 * Per-call counters (kernel-semantics.md §7): fold the events of one __alloc_pages() call, or of
 * any span of steps, into flat numbers a report or a cost model can sum. Every field is a count
 * read off the events and nothing else, so the counters can always be checked against the
 * trace; where the kernel has a name for the thing counted (a vmstat item, a function, a
 * tracepoint), the comment gives it.
 *
 * Not counted, because no event says it yet: wakeup_kcompactd() requests from wakeup_kswapd()
 * and kswapd that did not wake the thread (the slow path's own requests are counted), pageblocks
 * newly marked skip, compaction priority escalations, and the filemap min_order fallbacks (no
 * filemap model yet). Each needs a field on an existing event or a new model-only event.
 */

import { match, P } from "ts-pattern";
import {
  COMPACT_PRIO_ASYNC,
  COMPACT_PRIO_SYNC_FULL,
  COMPACT_PRIO_SYNC_LIGHT,
  type CompactResult,
} from "./compaction-types.js";
import { FAST_PATH_FAIL, type TraceEvent, type VmEventItem } from "./events.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";

/** All fields are counts (or sums of pages); addCounters() adds them field by field. */
export interface AllocCounters {
  // ---- §7.1 calls, fast path, slow path ----
  /** __alloc_pages() calls that got as far as their tracepoint: `mm_page_alloc` events. */
  readonly allocCalls: number;
  /** Final failures: `mm_page_alloc` with pfn -1. */
  readonly allocFailures: number;
  /** Fast-path hits: `alloc_step` fast_path that got a page. */
  readonly fastPathHits: number;
  /** __alloc_pages_slowpath() entries: `alloc_step` fast_path that failed (the slow path follows iff it failed). */
  readonly slowpathEntries: number;
  /** Slow-path entries at order 0. */
  readonly slowpathOrder0: number;
  /** Slow-path entries at orders 1..PAGE_ALLOC_COSTLY_ORDER. */
  readonly slowpathOrder1to3: number;
  /** Slow-path entries at costly orders (> PAGE_ALLOC_COSTLY_ORDER). */
  readonly slowpathCostly: number;
  // ---- §7.2 freelist work ----
  /** get_page_from_freelist() calls: `get_page_from_freelist` events (one zone, so also zones visited). */
  readonly getPageFromFreelistCalls: number;
  /** get_page_from_freelist() calls that returned no page: `get_page_from_freelist` with pfn -1. */
  readonly getPageFromFreelistFailures: number;
  /** zone->lock acquisitions, all callers: `zone_lock` events. */
  readonly zoneLocks: number;
  /** pcp refills, rmqueue_bulk(): `zone_lock` with caller rmqueue_bulk. */
  readonly pcpRefills: number;
  /** pcp batches returned to the buddy lists, free_pcppages_bulk(): `zone_lock` with caller free_pcppages_bulk. */
  readonly pcpFreeBatches: number;
  // ---- §7.3 wakeups and background threads ----
  /** wake_all_kswapds() calls: `alloc_step` wake_all_kswapds. */
  readonly wakeAllKswapds: number;
  /** Actual kswapd wakeups (it slept and the node was unbalanced): `mm_vmscan_wakeup_kswapd`. */
  readonly kswapdWakeups: number;
  /** Of those, rmqueue()'s ZONE_BOOSTED_WATERMARK wakeups: `mm_vmscan_wakeup_kswapd` with gfp_flags 0 (wakeup_kswapd(zone, 0, 0, ...)). */
  readonly kswapdBoostWakeups: number;
  /**
   * wakeup_kcompactd() requests the slow path makes itself (a policy's wake-kcompactd-and-nopage):
   * `alloc_step` wakeup_kcompactd, woken or not. Requests from wakeup_kswapd() and kswapd emit nothing.
   */
  readonly kcompactdWakeRequests: number;
  /** Actual kcompactd wakeups by wakeup_kcompactd(), from any caller: `mm_compaction_wakeup_kcompactd`. */
  readonly kcompactdWakeups: number;
  /** kswapd runs, balance_pgdat(): `kswapd_run`. */
  readonly kswapdRuns: number;
  /** Pages kswapd scanned (PGSCAN_KSWAPD): `kswapd_run` nr_scanned. */
  readonly kswapdScanned: number;
  /** Pages kswapd reclaimed (PGSTEAL_KSWAPD): `kswapd_run` nr_reclaimed. */
  readonly kswapdReclaimed: number;
  /**
   * shrink_node() passes with pages to scan, direct reclaim's and kswapd's together (each pays
   * shrink_slab() and the lruvec locks): `direct_reclaim` and `kswapd_run` nr_passes.
   */
  readonly reclaimPasses: number;
  /** Direct reclaim calls and kswapd runs that made at least one such pass. */
  readonly reclaimRunsThatScanned: number;
  /** Folios direct reclaim and kswapd scanned: `direct_reclaim` and `kswapd_run` nr_folios_scanned. */
  readonly reclaimFoliosScanned: number;
  /** kcompactd_do_work() calls (KCOMPACTD_WAKE): `mm_compaction_kcompactd_wake`. */
  readonly kcompactdWakes: number;
  /** kcompactd passes that ran compact_zone(): `kcompactd_run`. */
  readonly kcompactdRuns: number;
  /** Pages kcompactd's migrate scanner scanned (KCOMPACTD_MIGRATE_SCANNED): `kcompactd_run` migrate_scanned. */
  readonly kcompactdMigrateScanned: number;
  /** Pages kcompactd's free scanner scanned (KCOMPACTD_FREE_SCANNED): `kcompactd_run` free_scanned. */
  readonly kcompactdFreeScanned: number;
  // ---- §7.4 direct compaction ----
  /** __alloc_pages_direct_compact() calls (order > 0): `direct_compact` events. */
  readonly directCompactions: number;
  /** Direct compactions at COMPACT_PRIO_ASYNC: `direct_compact` prio 2. */
  readonly directCompactPrioAsync: number;
  /** Direct compactions at COMPACT_PRIO_SYNC_LIGHT: `direct_compact` prio 1. */
  readonly directCompactPrioSyncLight: number;
  /** Direct compactions at COMPACT_PRIO_SYNC_FULL: `direct_compact` prio 0. */
  readonly directCompactPrioSyncFull: number;
  /** Direct compactions that returned COMPACT_NOT_SUITABLE_ZONE. */
  readonly directCompactNotSuitableZone: number;
  /** Direct compactions that returned COMPACT_SKIPPED (no COMPACTSTALL). */
  readonly directCompactSkipped: number;
  /** Direct compactions that returned COMPACT_DEFERRED. */
  readonly directCompactDeferred: number;
  /** Direct compactions that returned COMPACT_NO_SUITABLE_PAGE. */
  readonly directCompactNoSuitablePage: number;
  /** Direct compactions that returned COMPACT_CONTINUE. */
  readonly directCompactContinue: number;
  /** Direct compactions that returned COMPACT_COMPLETE (whole zone scanned, failed). */
  readonly directCompactComplete: number;
  /** Direct compactions that returned COMPACT_PARTIAL_SKIPPED. */
  readonly directCompactPartialSkipped: number;
  /** Direct compactions that returned COMPACT_CONTENDED. */
  readonly directCompactContended: number;
  /** Direct compactions that returned COMPACT_SUCCESS. */
  readonly directCompactSuccess: number;
  /** Direct compactions whose page was captured by compaction_capture(): `direct_compact` captured. */
  readonly directCompactCaptured: number;
  /** Direct compactions after which the allocation had its page: `direct_compact` success. */
  readonly directCompactGotPage: number;
  /** COMPACTSTALL: `count_vm_event` deltas (direct compactions that were not SKIPPED). */
  readonly compactStall: number;
  /** COMPACTFAIL: `count_vm_event` deltas. */
  readonly compactFail: number;
  /** COMPACTSUCCESS: `count_vm_event` deltas. */
  readonly compactSuccess: number;
  /** Pages direct compaction's migrate scanner scanned: `direct_compact` migrate_scanned. */
  readonly directCompactMigrateScanned: number;
  /** Pages direct compaction's free scanner scanned: `direct_compact` free_scanned. */
  readonly directCompactFreeScanned: number;
  /** Pages direct compaction migrated: `direct_compact` migrated. */
  readonly directCompactMigrated: number;
  /** compact_zone() runs, direct and kcompactd: `mm_compaction_begin`. */
  readonly compactZoneRuns: number;
  /** Pages compact_zone() failed to migrate (unmovable, pinned, no target), direct and kcompactd: `mm_compaction_migratepages` nr_failed. */
  readonly compactMigrateFailed: number;
  /** Pages compact_zone() tried to migrate, direct and kcompactd: `mm_compaction_migratepages` nr_migratepages. */
  readonly compactMigrateAttempted: number;
  /** should_compact_retry() decisions: `compact_retry` events. */
  readonly compactRetryChecks: number;
  /** should_compact_retry() said retry: `compact_retry` with ret. */
  readonly compactRetries: number;
  // ---- §7.5 deferral ----
  /** defer_compaction() calls: `mm_compaction_defer_compaction`. */
  readonly deferCompaction: number;
  /** Compactions skipped by compaction_deferred(): `mm_compaction_deferred`. */
  readonly compactionDeferred: number;
  /** compaction_defer_reset() calls: `mm_compaction_defer_reset`. */
  readonly compactionDeferReset: number;
  // ---- §7.6 direct reclaim ----
  /** Direct reclaim passes, try_to_free_pages() (ALLOCSTALL): `direct_reclaim` events. */
  readonly directReclaims: number;
  /** Passes with did_some_progress > 0 (pages reclaimed, or compaction_ready): `direct_reclaim`. */
  readonly directReclaimProgress: number;
  /** Pages direct reclaim scanned (PGSCAN_DIRECT): `direct_reclaim` nr_scanned. */
  readonly directReclaimScanned: number;
  /** Pages direct reclaim reclaimed (PGSTEAL_DIRECT): `direct_reclaim` nr_reclaimed. */
  readonly directReclaimReclaimed: number;
  /** Costly passes that skipped the zone because compaction_ready(): `direct_reclaim` compaction_ready. */
  readonly directReclaimCompactionReady: number;
  /** should_reclaim_retry() zone checks: `reclaim_retry_zone` events. */
  readonly reclaimRetryChecks: number;
  /** Of those, checks after a loop without progress (no_progress_loops > 0): `reclaim_retry_zone`. */
  readonly reclaimRetryNoProgress: number;
  // ---- §7.7 drain_all_pages ----
  /** drain_all_pages() calls attempted: `drain_all_pages` events. */
  readonly drainAllPagesCalls: number;
  /** Calls that returned at once because pcpu_drain_mutex was busy: `drain_all_pages` skipped. */
  readonly drainAllPagesSkipped: number;
  /** CPUs whose pcp lists were drained: `drain_all_pages` cpus_visited. */
  readonly drainAllPagesCpus: number;
  /** pcp pages moved back to the buddy lists: `drain_all_pages` pages_drained. */
  readonly drainAllPagesPages: number;
  /** Calls from the allocator, __alloc_pages_direct_reclaim(): `drain_all_pages` caller direct_reclaim. */
  readonly drainAllPagesByDirectReclaim: number;
  /** Calls from kcompactd_do_work(): `drain_all_pages` caller kcompactd. */
  readonly drainAllPagesByKcompactd: number;
  /** Calls from anyone else (an explicit drain op, ...): `drain_all_pages` other callers. */
  readonly drainAllPagesByOther: number;
  // ---- the workload: writes, folios, processes ----
  /** Buffered writes: `buffered_write`. */
  readonly bufferedWrites: number;
  /** Buffered writes that stopped with -ENOMEM: `buffered_write` enomem. */
  readonly bufferedWriteEnomem: number;
  /** Folios created by __filemap_get_folio() for writes: `filemap_get_folio` with an order. */
  readonly filemapFolios: number;
  /** __filemap_get_folio() calls where every order failed: `filemap_get_folio` order -1. */
  readonly filemapFolioEnomem: number;
  /** Order attempts of __filemap_get_folio() (each one an allocation): `filemap_get_folio` attempts. */
  readonly filemapOrderAttempts: number;
  /** Successful forks: `fork` with a child. */
  readonly forks: number;
  /** Page-table pages fork copied: `fork` pte_pages. */
  readonly forkPtePages: number;
  /** Exits: `exit`. */
  readonly exits: number;
  // ---- §7.8 reserves and boosts ----
  /** reserve_highatomic_pageblock() reservations: `reserve_highatomic_pageblock`. */
  readonly highatomicReserves: number;
  /** unreserve_highatomic_pageblock() releases: `unreserve_highatomic_pageblock`. */
  readonly highatomicUnreserves: number;
  /** boost_watermark() boosts: `boost_watermark`. */
  readonly watermarkBoosts: number;
  // ---- §7.9 fallbacks ----
  /** Fallback CLAIM: the pageblock now has the requester's type: `mm_page_alloc_extfrag` change_ownership=1. */
  readonly fallbackClaims: number;
  /** Fallback STEAL: a page taken from a block of another type, which keeps its type: change_ownership=0. */
  readonly fallbackSteals: number;
  // ---- §7.10 OOM and NOFAIL ----
  /** out_of_memory() invocations: `out_of_memory`. */
  readonly outOfMemory: number;
  /** OOM kills (OOM_KILL): `out_of_memory` killed. */
  readonly oomKills: number;
  /** __GFP_NOFAIL trips through the nopage fallback: `alloc_step` nofail_fallback. */
  readonly nofailRetries: number;
}

export type AllocCounterName = keyof AllocCounters;

/** Every counter at zero. */
export const ZERO_ALLOC_COUNTERS: AllocCounters = Object.freeze({
  allocCalls: 0,
  allocFailures: 0,
  fastPathHits: 0,
  slowpathEntries: 0,
  slowpathOrder0: 0,
  slowpathOrder1to3: 0,
  slowpathCostly: 0,
  getPageFromFreelistCalls: 0,
  getPageFromFreelistFailures: 0,
  zoneLocks: 0,
  pcpRefills: 0,
  pcpFreeBatches: 0,
  wakeAllKswapds: 0,
  kswapdWakeups: 0,
  kswapdBoostWakeups: 0,
  kcompactdWakeRequests: 0,
  kcompactdWakeups: 0,
  kswapdRuns: 0,
  kswapdScanned: 0,
  kswapdReclaimed: 0,
  reclaimPasses: 0,
  reclaimRunsThatScanned: 0,
  reclaimFoliosScanned: 0,
  kcompactdWakes: 0,
  kcompactdRuns: 0,
  kcompactdMigrateScanned: 0,
  kcompactdFreeScanned: 0,
  directCompactions: 0,
  directCompactPrioAsync: 0,
  directCompactPrioSyncLight: 0,
  directCompactPrioSyncFull: 0,
  directCompactNotSuitableZone: 0,
  directCompactSkipped: 0,
  directCompactDeferred: 0,
  directCompactNoSuitablePage: 0,
  directCompactContinue: 0,
  directCompactComplete: 0,
  directCompactPartialSkipped: 0,
  directCompactContended: 0,
  directCompactSuccess: 0,
  directCompactCaptured: 0,
  directCompactGotPage: 0,
  compactStall: 0,
  compactFail: 0,
  compactSuccess: 0,
  directCompactMigrateScanned: 0,
  directCompactFreeScanned: 0,
  directCompactMigrated: 0,
  compactZoneRuns: 0,
  compactMigrateFailed: 0,
  compactMigrateAttempted: 0,
  compactRetryChecks: 0,
  compactRetries: 0,
  deferCompaction: 0,
  compactionDeferred: 0,
  compactionDeferReset: 0,
  directReclaims: 0,
  directReclaimProgress: 0,
  directReclaimScanned: 0,
  directReclaimReclaimed: 0,
  directReclaimCompactionReady: 0,
  reclaimRetryChecks: 0,
  reclaimRetryNoProgress: 0,
  drainAllPagesCalls: 0,
  drainAllPagesSkipped: 0,
  drainAllPagesCpus: 0,
  drainAllPagesPages: 0,
  drainAllPagesByDirectReclaim: 0,
  drainAllPagesByKcompactd: 0,
  drainAllPagesByOther: 0,
  bufferedWrites: 0,
  bufferedWriteEnomem: 0,
  filemapFolios: 0,
  filemapFolioEnomem: 0,
  filemapOrderAttempts: 0,
  forks: 0,
  forkPtePages: 0,
  exits: 0,
  highatomicReserves: 0,
  highatomicUnreserves: 0,
  watermarkBoosts: 0,
  fallbackClaims: 0,
  fallbackSteals: 0,
  outOfMemory: 0,
  oomKills: 0,
  nofailRetries: 0,
});

/** The counter names, in declaration order (the order reports list them). */
export const ALLOC_COUNTER_NAMES: readonly AllocCounterName[] = Object.freeze(
  Object.keys(ZERO_ALLOC_COUNTERS) as AllocCounterName[],
);

/** Which counter a direct compaction's result goes to. */
const RESULT_COUNTER: Readonly<Record<CompactResult, AllocCounterName>> = {
  COMPACT_NOT_SUITABLE_ZONE: "directCompactNotSuitableZone",
  COMPACT_SKIPPED: "directCompactSkipped",
  COMPACT_DEFERRED: "directCompactDeferred",
  COMPACT_NO_SUITABLE_PAGE: "directCompactNoSuitablePage",
  COMPACT_CONTINUE: "directCompactContinue",
  COMPACT_COMPLETE: "directCompactComplete",
  COMPACT_PARTIAL_SKIPPED: "directCompactPartialSkipped",
  COMPACT_CONTENDED: "directCompactContended",
  COMPACT_SUCCESS: "directCompactSuccess",
};

/** Which counter a direct compaction's priority goes to (enum compact_priority). */
const PRIORITY_COUNTER: Readonly<Record<number, AllocCounterName>> = {
  [COMPACT_PRIO_SYNC_FULL]: "directCompactPrioSyncFull",
  [COMPACT_PRIO_SYNC_LIGHT]: "directCompactPrioSyncLight",
  [COMPACT_PRIO_ASYNC]: "directCompactPrioAsync",
};

/** The vmstat items that are also AllocCounters fields. */
const VMSTAT_COUNTER: Readonly<Partial<Record<VmEventItem, AllocCounterName>>> = {
  COMPACTSTALL: "compactStall",
  COMPACTFAIL: "compactFail",
  COMPACTSUCCESS: "compactSuccess",
};

/** The alloc_step detail of a fast path that got no page (alloc-pages.ts). */

/** Fold a span of events (one allocation call, one step, a whole run) into counters. */
export function allocCounters(events: readonly TraceEvent[]): AllocCounters {
  const c: Record<AllocCounterName, number> = { ...ZERO_ALLOC_COUNTERS };
  const add = (name: AllocCounterName, n = 1): void => {
    c[name] += n;
  };
  for (const event of events) {
    match(event)
      .with({ name: "mm_page_alloc" }, (e) => {
        add("allocCalls");
        if (e.pfn === -1) add("allocFailures");
      })
      .with({ name: "alloc_step" }, (e) => {
        if (e.step === "fast_path") {
          if (e.detail.startsWith("pfn")) {
            add("fastPathHits");
          } else if (e.detail === FAST_PATH_FAIL) {
            add("slowpathEntries");
            if (e.order === 0) add("slowpathOrder0");
            else if (e.order <= PAGE_ALLOC_COSTLY_ORDER) add("slowpathOrder1to3");
            else add("slowpathCostly");
          }
        } else if (e.step === "wake_all_kswapds") {
          add("wakeAllKswapds");
        } else if (e.step === "wakeup_kcompactd") {
          add("kcompactdWakeRequests");
        } else if (e.step === "nofail_fallback") {
          add("nofailRetries");
        }
      })
      .with({ name: "get_page_from_freelist" }, (e) => {
        add("getPageFromFreelistCalls");
        if (e.pfn === -1) add("getPageFromFreelistFailures");
      })
      .with({ name: "zone_lock" }, (e) => {
        add("zoneLocks");
        if (e.caller === "rmqueue_bulk") add("pcpRefills");
        if (e.caller === "free_pcppages_bulk") add("pcpFreeBatches");
      })
      .with({ name: "mm_vmscan_wakeup_kswapd" }, (e) => {
        add("kswapdWakeups");
        if (e.gfp_flags === 0) add("kswapdBoostWakeups");
      })
      .with({ name: "mm_compaction_wakeup_kcompactd" }, () => add("kcompactdWakeups"))
      .with({ name: "kswapd_run" }, (e) => {
        add("kswapdRuns");
        add("kswapdScanned", e.nr_scanned);
        add("kswapdReclaimed", e.nr_reclaimed);
        add("reclaimPasses", e.nr_passes);
        add("reclaimFoliosScanned", e.nr_folios_scanned);
        if (e.nr_passes > 0) add("reclaimRunsThatScanned");
      })
      .with({ name: "mm_compaction_kcompactd_wake" }, () => add("kcompactdWakes"))
      .with({ name: "buffered_write" }, (e) => {
        add("bufferedWrites");
        if (e.enomem) add("bufferedWriteEnomem");
      })
      .with({ name: "filemap_get_folio" }, (e) => {
        add(e.order === -1 ? "filemapFolioEnomem" : "filemapFolios");
        add("filemapOrderAttempts", e.attempts);
      })
      .with({ name: "fork" }, (e) => {
        if (e.child !== -1) add("forks");
        add("forkPtePages", e.pte_pages);
      })
      .with({ name: "exit" }, () => add("exits"))
      .with({ name: "kcompactd_run" }, (e) => {
        add("kcompactdRuns");
        add("kcompactdMigrateScanned", e.migrate_scanned);
        add("kcompactdFreeScanned", e.free_scanned);
      })
      .with({ name: "direct_compact" }, (e) => {
        add("directCompactions");
        const byPrio = PRIORITY_COUNTER[e.prio];
        if (byPrio !== undefined) add(byPrio);
        add(RESULT_COUNTER[e.result]);
        if (e.captured) add("directCompactCaptured");
        if (e.success) add("directCompactGotPage");
        add("directCompactMigrateScanned", e.migrate_scanned);
        add("directCompactFreeScanned", e.free_scanned);
        add("directCompactMigrated", e.migrated);
      })
      .with({ name: "count_vm_event" }, (e) => {
        const name = VMSTAT_COUNTER[e.item];
        if (name !== undefined) add(name, e.delta);
      })
      .with({ name: "mm_compaction_begin" }, () => add("compactZoneRuns"))
      .with({ name: "mm_compaction_migratepages" }, (e) => {
        add("compactMigrateFailed", e.nr_failed);
        add("compactMigrateAttempted", e.nr_migratepages);
      })
      .with({ name: "compact_retry" }, (e) => {
        add("compactRetryChecks");
        if (e.ret) add("compactRetries");
      })
      .with({ name: "mm_compaction_defer_compaction" }, () => add("deferCompaction"))
      .with({ name: "mm_compaction_deferred" }, () => add("compactionDeferred"))
      .with({ name: "mm_compaction_defer_reset" }, () => add("compactionDeferReset"))
      .with({ name: "direct_reclaim" }, (e) => {
        add("directReclaims");
        if (e.nr_reclaimed > 0 || e.compaction_ready) add("directReclaimProgress");
        add("directReclaimScanned", e.nr_scanned);
        add("directReclaimReclaimed", e.nr_reclaimed);
        add("reclaimPasses", e.nr_passes);
        add("reclaimFoliosScanned", e.nr_folios_scanned);
        if (e.nr_passes > 0) add("reclaimRunsThatScanned");
        if (e.compaction_ready) add("directReclaimCompactionReady");
      })
      .with({ name: "reclaim_retry_zone" }, (e) => {
        add("reclaimRetryChecks");
        if (e.no_progress_loops > 0) add("reclaimRetryNoProgress");
      })
      .with({ name: "drain_all_pages" }, (e) => {
        add("drainAllPagesCalls");
        if (e.skipped) add("drainAllPagesSkipped");
        add("drainAllPagesCpus", e.cpus_visited);
        add("drainAllPagesPages", e.pages_drained);
        if (e.caller === "direct_reclaim") add("drainAllPagesByDirectReclaim");
        else if (e.caller === "kcompactd") add("drainAllPagesByKcompactd");
        else add("drainAllPagesByOther");
      })
      .with({ name: "reserve_highatomic_pageblock" }, () => add("highatomicReserves"))
      .with({ name: "unreserve_highatomic_pageblock" }, () => add("highatomicUnreserves"))
      .with({ name: "boost_watermark" }, () => add("watermarkBoosts"))
      .with({ name: "mm_page_alloc_extfrag" }, (e) => add(e.change_ownership ? "fallbackClaims" : "fallbackSteals"))
      .with({ name: "out_of_memory" }, (e) => {
        add("outOfMemory");
        if (e.killed) add("oomKills");
      })
      // Events with nothing to count here: listed so that a new event has to be placed somewhere.
      .with(
        {
          name: P.union(
            "mm_page_free",
            "mm_page_alloc_zone_locked",
            "mm_page_pcpu_drain",
            "mm_compaction_end",
            "mm_compaction_isolate_migratepages",
            "mm_compaction_isolate_freepages",
            "mm_compaction_try_to_compact_pages",
            "mm_compaction_suitable",
            "mm_compaction_finished",
            "mm_compaction_kcompactd_sleep",
            "mm_vmscan_kswapd_wake",
            "mm_vmscan_kswapd_sleep",
            "mm_vmscan_direct_reclaim_begin",
            "mm_vmscan_direct_reclaim_end",
          ),
        },
        () => {},
      )
      .exhaustive();
  }
  return Object.freeze(c);
}

/** Field-by-field sum: the counters of two spans together. */
export function addCounters(a: AllocCounters, b: AllocCounters): AllocCounters {
  const sum: Record<AllocCounterName, number> = { ...ZERO_ALLOC_COUNTERS };
  for (const name of ALLOC_COUNTER_NAMES) sum[name] = a[name] + b[name];
  return Object.freeze(sum);
}

/** The /proc/vmstat deltas of a span: `count_vm_event` totals by item, items that never moved left out. */
export function vmstatDeltas(events: readonly TraceEvent[]): Readonly<Partial<Record<VmEventItem, number>>> {
  const deltas: Partial<Record<VmEventItem, number>> = {};
  for (const event of events) {
    if (event.name === "count_vm_event") deltas[event.item] = (deltas[event.item] ?? 0) + event.delta;
  }
  return Object.freeze(deltas);
}
