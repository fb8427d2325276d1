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
  | { readonly name: "reserve_highatomic_pageblock"; readonly pfn: number; readonly nr_reserved_highatomic: number }
  | {
      readonly name: "unreserve_highatomic_pageblock";
      readonly pfn: number;
      readonly migratetype: Migratetype;
      readonly nr_reserved_highatomic: number;
    };

export type ZoneLockCaller = "rmqueue_buddy" | "rmqueue_bulk" | "free_pcppages_bulk" | "free_one_page" | "highatomic";

export type TraceEventName = TraceEvent["name"];

export const MODEL_ONLY_EVENTS: ReadonlySet<TraceEventName> = new Set<TraceEventName>([
  "get_page_from_freelist",
  "zone_lock",
  "drain_all_pages",
  "boost_watermark",
  "reserve_highatomic_pageblock",
  "unreserve_highatomic_pageblock",
]);

/** A step-local, append-only buffer. */
export type EventSink = TraceEvent[];

export function emit(sink: EventSink, event: TraceEvent): void {
  sink.push(event);
}
