/**
 * no-leaks: every page is in exactly one place (the buddy lists, a pcp list, or one
 * allocation), the zone's counters agree with what the lists hold, and giving everything back
 * returns the zone to a fully merged state.
 */

import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_TYPES,
  type Migratetype,
  migratetypeIsMergeable,
} from "../../model/migratetype.js";
import { listIds } from "../../model/persistent/linked-list.js";
import { sparseForEach } from "../../model/persistent/sparse-array.js";
import { type System, step } from "../../model/system.js";
import { forEachPcpPage, freeList, getPfnblockMigratetype, type ZoneState } from "../../model/zone.js";
import { type Invariant, MAX_VIOLATIONS_PER_STEP, type Violation, violation } from "./invariant.js";
import { buildPageMap, describeClaim, formatPfnRanges } from "./page-map.js";

const ID = "no-leaks";

function coverageViolations(system: System, stepIndex: number): Violation[] {
  const map = buildPageMap(system);
  const out: Violation[] = [];
  const unclaimed: number[] = [];
  map.firstClaim.forEach((claim, pfn) => {
    if (claim === -1) unclaimed.push(pfn);
  });
  if (unclaimed.length > 0) {
    out.push(
      violation(
        ID,
        stepIndex,
        `${unclaimed.length} page(s) are neither free, on a pcp list, nor allocated: pfn ${formatPfnRanges(unclaimed.slice(0, 64))}`,
        unclaimed,
        "every page accounted for",
        `${unclaimed.length} lost`,
      ),
    );
  }
  for (const [pfn, a, b] of map.doubles.slice(0, MAX_VIOLATIONS_PER_STEP)) {
    const first = map.claims[a];
    const second = map.claims[b];
    if (first === undefined || second === undefined) continue;
    out.push(
      violation(
        ID,
        stepIndex,
        `pfn ${pfn} is in ${describeClaim(first)} and in ${describeClaim(second)}`,
        [pfn],
        "one owner",
        "two",
      ),
    );
  }
  return out;
}

function counterViolations(zone: ZoneState, stepIndex: number): Violation[] {
  const out: Violation[] = [];
  let buddyPages = 0;
  let highatomicPages = 0;
  let wholeBlockPages = 0;
  let blocks = 0;
  sparseForEach(zone.freeBlocks, (_pfn, block) => {
    buddyPages += 1 << block.order;
    blocks++;
    if (block.mt === MIGRATE_HIGHATOMIC) highatomicPages += 1 << block.order;
    if (block.order >= zone.config.pageblockOrder) wholeBlockPages += 1 << block.order;
    return true;
  });
  if (zone.nrFreePages !== buddyPages) {
    out.push(
      violation(
        ID,
        stepIndex,
        "NR_FREE_PAGES disagrees with the pages on the buddy lists",
        [],
        buddyPages,
        zone.nrFreePages,
      ),
    );
  }
  if (zone.nrFreeHighatomic !== highatomicPages) {
    out.push(
      violation(
        ID,
        stepIndex,
        "NR_FREE_HIGHATOMIC disagrees with the highatomic lists",
        [],
        highatomicPages,
        zone.nrFreeHighatomic,
      ),
    );
  }
  if (zone.nrFreePagesBlocks !== wholeBlockPages) {
    out.push(
      violation(
        ID,
        stepIndex,
        "NR_FREE_PAGES_BLOCKS disagrees with the free blocks of pageblock order or more",
        [],
        wholeBlockPages,
        zone.nrFreePagesBlocks,
      ),
    );
  }
  let listed = 0;
  for (let order = 0; order <= zone.config.maxPageOrder; order++) {
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      const list = freeList(zone, order, mt as Migratetype);
      let ids: number[];
      try {
        ids = listIds(zone.freeBlocks, list);
      } catch (error) {
        // A broken link (a node overwritten or missing) is itself the evidence.
        const what = error instanceof Error ? error.message : String(error);
        out.push(
          violation(
            ID,
            stepIndex,
            `free_area[${order}].free_list[${mt}] is corrupt: ${what}`,
            [],
            "a well-formed list",
            what,
          ),
        );
        continue;
      }
      listed += ids.length;
      if (ids.length !== list.length) {
        out.push(
          violation(
            ID,
            stepIndex,
            `free_area[${order}].free_list[${mt}] length is wrong`,
            ids,
            ids.length,
            list.length,
          ),
        );
      }
    }
  }
  if (listed !== blocks) out.push(violation(ID, stepIndex, "free blocks that sit on no free list", [], blocks, listed));
  const pcpPagesByCpu = new Array<number>(zone.config.nrCpus).fill(0);
  forEachPcpPage(zone, (_pfn, page) => {
    pcpPagesByCpu[page.cpu] = (pcpPagesByCpu[page.cpu] ?? 0) + (1 << page.order);
  });
  zone.pcp.forEach((pcp, cpu) => {
    if (pcp.count !== pcpPagesByCpu[cpu]) {
      out.push(
        violation(
          ID,
          stepIndex,
          `pcp->count of cpu ${cpu} disagrees with its lists`,
          [],
          pcpPagesByCpu[cpu],
          pcp.count,
        ),
      );
    }
  });
  return out;
}

/**
 * The free blocks a zone must have once every page is free: what boot produced, except that
 * blocks at or above pageblock_order do not merge across a non-mergeable (highatomic) boundary,
 * as __free_one_page() refuses that merge.
 */
export function fullyMergedLayout(zone: ZoneState): { pfn: number; order: number }[] {
  const { nrPages, maxPageOrder, pageblockOrder } = zone.config;
  const compatible = (a: Migratetype, b: Migratetype) =>
    a === b || (migratetypeIsMergeable(a) && migratetypeIsMergeable(b));
  const layout = (pfn: number, order: number): { pfn: number; order: number }[] => {
    if (order <= pageblockOrder) return [{ pfn, order }];
    const half = 1 << (order - 1);
    const left = layout(pfn, order - 1);
    const right = layout(pfn + half, order - 1);
    const whole =
      left.length === 1 &&
      right.length === 1 &&
      compatible(getPfnblockMigratetype(zone, pfn), getPfnblockMigratetype(zone, pfn + half));
    return whole ? [{ pfn, order }] : [...left, ...right];
  };
  const blocks: { pfn: number; order: number }[] = [];
  for (let start = 0; start < nrPages; ) {
    let order = Math.min(maxPageOrder, start === 0 ? maxPageOrder : Math.log2(start & -start));
    while (start + (1 << order) > nrPages) order--;
    blocks.push(...layout(start, order));
    start += 1 << order;
  }
  return blocks;
}

function giveEverythingBack(system: System): System {
  let next = system;
  const handles: number[] = [];
  sparseForEach(system.owners.byHandle, (handle) => {
    handles.push(handle);
    return true;
  });
  for (const handle of handles) next = step(next, { kind: "free", handle, cpu: 0 }).system;
  return step(next, { kind: "drain", cpu: "all" }).system;
}

export const noLeaks: Invariant = {
  id: ID,
  statement:
    "Every page is in exactly one of: the buddy lists, a pcp list, one allocation; the counters agree; freeing everything and draining every pcp list leaves the zone fully merged.",
  source: "mm/page_alloc.c account_freepages(), __free_one_page(); include/linux/mmzone.h NR_FREE_PAGES",
  check(ctx) {
    return [...coverageViolations(ctx.after, ctx.stepIndex), ...counterViolations(ctx.after.zone, ctx.stepIndex)];
  },
  finish(final) {
    const empty = giveEverythingBack(final);
    const zone = empty.zone;
    const out: Violation[] = [...coverageViolations(empty, -1), ...counterViolations(zone, -1)];
    if (zone.nrFreePages !== zone.config.nrPages) {
      out.push(
        violation(
          ID,
          -1,
          "after freeing every allocation and draining every pcp list, not all pages are free",
          [],
          zone.config.nrPages,
          zone.nrFreePages,
        ),
      );
    }
    const expected = fullyMergedLayout(zone);
    const seen: { pfn: number; order: number }[] = [];
    sparseForEach(zone.freeBlocks, (pfn, block) => {
      seen.push({ pfn, order: block.order });
      return true;
    });
    const key = (b: { pfn: number; order: number }) => `${b.pfn}/${b.order}`;
    const seenKeys = new Set(seen.map(key));
    const missing = expected.filter((b) => !seenKeys.has(key(b)));
    if (missing.length > 0) {
      const first = missing[0];
      out.push(
        violation(
          ID,
          -1,
          `after giving everything back the zone is not fully merged: ${missing.length} block(s) missing, first an order-${first?.order} block at pfn ${first?.pfn}`,
          missing.map((b) => b.pfn),
          expected.slice(0, 16),
          seen.slice(0, 16),
        ),
      );
    }
    return out;
  },
};
