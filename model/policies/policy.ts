/**
 * What a policy is: a small, typed, pure value that changes the allocator at named decision
 * points, each one a place in the kernel where one of the thread's patches changed something.
 *
 * (a) folioGfp: the gfp of each attempt of the __filemap_get_folio() order loop (iomap_get_folio()
 *     and mm/filemap.c patches).
 * (b) slowpath: decision points inside __alloc_pages_slowpath() (page_alloc.c patches) and in
 *     direct compaction (remembering failures).
 * (c) folioRange: how a folio between two orders is allocated (the proposed range API).
 *
 * A policy needs no imports to be written: every hook receives the helpers it may need (the GFP
 * flag constants, PAGE_ALLOC_COSTLY_ORDER, formatGfp). A user's policy file can still import
 * these types to be checked by the compiler.
 */

import type * as GfpModule from "../gfp.js";
import type { GfpMask } from "../gfp.js";

/** Every GFP flag and composite mask, by its kernel name: `h.gfp.__GFP_NORETRY`, `h.gfp.GFP_KERNEL`. */
export type GfpConstants = {
  readonly [K in keyof typeof GfpModule as K extends `${"__GFP_" | "GFP_"}${string}`
    ? (typeof GfpModule)[K] extends number
      ? K
      : never
    : never]: GfpMask;
};

/** What every hook receives besides its request: the vocabulary, so policy files need no imports. */
export interface PolicyHelpers {
  readonly gfp: GfpConstants;
  readonly PAGE_ALLOC_COSTLY_ORDER: number;
  readonly formatGfp: (mask: GfpMask) => string;
}

export interface FolioGfpRequest {
  /** The caller's gfp G: mapping_gfp_mask() with __filemap_get_folio()'s FGP adjustments. */
  readonly gfp: GfpMask;
  /** The order being attempted now. */
  readonly order: number;
  /** mapping_min_folio_order(): the last order tried, which must not fail if memory exists. */
  readonly minOrder: number;
  /** The first order tried: the hint clamped to min_order, the mapping's max order and the index's alignment. */
  readonly startOrder: number;
  /**
   * fgf_set_order(len) as iomap_get_folio() computes it, before __filemap_get_folio() clamps it:
   * ilog2 of the pages the write has left up to the end of the largest folio the position could
   * be in. What a gfp change inside iomap_get_folio() sees (FGF_GET_ORDER(fgp)).
   */
  readonly hintOrder: number;
}

export interface SlowpathRequest {
  readonly gfp: GfpMask;
  readonly order: number;
}

/**
 * At the decision point after the PF_MEMALLOC check and before the first direct reclaim or
 * compaction of the retry loop (where the v3 patch sits, after check_alloc_stall_warn()):
 * carry on, fail now, or wake kcompactd for this order and fail now.
 */
export type BeforeReclaimDecision = "continue" | "nopage" | "wake-kcompactd-and-nopage";

export interface SlowpathHooks {
  /** At the very top of __alloc_pages_slowpath(), before can_direct_reclaim and can_compact are computed. */
  readonly entryGfp?: (request: SlowpathRequest, h: PolicyHelpers) => GfpMask;
  readonly beforeReclaimOrCompaction?: (request: SlowpathRequest, h: PolicyHelpers) => BeforeReclaimDecision;
  /**
   * Remember a failed direct compaction per order: until 2^order pages have been freed outside
   * compaction, later direct compactions for that order return COMPACT_DEFERRED without scanning.
   */
  readonly compactOnce?: boolean;
}

export interface FolioRange {
  /** Try the free lists for every order from the start order down before any slow path. */
  readonly freelistsFirst: boolean;
  /** Wake kcompactd for the start order when the free lists had nothing above min_order. */
  readonly wakeKcompactdForStartOrder: boolean;
}

export interface Policy {
  /** Stable id: `baseline`, `compact-once`, a user file's own. */
  readonly id: string;
  readonly title: string;
  /** Where it was proposed: list, author, date, message or patch. */
  readonly proposedIn: string;
  readonly folioGfp?: (request: FolioGfpRequest, h: PolicyHelpers) => GfpMask;
  readonly slowpath?: SlowpathHooks;
  readonly folioRange?: FolioRange;
}
