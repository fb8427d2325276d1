/**
 * coalescing: no two free buddies of the same order sit on the buddy lists unmerged, unless
 * __free_one_page() legitimately refused the merge (at or above pageblock_order, between a
 * mergeable and a non-mergeable pageblock type). Checked after every step, which is stronger
 * than "after a drain": pcp pages are not on the buddy lists, so they never count as buddies.
 */

import { migratetypeIsMergeable } from "../../model/migratetype.js";
import { sparseForEach, sparseGet } from "../../model/persistent/sparse-array.js";
import { getPfnblockMigratetype } from "../../model/zone.js";
import { type Invariant, MAX_VIOLATIONS_PER_STEP, type Violation, violation } from "./invariant.js";

const ID = "coalescing";

export const coalescing: Invariant = {
  id: ID,
  statement:
    "No two free buddies of the same order below MAX_PAGE_ORDER are both on the buddy lists, unless the merge was legitimately blocked.",
  source: "mm/page_alloc.c __free_one_page(); mm/internal.h __find_buddy_pfn()",
  check(ctx) {
    const zone = ctx.after.zone;
    const { maxPageOrder, pageblockOrder, nrPages } = zone.config;
    const out: Violation[] = [];
    sparseForEach(zone.freeBlocks, (pfn, block) => {
      if (block.order >= maxPageOrder) return true;
      const buddyPfn = pfn ^ (1 << block.order);
      // Report each pair once, from its lower half.
      if (buddyPfn < pfn || buddyPfn >= nrPages) return true;
      if (sparseGet(zone.freeBlocks, buddyPfn)?.order !== block.order) return true;
      if (block.order >= pageblockOrder) {
        const mt = getPfnblockMigratetype(zone, pfn);
        const buddyMt = getPfnblockMigratetype(zone, buddyPfn);
        if (mt !== buddyMt && (!migratetypeIsMergeable(mt) || !migratetypeIsMergeable(buddyMt))) return true;
      }
      out.push(
        violation(
          ID,
          ctx.stepIndex,
          `order-${block.order} buddies at pfn ${pfn} and ${buddyPfn} are both free but not merged`,
          [pfn, buddyPfn],
          `one order-${block.order + 1} block at pfn ${pfn}`,
          `two order-${block.order} blocks`,
        ),
      );
      return out.length < MAX_VIOLATIONS_PER_STEP;
    });
    return out;
  },
};
