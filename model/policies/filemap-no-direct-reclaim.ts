/**
 * P3, Matthew Wilcox's suggestion in reply to v1 (2026-04-04): in __filemap_get_folio(), every
 * order above min_order gets `alloc_gfp &= ~__GFP_DIRECT_RECLAIM; alloc_gfp |= __GFP_NOWARN;`
 * (NORETRY is no longer added); min_order keeps the caller's gfp. Only min_order can reclaim or
 * compact; kswapd still runs, and wakes kcompactd when the node is balanced.
 */

import type { Policy } from "./policy.js";

export const filemapNoDirectReclaim: Policy = {
  id: "filemap-no-direct-reclaim",
  title: "__filemap_get_folio(): no __GFP_DIRECT_RECLAIM above min_order",
  proposedIn:
    "linux-mm, Matthew Wilcox, 2026-04-04, reply to [PATCH 1/1] iomap: avoid compaction for costly folio order allocation",
  folioGfp: ({ gfp, order, minOrder }, h) =>
    order > minOrder ? (gfp & ~h.gfp.__GFP_DIRECT_RECLAIM) | h.gfp.__GFP_NOWARN : gfp,
};
