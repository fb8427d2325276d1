/**
 * P4, the v3 patch: "[PATCH v3] mm/page_alloc: avoid direct compaction for costly __GFP_NORETRY
 * allocations", Salvatore Dipietro, 2026-07-10 (first posted as a diff on 2026-05-06). In the
 * 7.x slow path, after check_alloc_stall_warn() and before the `if (!compact_first)` reclaim: for
 * a costly __GFP_NORETRY request, wakeup_kcompactd() on the preferred node and `goto nopage`.
 * The filemap gfp is unchanged (baseline), so orders 1-3 keep reclaim and compaction.
 *
 * The patch was written for the 7.x loop, where nothing compacts before that point. The classic
 * slow path runs an initial async compaction before its loop, so there the decision is made
 * before that compaction: the patch's point is to "skip direct compaction".
 */

import { baseline } from "./baseline.js";
import type { Policy } from "./policy.js";

export const noretryWakeKcompactd: Policy = {
  id: "noretry-wake-kcompactd",
  title: "Slow path: costly __GFP_NORETRY wakes kcompactd and fails before reclaim or compaction (v3)",
  proposedIn:
    "linux-mm, Salvatore Dipietro, 2026-07-10, [PATCH v3] mm/page_alloc: avoid direct compaction for costly __GFP_NORETRY allocations",
  ...(baseline.folioGfp ? { folioGfp: baseline.folioGfp } : {}),
  slowpath: {
    beforeReclaimOrCompaction: ({ gfp, order }, h) =>
      order > h.PAGE_ALLOC_COSTLY_ORDER && (gfp & h.gfp.__GFP_NORETRY) !== 0 ? "wake-kcompactd-and-nopage" : "continue",
  },
};
