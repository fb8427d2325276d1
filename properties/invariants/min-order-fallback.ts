/**
 * min-order-fallback: a page-cache folio allocation never fails at min_order while the memory
 * for it is obtainable, the way baseline's min_order attempt would obtain it: free pages it may
 * use, pages on the pcp lists (direct reclaim drains them), and clean page cache (direct reclaim
 * frees it). "Obtainable" is: free + pcp + reclaimable > min watermark + 2^min_order - 1, the
 * watermark check __zone_watermark_ok() would pass once reclaim and the drain have run.
 *
 * Pages on pcp lists count only when reclaim can make progress: __alloc_pages_direct_reclaim()
 * drains them (drain_all_pages()) only after try_to_free_pages() reclaimed something. Without
 * reclaimable pages they stay stranded, and baseline fails (or, for a GFP_NOFS caller, loops)
 * just the same.
 *
 * The large-folio fallback exists so that a write can always proceed with small folios; a
 * policy that fails min_order turns a slow large-folio path into an -ENOMEM for the write.
 * P1 (the v1 patch) is expected to violate this: it strips direct reclaim from min_order too.
 */

import type { TraceEvent } from "../../model/events.js";
import { type Invariant, type Violation, violation } from "./invariant.js";

const ID = "min-order-fallback";

type FolioEvent = Extract<TraceEvent, { name: "filemap_get_folio" }>;

/** The pages the min_order attempt could have had, and whether they were enough. */
export function minOrderObtainable(e: FolioEvent): { pages: number; needed: number; obtainable: boolean } | undefined {
  if (e.min_order_free === undefined || e.min_wmark === undefined) return undefined;
  const reclaimable = e.min_order_reclaimable ?? 0;
  const pages = e.min_order_free + reclaimable + (reclaimable > 0 ? (e.min_order_pcp ?? 0) : 0);
  const needed = e.min_wmark + 2 ** e.min_order - 1;
  return { pages, needed, obtainable: pages > needed };
}

export const minOrderFallback: Invariant = {
  id: ID,
  statement:
    "A page-cache folio allocation never fails at min_order while its memory is obtainable (free, on pcp lists, or reclaimable).",
  source:
    "mm/filemap.c __filemap_get_folio() order loop; mm/page_alloc.c __alloc_pages_direct_reclaim(), __zone_watermark_ok()",
  check(ctx) {
    const out: Violation[] = [];
    for (const e of ctx.events) {
      if (e.name !== "filemap_get_folio" || e.order !== -1) continue;
      const seen = minOrderObtainable(e);
      if (seen === undefined || !seen.obtainable) continue;
      out.push(
        violation(
          ID,
          ctx.stepIndex,
          `a write's folio at index ${e.index} failed at every order from ${e.start_order} down to min_order ${e.min_order} (-ENOMEM), though ${e.min_order_free} free + ${e.min_order_pcp} pcp + ${e.min_order_reclaimable} reclaimable pages exceed the min watermark ${e.min_wmark}`,
          [],
          `an order-${e.min_order} folio (${seen.pages} pages obtainable, ${seen.needed + 1} needed)`,
          "-ENOMEM",
        ),
      );
    }
    return out;
  },
};
