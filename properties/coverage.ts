/**
 * Labels for the path each step took, so a verdict can say what it exercised: a property that
 * "holds" over runs that never reached its situation proves nothing, and is `inconclusive`.
 */

import { ALLOC_RESERVES } from "../model/alloc-flags.js";
import type { TraceEvent } from "../model/events.js";
import type { Outcome } from "../model/system.js";

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
      default:
        break;
    }
  }
  if (outcome.kind === "allocated") labels.add(refilled ? "pcp-refill" : "pcp-or-buddy-hit");
  return [...labels];
}
