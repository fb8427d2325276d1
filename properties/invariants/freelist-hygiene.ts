/**
 * freelist-hygiene: a free block sits on the free list of its pageblock's migratetype (for a
 * block spanning several pageblocks, of every one of them). Since 6.10 __add_to_free_list()
 * WARNs otherwise; a block on the wrong list is handed to the wrong kind of allocation and
 * breaks the accounting of highatomic reserves.
 */

import { migratetypeName } from "../../model/migratetype.js";
import { sparseForEach } from "../../model/persistent/sparse-array.js";
import { getPfnblockMigratetype, pageblockNrPages } from "../../model/zone.js";
import { type Invariant, MAX_VIOLATIONS_PER_STEP, type Violation, violation } from "./invariant.js";

const ID = "freelist-hygiene";

export const freelistHygiene: Invariant = {
  id: ID,
  statement: "Every free block is on the free list of the migratetype of the pageblock(s) it lies in.",
  source: "mm/page_alloc.c __add_to_free_list() VM_WARN_ONCE(get_pageblock_migratetype(page) != migratetype)",
  check(ctx) {
    const zone = ctx.after.zone;
    const out: Violation[] = [];
    const step = pageblockNrPages(zone.config);
    sparseForEach(zone.freeBlocks, (pfn, block) => {
      const end = pfn + Math.max(1 << block.order, 1);
      for (let p = pfn; p < end; p += step) {
        const blockMt = getPfnblockMigratetype(zone, p);
        if (blockMt === block.mt) continue;
        out.push(
          violation(
            ID,
            ctx.stepIndex,
            `order-${block.order} block at pfn ${pfn} is on the ${migratetypeName(block.mt)} list but pageblock ${p >> zone.config.pageblockOrder} is ${migratetypeName(blockMt)}`,
            [pfn],
            migratetypeName(blockMt),
            migratetypeName(block.mt),
          ),
        );
        break;
      }
      return out.length < MAX_VIOLATIONS_PER_STEP;
    });
    return out;
  },
};
