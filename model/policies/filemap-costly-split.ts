/**
 * P2, Ritesh Harjani's suggestion (2026-04-04), posted as v2: "[PATCH v2] mm/filemap: avoid
 * costly reclaim for high-order folio allocations", 2026-04-20. Above min_order: NOWARN, and
 * either no direct reclaim (costly orders: free lists only) or NORETRY (orders 1-3, which keep
 * one round of reclaim and compaction). min_order keeps the caller's gfp.
 */

import type { Policy } from "./policy.js";

export const filemapCostlySplit: Policy = {
  id: "filemap-costly-split",
  title: "__filemap_get_folio(): costly orders without direct reclaim, orders 1-3 NORETRY (v2)",
  proposedIn:
    "linux-mm, Ritesh Harjani 2026-04-04; [PATCH v2] mm/filemap: avoid costly reclaim for high-order folio allocations, 2026-04-20",
  folioGfp: ({ gfp, order, minOrder }, h) => {
    if (order <= minOrder) return gfp;
    const g = gfp | h.gfp.__GFP_NOWARN;
    return order > h.PAGE_ALLOC_COSTLY_ORDER ? g & ~h.gfp.__GFP_DIRECT_RECLAIM : g | h.gfp.__GFP_NORETRY;
  },
};
