/**
 * Zone geometries for property runs. Small enough that a run fills the zone, fragments it and
 * hits the watermarks in a few hundred ops, shaped like a real zone: pageblocks a fraction of
 * the largest order, pcp batches small relative to the zone, a highatomic reserve that fits.
 */

import type { ZoneConfigInput } from "../model/zone.js";

/**
 * 1024 pages (4 MiB), pageblock 8 pages, MAX_PAGE_ORDER 6: 128 pageblocks, 16 max-order
 * blocks. Kernel formulas give min/low/high = 64/80/96 pages and allow 2 highatomic pageblocks.
 */
export const SMALL_ZONE: ZoneConfigInput = Object.freeze({
  nrPages: 1024,
  maxPageOrder: 6,
  pageblockOrder: 3,
  thpOrder: 5,
  nrCpus: 2,
  pcpBatch: 4,
  pcpHigh: 16,
});

/**
 * 256 pages (1 MiB), pageblock 8 pages, MAX_PAGE_ORDER 5, with vm.min_free_kbytes raised to
 * 512 KiB: min/low/high = 128/160/192 pages. Half the zone sits behind the min watermark, so a
 * handful of allocations reach it and watermark counterexamples shrink to a handful of ops.
 * Too small for a highatomic reserve (1% of the zone is under a pageblock).
 */
export const TINY_ZONE: ZoneConfigInput = Object.freeze({
  nrPages: 256,
  minFreeKbytes: 512,
  maxPageOrder: 5,
  pageblockOrder: 3,
  thpOrder: 5,
  nrCpus: 2,
  pcpBatch: 4,
  pcpHigh: 16,
});

/**
 * 1024 pages (4 MiB), pageblock 32 pages, MAX_PAGE_ORDER 7: 32 pageblocks, costly orders 4 to 7
 * below and up to four pageblocks, so compaction has whole blocks to empty and page-table pages
 * to be stopped by. min/low/high = 64/80/96 pages from the kernel formulas.
 */
export const MEDIUM_ZONE: ZoneConfigInput = Object.freeze({
  nrPages: 1024,
  maxPageOrder: 7,
  pageblockOrder: 5,
  nrCpus: 2,
  pcpBatch: 4,
  pcpHigh: 16,
});
