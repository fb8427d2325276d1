/**
 * alignment: every block (free, on a pcp list, or allocated) starts at a multiple of its size,
 * lies inside the zone, and no two blocks overlap. The buddy arithmetic (pfn ^ (1 << order))
 * only works if this holds.
 */

import { type Invariant, MAX_VIOLATIONS_PER_STEP, type Violation, violation } from "./invariant.js";
import { allClaims, buildPageMap, describeClaim } from "./page-map.js";

const ID = "alignment";

export const alignment: Invariant = {
  id: ID,
  statement:
    "Every free, pcp and allocated block is aligned to its order, lies inside the zone, and overlaps no other block.",
  source: "mm/page_alloc.c __free_one_page() VM_BUG_ON_PAGE(pfn & ((1 << order) - 1)), bad_range()",
  check(ctx) {
    const nrPages = ctx.after.zone.config.nrPages;
    const out: Violation[] = [];
    for (const claim of allClaims(ctx.after)) {
      const size = 1 << claim.order;
      if (claim.pfn % size !== 0) {
        out.push(
          violation(
            ID,
            ctx.stepIndex,
            `${describeClaim(claim)} is not aligned to its order`,
            [claim.pfn],
            `pfn % ${size} == 0`,
            `pfn % ${size} == ${claim.pfn % size}`,
          ),
        );
      }
      if (claim.pfn < 0 || claim.pfn + size > nrPages) {
        out.push(
          violation(
            ID,
            ctx.stepIndex,
            `${describeClaim(claim)} reaches outside the zone`,
            [claim.pfn],
            `inside [0, ${nrPages})`,
            `[${claim.pfn}, ${claim.pfn + size})`,
          ),
        );
      }
      if (out.length >= MAX_VIOLATIONS_PER_STEP) return out;
    }
    const map = buildPageMap(ctx.after);
    for (const [pfn, a, b] of map.doubles) {
      const first = map.claims[a];
      const second = map.claims[b];
      if (first === undefined || second === undefined) continue;
      out.push(
        violation(
          ID,
          ctx.stepIndex,
          `${describeClaim(first)} overlaps ${describeClaim(second)} at pfn ${pfn}`,
          [pfn],
          "disjoint blocks",
          "overlap",
        ),
      );
      if (out.length >= MAX_VIOLATIONS_PER_STEP) break;
    }
    return out;
  },
};
