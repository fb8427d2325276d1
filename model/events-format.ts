/**
 * Trace events as ftrace lines: `<name>: <fields>`, the body of a `/sys/kernel/tracing/trace`
 * or `trace-cmd report` line without the task/CPU/timestamp columns, so a replay can be read
 * side by side with a real trace.
 *
 * Tracepoint events follow the kernel's TP_printk formats field by field (research/buddy.md §10
 * for kmem.h, research/slowpath.md §6 plus include/trace/events/oom.h for compaction.h, vmscan.h
 * and oom.h): pfns as 0x%lx, gfp masks through show_gfp_flags() (formatGfp), migratetypes as
 * numbers, booleans as %d, compaction status and priority through the kernel's
 * __print_symbolic() tables. Fields the model does not have are left out rather than invented:
 *
 * - `page=%p`: the model has pfns, not struct page pointers, and the kernel hashes %p anyway.
 *   One exception: when an allocation failed, the kernel prints a NULL page and pfn=0x0, and the
 *   NULL page is the only thing in the line that says "failed", so it is kept (as /sys/kernel/
 *   tracing/trace prints it: %p shows NULL unhashed, zero-padded to 16 digits).
 * - `nid=` / `node=` / `zone=` / `classzone_idx=`: the model has one node and one zone, and no
 *   zone type (DMA32 / Normal / Movable) to print.
 *
 * Each event's comment says what it leaves out. Model-only events (MODEL_ONLY_EVENTS) have no
 * tracepoint; they print as `[model] <name>: key=value ...` so nobody mistakes them for kernel
 * output or greps a real trace for them.
 */

import { match, P } from "ts-pattern";
import { formatAllocFlags } from "./alloc-flags.js";
import { COMPACT_PRIORITY_NAMES, type CompactResult } from "./compaction-types.js";
import { MODEL_ONLY_EVENTS, type TraceEvent } from "./events.js";
import { formatGfp } from "./gfp.js";

export interface FormatOptions {
  /**
   * pageblock_order of the zone. mm_page_alloc_extfrag prints it, and `fragmenting` is computed
   * from it (fallback_order < pageblock_order); the event does not carry it, so without this
   * option both fields are left out.
   */
  readonly pageblockOrder?: number;
}

export interface FormatEventsOptions extends FormatOptions {
  /** Prefix every line with `  [step N] `. */
  readonly step?: number;
}

/** Prefix of events that have no kernel tracepoint. */
export const MODEL_EVENT_PREFIX = "[model] ";

/** What %p prints for a NULL pointer on a 64-bit kernel (lib/vsprintf.c ptr_to_id(): NULL is not hashed). */
export const NULL_PAGE = "0000000000000000";

/** include/trace/events/mmflags.h COMPACTION_STATUS, the __print_symbolic() table for enum compact_result. */
export const COMPACTION_STATUS: Readonly<Record<CompactResult, string>> = {
  COMPACT_SKIPPED: "skipped",
  COMPACT_DEFERRED: "deferred",
  COMPACT_CONTINUE: "continue",
  COMPACT_SUCCESS: "success",
  COMPACT_PARTIAL_SKIPPED: "partial_skipped",
  COMPACT_COMPLETE: "complete",
  COMPACT_NO_SUITABLE_PAGE: "no_suitable_page",
  COMPACT_NOT_SUITABLE_ZONE: "not_suitable_zone",
  COMPACT_CONTENDED: "contended",
};

// include/trace/events/mmflags.h compact_result_to_feedback() + COMPACTION_FEEDBACK
export function compactionFeedback(result: CompactResult): "failed" | "withdrawn" | "progress" {
  if (result === "COMPACT_COMPLETE") return "failed";
  if (result === "COMPACT_SUCCESS") return "progress";
  return "withdrawn";
}

/** 0x%lx */
function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** %d of a bool / int flag. */
function bit(b: boolean): string {
  return b ? "1" : "0";
}

/** __print_symbolic(prio, COMPACTION_PRIORITY); an unknown value prints as 0x%lx like the kernel's fallback. */
function priorityName(prio: number): string {
  return COMPACT_PRIORITY_NAMES[prio] ?? hex(prio);
}

/** The `page=%p pfn=0x%lx` pair of kmem.h, with the pointer dropped unless it is NULL (see the file comment). */
function pagePfn(pfn: number): string {
  return pfn === -1 ? `page=${NULL_PAGE} pfn=0x0` : `pfn=${hex(pfn)}`;
}

/** The fields of one event, without the name. */
function fields(event: TraceEvent, options: FormatOptions): string {
  return (
    match(event)
      // ---- include/trace/events/kmem.h ----
      // "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s". Left out: page, except NULL on failure.
      .with(
        { name: "mm_page_alloc" },
        (e) => `${pagePfn(e.pfn)} order=${e.order} migratetype=${e.migratetype} gfp_flags=${formatGfp(e.gfp_flags)}`,
      )
      // "page=%p pfn=0x%lx order=%d". Left out: page.
      .with({ name: "mm_page_free" }, (e) => `pfn=${hex(e.pfn)} order=${e.order}`)
      // "page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d". Left out: page, except NULL (never emitted).
      .with(
        { name: "mm_page_alloc_zone_locked" },
        (e) => `${pagePfn(e.pfn)} order=${e.order} migratetype=${e.migratetype} percpu_refill=${bit(e.percpu_refill)}`,
      )
      // "page=%p pfn=0x%lx order=%d migratetype=%d". Left out: page.
      .with({ name: "mm_page_pcpu_drain" }, (e) => `pfn=${hex(e.pfn)} order=${e.order} migratetype=${e.migratetype}`)
      // "page=%p pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d
      //  fallback_migratetype=%d fragmenting=%d change_ownership=%d". Left out: page; pageblock_order and
      // fragmenting too unless options.pageblockOrder is given (the event does not carry it).
      .with({ name: "mm_page_alloc_extfrag" }, (e) => {
        const pb = options.pageblockOrder;
        return [
          `pfn=${hex(e.pfn)} alloc_order=${e.alloc_order} fallback_order=${e.fallback_order}`,
          pb === undefined ? "" : ` pageblock_order=${pb}`,
          ` alloc_migratetype=${e.alloc_migratetype} fallback_migratetype=${e.fallback_migratetype}`,
          pb === undefined ? "" : ` fragmenting=${bit(e.fallback_order < pb)}`,
          ` change_ownership=${bit(e.change_ownership)}`,
        ].join("");
      })
      // ---- include/trace/events/compaction.h ----
      // "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx zone_end=0x%lx, mode=%s". Complete.
      .with(
        { name: "mm_compaction_begin" },
        (e) =>
          `zone_start=${hex(e.zone_start)} migrate_pfn=${hex(e.migrate_pfn)} free_pfn=${hex(e.free_pfn)} ` +
          `zone_end=${hex(e.zone_end)}, mode=${e.sync ? "sync" : "async"}`,
      )
      // "... zone_end=0x%lx, mode=%s status=%s", status through COMPACTION_STATUS. Complete.
      .with(
        { name: "mm_compaction_end" },
        (e) =>
          `zone_start=${hex(e.zone_start)} migrate_pfn=${hex(e.migrate_pfn)} free_pfn=${hex(e.free_pfn)} ` +
          `zone_end=${hex(e.zone_end)}, mode=${e.sync ? "sync" : "async"} status=${COMPACTION_STATUS[e.status]}`,
      )
      // mm_compaction_isolate_template: "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu". Complete.
      .with(
        { name: P.union("mm_compaction_isolate_migratepages", "mm_compaction_isolate_freepages") },
        (e) => `range=(${hex(e.start_pfn)} ~ ${hex(e.end_pfn)}) nr_scanned=${e.nr_scanned} nr_taken=${e.nr_taken}`,
      )
      // "nr_migrated=%lu nr_failed=%lu". Complete: the model's nr_migratepages is the kernel's nr_migrated
      // (pages migrated, as compaction.ts fills it), not nr_all.
      .with({ name: "mm_compaction_migratepages" }, (e) => `nr_migrated=${e.nr_migratepages} nr_failed=${e.nr_failed}`)
      // "order=%d gfp_mask=%s priority=%d". Complete.
      .with(
        { name: "mm_compaction_try_to_compact_pages" },
        (e) => `order=${e.order} gfp_mask=${formatGfp(e.gfp_mask)} priority=${e.prio}`,
      )
      // mm_compaction_suitable_template: "node=%d zone=%-8s order=%d ret=%s". Left out: node, zone.
      .with(
        { name: P.union("mm_compaction_suitable", "mm_compaction_finished") },
        (e) => `order=${e.order} ret=${COMPACTION_STATUS[e.ret]}`,
      )
      // mm_compaction_defer_template: "node=%d zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
      // limit = 1UL << defer_shift. Left out: node, zone.
      .with(
        { name: P.union("mm_compaction_deferred", "mm_compaction_defer_compaction", "mm_compaction_defer_reset") },
        (e) => `order=${e.order} order_failed=${e.order_failed} consider=${e.considered} limit=${2 ** e.defer_shift}`,
      )
      // kcompactd_wake_template: "nid=%d order=%d classzone_idx=%-8s". Left out: nid, classzone_idx (a zone type).
      .with(
        { name: P.union("mm_compaction_wakeup_kcompactd", "mm_compaction_kcompactd_wake") },
        (e) => `order=${e.order}`,
      )
      // "nid=%d". Left out: nid, which leaves nothing.
      .with({ name: "mm_compaction_kcompactd_sleep" }, () => "")
      // ---- include/trace/events/vmscan.h ----
      // "nid=%d order=%d gfp_flags=%s". Left out: nid.
      .with({ name: "mm_vmscan_wakeup_kswapd" }, (e) => `order=${e.order} gfp_flags=${formatGfp(e.gfp_flags)}`)
      // "nid=%d order=%d". Left out: nid.
      .with({ name: "mm_vmscan_kswapd_wake" }, (e) => `order=${e.order}`)
      // "nid=%d". Left out: nid, which leaves nothing.
      .with({ name: "mm_vmscan_kswapd_sleep" }, () => "")
      // "order=%d gfp_flags=%s". Complete.
      .with({ name: "mm_vmscan_direct_reclaim_begin" }, (e) => `order=${e.order} gfp_flags=${formatGfp(e.gfp_flags)}`)
      // "nr_reclaimed=%lu". Complete.
      .with({ name: "mm_vmscan_direct_reclaim_end" }, (e) => `nr_reclaimed=${e.nr_reclaimed}`)
      // ---- include/trace/events/oom.h ----
      // "order=%d priority=%s compaction_result=%s retries=%d max_retries=%d should_retry=%d": priority through
      // COMPACTION_PRIORITY, the result through compact_result_to_feedback() (done at assign time in the
      // kernel, at print time here). Complete.
      .with(
        { name: "compact_retry" },
        (e) =>
          `order=${e.order} priority=${priorityName(e.priority)} compaction_result=${compactionFeedback(e.result)} ` +
          `retries=${e.retries} max_retries=${e.max_retries} should_retry=${bit(e.ret)}`,
      )
      // "node=%d zone=%-8s order=%d reclaimable=%lu available=%lu min_wmark=%lu no_progress_loops=%d
      //  wmark_check=%d". Left out: node, zone.
      .with(
        { name: "reclaim_retry_zone" },
        (e) =>
          `order=${e.order} reclaimable=${e.reclaimable} available=${e.available} min_wmark=${e.min_wmark} ` +
          `no_progress_loops=${e.no_progress_loops} wmark_check=${bit(e.wmark_check)}`,
      )
      // ---- model-only events: readable key=value, no kernel format to follow ----
      .with(
        { name: "get_page_from_freelist" },
        (e) =>
          `order=${e.order} migratetype=${e.migratetype} alloc_flags=${formatAllocFlags(e.alloc_flags)} ` +
          `pfn=${e.pfn === -1 ? "none" : hex(e.pfn)}`,
      )
      .with({ name: "zone_lock" }, (e) => `caller=${e.caller}`)
      .with(
        { name: "drain_all_pages" },
        (e) => `caller=${e.caller} skipped=${bit(e.skipped)} cpus=${e.cpus_visited} pages=${e.pages_drained}`,
      )
      .with({ name: "boost_watermark" }, (e) => `watermark_boost=${e.watermark_boost}`)
      .with({ name: "count_vm_event" }, (e) => `item=${e.item} delta=${e.delta}`)
      .with({ name: "alloc_step" }, (e) => `order=${e.order} ${allocStepText(e.step, e.detail)}`)
      .with(
        { name: "direct_compact" },
        (e) =>
          `order=${e.order} prio=${priorityName(e.prio)} result=${e.result} migrate_scanned=${e.migrate_scanned} ` +
          `free_scanned=${e.free_scanned} migrated=${e.migrated} captured=${bit(e.captured)} ` +
          `success=${bit(e.success)} free_pages=${e.free_pages_before}->${e.free_pages_after}`,
      )
      .with(
        { name: "direct_reclaim" },
        (e) =>
          `order=${e.order} nr_scanned=${e.nr_scanned} nr_reclaimed=${e.nr_reclaimed} nr_passes=${e.nr_passes} ` +
          `nr_folios_scanned=${e.nr_folios_scanned} compaction_ready=${bit(e.compaction_ready)}`,
      )
      .with(
        { name: "out_of_memory" },
        (e) => `order=${e.order} gfp_mask=${formatGfp(e.gfp_mask)} killed=${bit(e.killed)}`,
      )
      .with(
        { name: "kswapd_run" },
        (e) =>
          `order=${e.order} nr_scanned=${e.nr_scanned} nr_reclaimed=${e.nr_reclaimed} nr_passes=${e.nr_passes} ` +
          `nr_folios_scanned=${e.nr_folios_scanned} balanced=${bit(e.balanced)}`,
      )
      .with(
        { name: "kcompactd_run" },
        (e) =>
          `order=${e.order} status=${e.status} migrate_scanned=${e.migrate_scanned} free_scanned=${e.free_scanned}`,
      )
      .with(
        { name: "reserve_highatomic_pageblock" },
        (e) => `pfn=${hex(e.pfn)} nr_reserved_highatomic=${e.nr_reserved_highatomic}`,
      )
      .with(
        { name: "unreserve_highatomic_pageblock" },
        (e) => `pfn=${hex(e.pfn)} migratetype=${e.migratetype} nr_reserved_highatomic=${e.nr_reserved_highatomic}`,
      )
      .with({ name: "fork" }, (e) => `parent=${e.parent} child=${e.child} pte_pages=${e.pte_pages}`)
      .with({ name: "exit" }, (e) => `pid=${e.pid} pages_freed=${e.pages_freed}`)
      .with({ name: "filemap_get_folio" }, (e) => {
        const base = `index=${e.index} start_order=${e.start_order} min_order=${e.min_order} order=${e.order} attempts=${e.attempts}`;
        const failed = e.order === -1 ? " -ENOMEM" : "";
        if (e.min_order_free === undefined) return `${base}${failed}`;
        return `${base}${failed} free=${e.min_order_free} pcp=${e.min_order_pcp} reclaimable=${e.min_order_reclaimable} min_wmark=${e.min_wmark}`;
      })
      .with(
        { name: "buffered_write" },
        (e) => `file=${e.file} pos=${e.pos} len=${e.len} written=${e.written}${e.enomem ? " -ENOMEM" : ""}`,
      )
      .exhaustive()
  );
}

function allocStepText(step: string, detail: string): string {
  return detail === "" ? step : `${step} ${detail}`;
}

/** One event as an ftrace body line: `mm_page_alloc: pfn=0x200 order=9 ...` or `[model] zone_lock: caller=...`. */
export function formatEvent(event: TraceEvent, options: FormatOptions = {}): string {
  const prefix = MODEL_ONLY_EVENTS.has(event.name) ? MODEL_EVENT_PREFIX : "";
  const body = fields(event, options);
  return body === "" ? `${prefix}${event.name}:` : `${prefix}${event.name}: ${body}`;
}

/** Several events, one line each (joined with "\n", no trailing newline), optionally prefixed `  [step N] `. */
export function formatEvents(events: readonly TraceEvent[], options: FormatEventsOptions = {}): string {
  const lead = options.step === undefined ? "" : `  [step ${options.step}] `;
  return events.map((event) => `${lead}${formatEvent(event, options)}`).join("\n");
}

/** The path an allocation took: its `alloc_step` events as `fast_path fail`, `direct_compact COMPACT_PRIO_ASYNC COMPACT_SKIPPED`, ... */
export function describeAllocSteps(events: readonly TraceEvent[]): string[] {
  const lines: string[] = [];
  for (const event of events) {
    if (event.name === "alloc_step") lines.push(allocStepText(event.step, event.detail));
  }
  return lines;
}
