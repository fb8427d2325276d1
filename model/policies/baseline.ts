/**
 * P0, baseline: mainline as it is. __filemap_get_folio() adds __GFP_NORETRY|__GFP_NOWARN to
 * every order above min_order and uses the caller's gfp at min_order (mm/filemap.c, [V]).
 */

import type { Policy } from "./policy.js";

export const baseline: Policy = {
  id: "baseline",
  title: "Mainline: NORETRY|NOWARN above min_order, the caller's gfp at min_order",
  proposedIn: "mm/filemap.c __filemap_get_folio() (mainline)",
  folioGfp: ({ gfp, order, minOrder }, h) => (order > minOrder ? gfp | h.gfp.__GFP_NORETRY | h.gfp.__GFP_NOWARN : gfp),
};
