/**
 * P6, "allocate a folio between orders A and B": Matthew Wilcox's API idea in the thread
 * (2026-05-03; not implemented). Modelled as kernel-semantics.md §6 suggests: the free lists
 * (fast path, then the min watermark) for every order from the start order down to just above
 * min_order, no slow path for any of them; one wake of kcompactd for the start order if they
 * all failed; then a single full allocation at min_order with the caller's gfp. At most one
 * slow path per folio, instead of one per order.
 */

import type { Policy } from "./policy.js";

export const folioOrderRange: Policy = {
  id: "folio-order-range",
  title: "One allocation for a folio between min_order and the start order: free lists first, one slow path",
  proposedIn: "linux-mm, Matthew Wilcox, 2026-05-03, 'an API to allocate a folio between orders A and B' (idea)",
  folioGfp: ({ gfp, order, minOrder }, h) => (order > minOrder ? gfp | h.gfp.__GFP_NOWARN : gfp),
  folioRange: { freelistsFirst: true, wakeKcompactdForStartOrder: true },
};
