/**
 * The hand-checkable zone the unit tests of buddy, fallback, pcp and page-alloc share: 1024
 * pages, MAX_PAGE_ORDER 6, pageblock_order 3 (8-page pageblocks), THP order 5, two CPUs, pcp
 * batch 4 and high 16 (watermarks 64/80/96 from zone-config's formulas). Small enough that a
 * test can name every pfn it touches.
 */

import { accountFreepages, addToFreeList } from "../buddy.js";
import type { PageProbe } from "../fallback.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  type Migratetype,
} from "../migratetype.js";
import type { ZoneConfigInput, ZoneState } from "../zone.js";

export const SMALL_TEST_ZONE: ZoneConfigInput = {
  nrPages: 1024,
  maxPageOrder: 6,
  pageblockOrder: 3,
  thpOrder: 5,
  nrCpus: 2,
  pcpBatch: 4,
  pcpHigh: 16,
};

/** Migratetype shorthands, so a test's free-list layout reads as a table. */
export const M = MIGRATE_MOVABLE;
export const U = MIGRATE_UNMOVABLE;
export const R = MIGRATE_RECLAIMABLE;
export const H = MIGRATE_HIGHATOMIC;

/** A page probe for zones with no allocated pages to look at: nothing movable anywhere. */
export const NO_MOVABLE_PAGES: PageProbe = { movablePagesInRange: () => 0 };

/** Puts a free block on a list (at the tail unless told) and counts it, as __free_one_page() would. */
export function withFree(zone: ZoneState, pfn: number, order: number, mt: Migratetype, tail = true): ZoneState {
  return accountFreepages(addToFreeList(zone, pfn, order, mt, tail), 1 << order, mt);
}
