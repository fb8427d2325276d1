/**
 * P5, "compact once": Matthew Wilcox, 2026-05-03 ("We really should only try compaction once.
 * If it didn't make useful progress last time, it won't this time either."). Not implemented
 * in the thread; this design is gfpcheck's: remember each order's failed direct compaction until
 * 2^order pages have been freed outside compaction, and answer COMPACT_DEFERRED meanwhile.
 * The filemap gfp is baseline's.
 *
 * kernel-semantics.md §6 sketches a memo of failed *async* compactions only. This design
 * remembers a failure at any priority, because the reasoning quoted does not depend on the
 * priority. So orders 1-3, whose SYNC_LIGHT failures the kernel already defers, get this longer
 * memo on top; with an async-only memo they would behave exactly as baseline.
 */

import { baseline } from "./baseline.js";
import type { Policy } from "./policy.js";

export const compactOnce: Policy = {
  id: "compact-once",
  title: "Remember a failed direct compaction per order until enough memory is freed",
  proposedIn: "LKML, Matthew Wilcox, 2026-05-03, 'only try compaction once' (not posted as a patch)",
  ...(baseline.folioGfp ? { folioGfp: baseline.folioGfp } : {}),
  slowpath: { compactOnce: true },
};
