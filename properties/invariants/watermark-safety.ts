/**
 * watermark-safety: an allocation that has no access to reserves (no ALLOC_NO_WATERMARKS,
 * ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_HIGHATOMIC or ALLOC_OOM) never leaves the zone with
 * fewer free pages than its min watermark. Free pages here include the pcp lists: a pcp refill
 * moves pages from NR_FREE_PAGES to a pcp list without handing them to anyone, which the kernel
 * allows (rmqueue_bulk() checks the watermark once per batch).
 */

import { ALLOC_NO_WATERMARKS, ALLOC_RESERVES, formatAllocFlags } from "../../model/alloc-flags.js";
import { zoneFreeAndPcpPages } from "../../model/zone.js";
import { type Invariant, type Violation, violation } from "./invariant.js";

const ID = "watermark-safety";

export const watermarkSafety: Invariant = {
  id: ID,
  statement:
    "An allocation without reserve access never takes the zone's free pages (buddy + pcp) below the min watermark.",
  source: "mm/page_alloc.c __zone_watermark_ok(), get_page_from_freelist()",
  check(ctx) {
    const out: Violation[] = [];
    for (const event of ctx.events) {
      if (event.name !== "get_page_from_freelist" || event.pfn === -1) continue;
      if ((event.alloc_flags & (ALLOC_RESERVES | ALLOC_NO_WATERMARKS)) !== 0) continue;
      const free = zoneFreeAndPcpPages(ctx.after.zone);
      const min = ctx.after.zone.watermark.min;
      if (free < min) {
        out.push(
          violation(
            ID,
            ctx.stepIndex,
            `order-${event.order} allocation with ${formatAllocFlags(event.alloc_flags)} left ${free} free pages, below the min watermark ${min}`,
            [event.pfn],
            `>= ${min} free pages`,
            free,
          ),
        );
      }
    }
    return out;
  },
};
