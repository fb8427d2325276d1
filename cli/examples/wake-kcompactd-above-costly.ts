// An example policy file: copy it, change it, then `npm run gfpcheck -- validate <your file>`.
// The hooks get the gfp flags and constants as `h`, so nothing is imported at run time.
import type { Policy } from "../../model/policies/policy.js";

const policy: Policy = {
  id: "wake-kcompactd-above-costly",
  title: "Costly folio orders: the first wakes kcompactd and fails, the rest use the free lists; compact once",
  proposedIn: "gfpcheck example (cli/examples/wake-kcompactd-above-costly.ts), not posted",
  // __filemap_get_folio(): min_order keeps the caller's gfp; below the start order, costly orders
  // lose __GFP_DIRECT_RECLAIM (free lists only); the rest get baseline's NORETRY|NOWARN.
  folioGfp: ({ gfp, order, minOrder, startOrder }, h) => {
    if (order <= minOrder) return gfp;
    const g = gfp | h.gfp.__GFP_NORETRY | h.gfp.__GFP_NOWARN;
    return order > h.PAGE_ALLOC_COSTLY_ORDER && order < startOrder ? g & ~h.gfp.__GFP_DIRECT_RECLAIM : g;
  },
  slowpath: {
    // A costly NORETRY request (the start order) kicks kcompactd and fails before reclaim.
    beforeReclaimOrCompaction: ({ gfp, order }, h) =>
      order > h.PAGE_ALLOC_COSTLY_ORDER && (gfp & h.gfp.__GFP_NORETRY) !== 0 ? "wake-kcompactd-and-nopage" : "continue",
    // Orders 1-3 still compact: do not rescan for an order whose last compaction failed.
    compactOnce: true,
  },
};

export default policy;
