/**
 * P1, the v1 patch: "[PATCH 1/1] iomap: avoid compaction for costly folio order allocation",
 * Salvatore Dipietro, linux-fsdevel/linux-mm, 2026-04-03. In iomap_get_folio(), when the
 * requested folio order exceeds PAGE_ALLOC_COSTLY_ORDER, clear __GFP_DIRECT_RECLAIM from the
 * mapping's gfp before calling __filemap_get_folio(). Every attempted order loses direct
 * reclaim, min_order included: Ritesh Harjani's first reply (2026-04-04) warned it "may cause
 * -ENOMEM" for the write.
 *
 * The patch tests FGF_GET_ORDER(fgp), the order hint from the write's length, not the order
 * __filemap_get_folio() starts at after its clamps: a misaligned write with a costly hint loses
 * direct reclaim even where alignment makes every order it tries cheap, and a short write into
 * a mapping with a min_order above 3 keeps it.
 */

import type { Policy } from "./policy.js";

export const iomapClearDirectReclaim: Policy = {
  id: "iomap-clear-direct-reclaim",
  title: "iomap_get_folio(): no __GFP_DIRECT_RECLAIM at all when the folio order is costly (v1)",
  proposedIn:
    "linux-mm, Salvatore Dipietro, 2026-04-03, [PATCH 1/1] iomap: avoid compaction for costly folio order allocation",
  folioGfp: ({ gfp, order, minOrder, hintOrder }, h) => {
    const g = hintOrder > h.PAGE_ALLOC_COSTLY_ORDER ? gfp & ~h.gfp.__GFP_DIRECT_RECLAIM : gfp;
    return order > minOrder ? g | h.gfp.__GFP_NORETRY | h.gfp.__GFP_NOWARN : g;
  },
};
