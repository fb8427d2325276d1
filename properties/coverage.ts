/**
 * Labels for the path each step took, so a verdict can say what it exercised: a property that
 * "holds" over runs that never reached its situation proves nothing, and is `inconclusive`.
 */

import { ALLOC_RESERVES } from "../model/alloc-flags.js";
import { entersSlowpath, type TraceEvent } from "../model/events.js";
import type { Outcome } from "../model/system.js";

function orderClass(order: number): string {
  return order === 0 ? "order0" : order <= 3 ? "order1-3" : "costly";
}

export function labelStep(events: readonly TraceEvent[], outcome: Outcome): string[] {
  const labels = new Set<string>();
  labels.add(`op:${outcome.kind}`);
  let refilled = false;
  for (const e of events) {
    switch (e.name) {
      case "zone_lock":
        if (e.caller === "rmqueue_bulk") refilled = true;
        if (e.caller === "rmqueue_buddy") labels.add("buddy-alloc");
        if (e.caller === "free_pcppages_bulk") labels.add("pcp-spill");
        break;
      case "mm_page_alloc_zone_locked":
        labels.add("buddy-take");
        break;
      case "mm_page_alloc_extfrag":
        labels.add(e.change_ownership ? "fallback-claim" : "fallback-steal");
        break;
      case "get_page_from_freelist":
        if (e.pfn === -1) labels.add("watermark-or-freelist-fail");
        else if ((e.alloc_flags & ALLOC_RESERVES) !== 0) labels.add("alloc-with-reserves");
        break;
      case "drain_all_pages":
        labels.add(e.skipped ? "drain-skipped" : "drain-all");
        break;
      case "reserve_highatomic_pageblock":
        labels.add("highatomic-reserve");
        break;
      case "unreserve_highatomic_pageblock":
        labels.add("highatomic-unreserve");
        break;
      case "boost_watermark":
        labels.add("watermark-boost");
        break;
      case "alloc_step":
        if (e.step === "fast_path") labels.add(entersSlowpath(e) ? `slowpath:${orderClass(e.order)}` : "fast-path");
        if (e.step === "direct_reclaim") labels.add("direct-reclaim");
        if (e.step === "nopage") labels.add(`alloc-fail:${orderClass(e.order)}`);
        break;
      case "direct_compact":
        labels.add(`compaction:${e.result.replace("COMPACT_", "").toLowerCase()}`);
        if (e.captured) labels.add("compaction:captured");
        if (!e.success && e.migrate_scanned + e.free_scanned > 0)
          labels.add(`compaction-failed-scan:${orderClass(e.order)}`);
        break;
      case "out_of_memory":
        labels.add("oom");
        break;
      case "filemap_get_folio":
        labels.add(
          e.order === -1 ? "folio-enomem" : e.order === e.start_order ? "folio-first-order" : "folio-fallback",
        );
        if (e.min_order_free !== undefined && e.min_wmark !== undefined && e.min_order_free <= e.min_wmark) {
          labels.add("min-order-attempt-below-min");
        }
        break;
      case "fork":
        labels.add(e.child === -1 ? "fork-failed" : "fork");
        break;
      case "kswapd_run":
        labels.add("kswapd");
        break;
      case "kcompactd_run":
        labels.add("kcompactd");
        break;
      case "mm_compaction_defer_compaction":
        labels.add("compaction-deferred");
        break;
      default:
        break;
    }
  }
  if (outcome.kind === "allocated") labels.add(refilled ? "pcp-refill" : "pcp-or-buddy-hit");
  if (outcome.kind === "alloc-failed" && events.some((e) => e.name === "direct_compact")) {
    labels.add(`alloc-failed-after-compaction:${orderClass(outcome.order)}`);
  }
  return [...labels];
}
