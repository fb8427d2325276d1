/**
 * Events a step produces, named after the kernel's tracepoints (include/trace/events/kmem.h,
 * compaction.h, vmscan.h) with the same field names, so a replay reads like `trace-cmd report`.
 *
 * A few mechanisms have no tracepoint (drain_all_pages, the highatomic reserve, the zone lock);
 * their events are named after the kernel function and listed in MODEL_ONLY_EVENTS, so nobody
 * greps a real trace for them.
 *
 * Model functions append to a step-local EventSink that step() creates and returns frozen; it is
 * the model's only written-to value, the way tracepoints write to the ring buffer.
 */

import type { CompactResult } from "./compaction-types.js";
import type { Migratetype } from "./migratetype.js";

export type TraceEvent =
  | {
      readonly name: "mm_page_alloc";
      readonly pfn: number;
      readonly order: number;
      readonly gfp_flags: number;
      readonly migratetype: Migratetype;
    }
  | { readonly name: "mm_page_free"; readonly pfn: number; readonly order: number }
  | {
      readonly name: "mm_page_alloc_zone_locked";
      readonly pfn: number;
      readonly order: number;
      readonly migratetype: Migratetype;
      readonly percpu_refill: boolean;
    }
  | {
      readonly name: "mm_page_pcpu_drain";
      readonly pfn: number;
      readonly order: number;
      readonly migratetype: Migratetype;
    }
  | {
      readonly name: "mm_page_alloc_extfrag";
      readonly pfn: number;
      readonly alloc_order: number;
      readonly fallback_order: number;
      readonly alloc_migratetype: Migratetype;
      readonly fallback_migratetype: Migratetype;
      /** Whether the pageblock now has the requester's type (a claim), rather than being polluted (a steal). */
      readonly change_ownership: boolean;
    }
  // ---- include/trace/events/compaction.h ----
  | {
      readonly name: "mm_compaction_begin";
      readonly zone_start: number;
      readonly migrate_pfn: number;
      readonly free_pfn: number;
      readonly zone_end: number;
      readonly sync: boolean;
    }
  | {
      readonly name: "mm_compaction_end";
      readonly zone_start: number;
      readonly migrate_pfn: number;
      readonly free_pfn: number;
      readonly zone_end: number;
      readonly sync: boolean;
      readonly status: CompactResult;
    }
  | {
      readonly name: "mm_compaction_isolate_migratepages" | "mm_compaction_isolate_freepages";
      readonly start_pfn: number;
      readonly end_pfn: number;
      readonly nr_scanned: number;
      readonly nr_taken: number;
    }
  | { readonly name: "mm_compaction_migratepages"; readonly nr_migratepages: number; readonly nr_failed: number }
  | {
      readonly name: "mm_compaction_try_to_compact_pages";
      readonly order: number;
      readonly gfp_mask: number;
      readonly prio: number;
    }
  | {
      readonly name: "mm_compaction_suitable" | "mm_compaction_finished";
      readonly order: number;
      readonly ret: CompactResult;
    }
  | {
      readonly name: "mm_compaction_deferred" | "mm_compaction_defer_compaction" | "mm_compaction_defer_reset";
      readonly order: number;
      readonly considered: number;
      readonly defer_shift: number;
      readonly order_failed: number;
    }
  | {
      readonly name: "mm_compaction_wakeup_kcompactd" | "mm_compaction_kcompactd_wake";
      readonly order: number;
      readonly highest_zoneidx: number;
    }
  | { readonly name: "mm_compaction_kcompactd_sleep" }
  // ---- include/trace/events/vmscan.h ----
  | { readonly name: "mm_vmscan_wakeup_kswapd"; readonly order: number; readonly gfp_flags: number }
  | { readonly name: "mm_vmscan_kswapd_wake"; readonly order: number }
  | { readonly name: "mm_vmscan_kswapd_sleep" }
  | { readonly name: "mm_vmscan_direct_reclaim_begin"; readonly order: number; readonly gfp_flags: number }
  | { readonly name: "mm_vmscan_direct_reclaim_end"; readonly nr_reclaimed: number }
  // ---- include/trace/events/oom.h ----
  | {
      readonly name: "compact_retry";
      readonly order: number;
      readonly priority: number;
      readonly result: CompactResult;
      readonly retries: number;
      readonly max_retries: number;
      readonly ret: boolean;
    }
  | {
      readonly name: "reclaim_retry_zone";
      readonly order: number;
      readonly reclaimable: number;
      readonly available: number;
      readonly min_wmark: number;
      readonly no_progress_loops: number;
      readonly wmark_check: boolean;
    }
  // ---- model-only events (no tracepoint in the kernel) ----
  | {
      readonly name: "get_page_from_freelist";
      readonly order: number;
      readonly alloc_flags: number;
      readonly migratetype: Migratetype;
      /** The pfn handed out, or -1. */
      readonly pfn: number;
    }
  | { readonly name: "zone_lock"; readonly caller: ZoneLockCaller }
  | {
      readonly name: "drain_all_pages";
      readonly caller: string;
      /** pcpu_drain_mutex was busy and the caller passed no zone: the kernel returns at once. */
      readonly skipped: boolean;
      readonly cpus_visited: number;
      readonly pages_drained: number;
    }
  | { readonly name: "boost_watermark"; readonly watermark_boost: number }
  /** count_vm_event(s)(): a /proc/vmstat counter moved. */
  | { readonly name: "count_vm_event"; readonly item: VmEventItem; readonly delta: number }
  /** One step of __alloc_pages_noprof() / __alloc_pages_slowpath(), in the order taken. */
  | { readonly name: "alloc_step"; readonly step: AllocStepName; readonly order: number; readonly detail: string }
  /**
   * __alloc_pages_direct_compact(): one direct compaction attempt, with the free pages around it
   * (buddy + pcp) so that "did anything change since the last one" can be asked of the trace.
   */
  | {
      readonly name: "direct_compact";
      readonly order: number;
      readonly prio: number;
      readonly result: CompactResult;
      readonly migrate_scanned: number;
      readonly free_scanned: number;
      readonly migrated: number;
      readonly captured: boolean;
      readonly success: boolean;
      readonly free_pages_before: number;
      readonly free_pages_after: number;
    }
  | {
      readonly name: "direct_reclaim";
      readonly order: number;
      readonly nr_scanned: number;
      readonly nr_reclaimed: number;
      /** shrink_node() passes that had pages to scan (vmscan.ts Shrunk.nrPasses). */
      readonly nr_passes: number;
      /** Folios scanned (nr_scanned counts their pages). */
      readonly nr_folios_scanned: number;
      readonly compaction_ready: boolean;
    }
  | { readonly name: "out_of_memory"; readonly order: number; readonly gfp_mask: number; readonly killed: boolean }
  | {
      readonly name: "kswapd_run";
      readonly order: number;
      readonly nr_scanned: number;
      readonly nr_reclaimed: number;
      /** shrink_node() passes that had pages to scan. */
      readonly nr_passes: number;
      /** Folios scanned (nr_scanned counts their pages). */
      readonly nr_folios_scanned: number;
      readonly balanced: boolean;
    }
  | {
      readonly name: "kcompactd_run";
      readonly order: number;
      readonly status: CompactResult;
      readonly migrate_scanned: number;
      readonly free_scanned: number;
    }
  /** kernel/fork.c copy_process(): a child and the PTE pages copy_page_range() gave it (-1: the fork failed). */
  | { readonly name: "fork"; readonly parent: number; readonly child: number; readonly pte_pages: number }
  | { readonly name: "exit"; readonly pid: number; readonly pages_freed: number }
  /**
   * mm/filemap.c __filemap_get_folio(): one folio created for a write, the order it got (-1:
   * every order failed, -ENOMEM) and, when the loop reached min_order, what that attempt had to
   * work with (usable free pages, pcp pages, clean page cache, the min watermark).
   */
  | {
      readonly name: "filemap_get_folio";
      readonly index: number;
      readonly start_order: number;
      readonly min_order: number;
      readonly order: number;
      readonly attempts: number;
      readonly min_order_free?: number;
      readonly min_order_pcp?: number;
      readonly min_order_reclaimable?: number;
      readonly min_wmark?: number;
    }
  | {
      readonly name: "buffered_write";
      readonly file: number;
      readonly pos: number;
      readonly len: number;
      readonly written: number;
      readonly enomem: boolean;
    }
  | { readonly name: "reserve_highatomic_pageblock"; readonly pfn: number; readonly nr_reserved_highatomic: number }
  | {
      readonly name: "unreserve_highatomic_pageblock";
      readonly pfn: number;
      readonly migratetype: Migratetype;
      readonly nr_reserved_highatomic: number;
    };

/** /proc/vmstat items the model counts. */
export type VmEventItem =
  | "COMPACTSTALL"
  | "COMPACTFAIL"
  | "COMPACTSUCCESS"
  | "COMPACTMIGRATE_SCANNED"
  | "COMPACTFREE_SCANNED"
  | "COMPACTISOLATED"
  | "PGMIGRATE_SUCCESS"
  | "PGMIGRATE_FAIL"
  | "ALLOCSTALL"
  | "PGSCAN_DIRECT"
  | "PGSTEAL_DIRECT"
  | "PGSCAN_KSWAPD"
  | "PGSTEAL_KSWAPD"
  | "KCOMPACTD_WAKE"
  | "KCOMPACTD_MIGRATE_SCANNED"
  | "KCOMPACTD_FREE_SCANNED"
  | "OOM_KILL";

/** The steps of the allocation state machine, named after the kernel code they stand for. */
export type AllocStepName =
  | "fast_path"
  | "wake_all_kswapds"
  | "wakeup_kcompactd"
  | "get_page_from_freelist"
  | "direct_compact"
  | "direct_reclaim"
  | "should_reclaim_retry"
  | "should_compact_retry"
  | "may_oom"
  | "nofail_fallback"
  | "nopage"
  | "got_pg";

export type ZoneLockCaller = "rmqueue_buddy" | "rmqueue_bulk" | "free_pcppages_bulk" | "free_one_page" | "highatomic";

export type TraceEventName = TraceEvent["name"];

export const MODEL_ONLY_EVENTS: ReadonlySet<TraceEventName> = new Set<TraceEventName>([
  "count_vm_event",
  "alloc_step",
  "direct_compact",
  "direct_reclaim",
  "out_of_memory",
  "kswapd_run",
  "kcompactd_run",
  "fork",
  "exit",
  "filemap_get_folio",
  "buffered_write",
  "get_page_from_freelist",
  "zone_lock",
  "drain_all_pages",
  "boost_watermark",
  "reserve_highatomic_pageblock",
  "unreserve_highatomic_pageblock",
]);

/** A step-local, append-only buffer. */
export type EventSink = TraceEvent[];

/**
 * The `fast_path` alloc_step detail of a request that failed the fast path and goes on into
 * __alloc_pages_slowpath(); a success says `pfn N`, and a free-lists-only request that fails
 * says something else, because it does not enter the slow path.
 */
export const FAST_PATH_FAIL = "fail";

/** Does this event mark an allocation call entering __alloc_pages_slowpath()? */
export function entersSlowpath(event: TraceEvent): event is Extract<TraceEvent, { name: "alloc_step" }> {
  return event.name === "alloc_step" && event.step === "fast_path" && event.detail === FAST_PATH_FAIL;
}

/** A trace_*() call: hands one event to the caller's sink (model plumbing, no kernel state). */
export function emit(sink: EventSink, event: TraceEvent): void {
  sink.push(event);
}

/** count_vm_events() */
export function countVmEvent(sink: EventSink, item: VmEventItem, delta = 1): void {
  if (delta !== 0) sink.push({ name: "count_vm_event", item, delta });
}
