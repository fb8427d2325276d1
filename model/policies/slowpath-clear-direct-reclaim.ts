/**
 * P4', Johannes Weiner's counter-proposal to v3 (2026-07-10): keep the costly-__GFP_NORETRY gate,
 * but instead of waking kcompactd directly "clear __GFP_DIRECT_RECLAIM first thing in the
 * slowpath function. Before that nofail branch. Before can_direct_reclaim and can_compact are
 * set." kcompactd is then woken through kswapd's !__GFP_DIRECT_RECLAIM branch when the node is
 * balanced. It applies to every costly NORETRY caller, THP faults included.
 */

import { baseline } from "./baseline.js";
import type { Policy } from "./policy.js";

export const slowpathClearDirectReclaim: Policy = {
  id: "slowpath-clear-direct-reclaim",
  title: "Slow path: clear __GFP_DIRECT_RECLAIM on entry for costly __GFP_NORETRY requests",
  proposedIn: "linux-mm, Johannes Weiner, 2026-07-10, reply to [PATCH v3] mm/page_alloc: avoid direct compaction ...",
  ...(baseline.folioGfp ? { folioGfp: baseline.folioGfp } : {}),
  slowpath: {
    entryGfp: ({ gfp, order }, h) =>
      order > h.PAGE_ALLOC_COSTLY_ORDER && (gfp & h.gfp.__GFP_NORETRY) !== 0 ? gfp & ~h.gfp.__GFP_DIRECT_RECLAIM : gfp,
  },
};
