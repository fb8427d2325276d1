/**
 * Zone geometry and tunables, with the kernel's boot-time formulas as defaults so a zone of any
 * size behaves like a real one unless a test overrides a value on purpose.
 */

import type { PlantedFault } from "./fault-injection.js";
import { MIGRATE_PCPTYPES, MIGRATE_TYPES, PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";

export const PAGE_SIZE_KB = 4;
/** mm/page_alloc.c: watermark_scale_factor default, in units of 1/10000 of the zone. */
export const DEFAULT_WATERMARK_SCALE_FACTOR = 10;
/** mm/page_alloc.c: watermark_boost_factor default, in units of 1/10000 of the high watermark. */
export const DEFAULT_WATERMARK_BOOST_FACTOR = 15000;
/** CONFIG_PCP_BATCH_SCALE_MAX default: drains free at most batch << 5 pages per lock hold. */
export const PCP_BATCH_SCALE_MAX = 5;
/**
 * Default per-CPU share of the last-level cache, in KiB (cacheinfo's per_cpu_data_slice_size:
 * the LLC's size over the CPUs sharing it). Current x86 server parts give each core 1.25-4 MiB
 * of L3, half that per SMT thread; 1 MiB is a middle value. It matters only through
 * PCPF_FREE_HIGH_BATCH (more than 3 * batch pages), which it sets for every batch up to 85, so
 * for every zone the model builds with zone_batchsize() (at most 63).
 */
export const DEFAULT_PER_CPU_CACHE_SLICE_KB = 1024;

export interface ZoneConfigInput {
  /** Pages in the zone (zone->managed_pages == spanned pages here); a multiple of the pageblock size. */
  readonly nrPages?: number;
  /** MAX_PAGE_ORDER (include/linux/mmzone.h); the largest buddy order. */
  readonly maxPageOrder?: number;
  /** pageblock_order (include/linux/pageblock-flags.h). */
  readonly pageblockOrder?: number;
  /** HPAGE_PMD_ORDER: the one order above PAGE_ALLOC_COSTLY_ORDER with pcp lists; null without THP. */
  readonly thpOrder?: number | null;
  readonly nrCpus?: number;
  /** pcp->batch; default zone_batchsize(). */
  readonly pcpBatch?: number;
  /**
   * pcp->high set by hand, as vm.percpu_pagelist_high_fraction does: high_min and high_max are
   * both this, which turns 6.7's auto-tuning of pcp->high off. Default: high_min is
   * zone_highsize() of the low watermark and high_max zone_highsize() of managed / 8, and
   * pcp->high floats between them (pcp.ts).
   */
  readonly pcpHigh?: number;
  /**
   * pcp->high_max, for a zone that auto-tunes pcp->high between `pcpHigh` (high_min) and this.
   * Default: pcpHigh when pcpHigh is given (a hand-set high), else zone_highsize() of managed / 8.
   * May be below high_min, as the kernel's formulas allow (see buildZoneConfig()).
   */
  readonly pcpHighMax?: number;
  /**
   * min_free_kbytes; default calculate_min_free_kbytes() for this zone's size, raised by
   * khugepaged when `thpEnabled` is set.
   */
  readonly minFreeKbytes?: number;
  /**
   * /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise": khugepaged then raises
   * the default min_free_kbytes to set_recommended_min_free_kbytes()'s value. Default false
   * ("never"), the setting database vendors recommend; THP pcp lists (thpOrder) exist either way,
   * as CONFIG_TRANSPARENT_HUGEPAGE builds them.
   */
  readonly thpEnabled?: boolean;
  /**
   * Each CPU's share of the last-level cache in KiB (per_cpu_data_slice_size); 0 for a machine
   * whose cacheinfo reports none. Default DEFAULT_PER_CPU_CACHE_SLICE_KB.
   */
  readonly perCpuCacheSliceKb?: number;
  readonly watermarkScaleFactor?: number;
  readonly watermarkBoostFactor?: number;
  /** Deliberately broken mechanisms, for proving that an invariant catches them. Never set outside tests. */
  readonly faults?: readonly PlantedFault[];
}

export interface ZoneConfig {
  readonly nrPages: number;
  readonly maxPageOrder: number;
  readonly pageblockOrder: number;
  readonly thpOrder: number | null;
  readonly nrCpus: number;
  readonly pcpBatch: number;
  /** pcp->high_min: where pcp->high decays back to, and the high it never goes below. */
  readonly pcpHighMin: number;
  /**
   * pcp->high_max: how far pcp->high may grow; equal to pcpHighMin when auto-tuning is off. Below
   * pcpHighMin when the low watermark is above managed / 8: the kernel's clamp() then lets
   * pcp->high go between the two only briefly.
   */
  readonly pcpHighMax: number;
  /** NR_PCP_LISTS: MIGRATE_PCPTYPES lists per order 0..COSTLY, plus two (movable, other) for the THP order. */
  readonly nrPcpLists: number;
  /**
   * PCPF_FREE_HIGH_BATCH (zone_pcp_update_cacheinfo()): the CPU's cache slice holds more than
   * 3 * batch pages, so a run of high-order frees may keep a batch on the pcp before free_high
   * flushes it.
   */
  readonly pcpFreeHighBatch: boolean;
  readonly watermarks: { readonly min: number; readonly low: number; readonly high: number; readonly promo: number };
  readonly watermarkBoostFactor: number;
  readonly faults: readonly PlantedFault[];
}

export class ZoneConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ZoneConfigError";
  }
}

function intInRange(field: string, value: number, lo: number, hi: number): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new ZoneConfigError(field, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function roundDownPowerOfTwo(n: number): number {
  return n < 1 ? 0 : 2 ** Math.floor(Math.log2(n));
}

/** mm/page_alloc.c zone_batchsize(): ~0.1% of the zone or 1 MiB, /4, clamped to 2^n - 1, at least 1. */
export function zoneBatchsize(managedPages: number): number {
  let batch = Math.min(managedPages >> 10, (1024 * 1024) / (PAGE_SIZE_KB * 1024));
  batch = Math.max(1, Math.floor(batch / 4));
  batch = roundDownPowerOfTwo(batch + Math.floor(batch / 2)) - 1;
  // zone_set_pageset_high_and_batch(): new_batch = max(1, zone_batchsize(zone))
  return Math.max(1, batch);
}

/**
 * mm/page_alloc.c zone_highsize(): `totalPages` split over the node's CPUs, and at least
 * batch * 4. zone_set_pageset_high_and_batch() passes the low watermark for pcp->high_min (so
 * that full pcp lists do not start background reclaim early) and, unless
 * vm.percpu_pagelist_high_fraction is set, managed / MIN_PERCPU_PAGELIST_HIGH_FRACTION pages
 * for pcp->high_max.
 */
export function zoneHighsize(totalPages: number, batch: number, nrCpus: number): number {
  return Math.max(Math.floor(totalPages / nrCpus), batch << 2);
}

/** mm/page_alloc.c MIN_PERCPU_PAGELIST_HIGH_FRACTION: high_max is managed pages / 8, split over the CPUs. */
export const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;

/**
 * mm/page_alloc.c zone_pcp_update_cacheinfo(): PCPF_FREE_HIGH_BATCH when
 * (per_cpu_data_slice_size >> PAGE_SHIFT) > 3 * pcp->batch.
 */
export function pcpFreeHighBatch(perCpuCacheSliceKb: number, batch: number): boolean {
  return Math.floor(perCpuCacheSliceKb / PAGE_SIZE_KB) > 3 * batch;
}

/** mm/page_alloc.c calculate_min_free_kbytes(): clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). */
export function calculateMinFreeKbytes(managedPages: number): number {
  const lowmemKbytes = managedPages * PAGE_SIZE_KB;
  return Math.min(262144, Math.max(128, Math.floor(Math.sqrt(lowmemKbytes * 16))));
}

/**
 * mm/khugepaged.c set_recommended_min_free_kbytes() for this one zone (nr_zones = 1): two free
 * pageblocks against fragmentation, plus MIGRATE_PCPTYPES^2 more so each type can fall back
 * without polluting, capped at 5% of nr_free_buffer_pages() (managed pages above the high
 * watermark the boot-time min_free_kbytes gives). Returns min_free_kbytes in KiB: the larger
 * of the two.
 */
export function thpRecommendedMinFreeKbytes(managedPages: number, pageblockOrder: number, scaleFactor: number): number {
  const booted = calculateMinFreeKbytes(managedPages);
  const pageblock = 1 << pageblockOrder;
  const high = setupPerZoneWmarks(managedPages, booted, scaleFactor).high;
  const freeBufferPages = Math.max(managedPages - high, 0);
  const recommendedPages = Math.min(
    pageblock * 2 + pageblock * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES,
    Math.floor(freeBufferPages / 20),
  );
  return Math.max(booted, recommendedPages * PAGE_SIZE_KB);
}

/**
 * mm/page_alloc.c __setup_per_zone_wmarks() for a single lowmem zone: min is all of
 * pages_min, and each further watermark adds max(min/4, managed * scale_factor / 10000).
 */
export function setupPerZoneWmarks(managedPages: number, minFreeKbytes: number, scaleFactor: number) {
  const min = minFreeKbytes >> 2; // pages_min = min_free_kbytes >> (PAGE_SHIFT - 10)
  const delta = Math.max(min >> 2, Math.floor((managedPages * scaleFactor) / 10000));
  return { min, low: min + delta, high: min + 2 * delta, promo: min + 3 * delta };
}

/** Boot-time sizing: calculate_min_free_kbytes() and __setup_per_zone_wmarks(), then zone_batchsize() / zone_highsize(). */
export function buildZoneConfig(input: ZoneConfigInput = {}): ZoneConfig {
  const maxPageOrder = intInRange("maxPageOrder", input.maxPageOrder ?? 10, 1, 20);
  const pageblockOrder = intInRange(
    "pageblockOrder",
    input.pageblockOrder ?? Math.min(9, maxPageOrder),
    1,
    maxPageOrder,
  );
  const nrPages = intInRange("nrPages", input.nrPages ?? 1 << 12, 1 << pageblockOrder, 1 << 26);
  if (nrPages % (1 << pageblockOrder) !== 0) {
    throw new ZoneConfigError(
      "nrPages",
      `expected a multiple of the pageblock size ${1 << pageblockOrder}, got ${nrPages}`,
    );
  }
  // mm/mm_init.c build_all_zonelists(): with fewer pages than pageblock_nr_pages * MIGRATE_TYPES
  // the kernel turns grouping by mobility off (page_group_by_mobility_disabled). Everything this
  // model is for depends on that grouping, so such a zone is refused rather than mis-modelled.
  // The threshold uses the model's MIGRATE_TYPES (4). A CONFIG_CMA kernel has 6 (CMA and
  // Isolate), but it counts the pages of every zone on the machine (nr_free_zone_pages()), so a
  // model zone of 4 or 5 pageblocks stands for one zone of a machine that keeps grouping on.
  if (nrPages < (1 << pageblockOrder) * MIGRATE_TYPES) {
    throw new ZoneConfigError(
      "nrPages",
      `at least pageblock size x MIGRATE_TYPES = ${(1 << pageblockOrder) * MIGRATE_TYPES} pages are needed for grouping by mobility (page_group_by_mobility_disabled), got ${nrPages}`,
    );
  }
  // HPAGE_PMD_ORDER is pageblock_order on THP kernels; a pageblock too small to be above
  // PAGE_ALLOC_COSTLY_ORDER cannot be a THP order, so such zones get no THP pcp lists.
  const defaultThpOrder = pageblockOrder > PAGE_ALLOC_COSTLY_ORDER ? pageblockOrder : null;
  const thpInput = input.thpOrder === undefined ? defaultThpOrder : input.thpOrder;
  const thpOrder =
    thpInput === null ? null : intInRange("thpOrder", thpInput, PAGE_ALLOC_COSTLY_ORDER + 1, maxPageOrder);
  const nrCpus = intInRange("nrCpus", input.nrCpus ?? 4, 1, 1024);
  const scale = intInRange(
    "watermarkScaleFactor",
    input.watermarkScaleFactor ?? DEFAULT_WATERMARK_SCALE_FACTOR,
    1,
    3000,
  );
  const bootMinFreeKbytes =
    input.thpEnabled === true
      ? thpRecommendedMinFreeKbytes(nrPages, pageblockOrder, scale)
      : calculateMinFreeKbytes(nrPages);
  const minFreeKbytes = intInRange("minFreeKbytes", input.minFreeKbytes ?? bootMinFreeKbytes, 0, 1 << 30);
  const watermarks = setupPerZoneWmarks(nrPages, minFreeKbytes, scale);
  const pcpBatch = intInRange("pcpBatch", input.pcpBatch ?? zoneBatchsize(nrPages), 1, 1 << 16);
  // zone_set_pageset_high_and_batch(): a hand-set high turns auto-tuning off (high_max = high_min).
  const pcpHighMin = intInRange("pcpHigh", input.pcpHigh ?? zoneHighsize(watermarks.low, pcpBatch, nrCpus), 0, 1 << 24);
  const defaultHighMax =
    input.pcpHigh === undefined
      ? zoneHighsize(Math.floor(nrPages / MIN_PERCPU_PAGELIST_HIGH_FRACTION), pcpBatch, nrCpus)
      : pcpHighMin;
  // Not checked against high_min: with a low watermark above managed / 8 (a large
  // watermark_scale_factor or min_free_kbytes) the kernel's own formulas give high_max < high_min,
  // and it runs so; clamp() then keeps pcp->high near high_max (pcp.ts clampedHigh()).
  const pcpHighMax = intInRange("pcpHighMax", input.pcpHighMax ?? defaultHighMax, 0, 1 << 24);
  const cacheSliceKb = intInRange(
    "perCpuCacheSliceKb",
    input.perCpuCacheSliceKb ?? DEFAULT_PER_CPU_CACHE_SLICE_KB,
    0,
    1 << 30,
  );
  const watermarkBoostFactor = intInRange(
    "watermarkBoostFactor",
    input.watermarkBoostFactor ?? DEFAULT_WATERMARK_BOOST_FACTOR,
    0,
    1 << 20,
  );
  return {
    nrPages,
    maxPageOrder,
    pageblockOrder,
    thpOrder,
    nrCpus,
    pcpBatch,
    pcpHighMin,
    pcpHighMax,
    nrPcpLists: 3 * (PAGE_ALLOC_COSTLY_ORDER + 1) + (thpOrder === null ? 0 : 2),
    pcpFreeHighBatch: pcpFreeHighBatch(cacheSliceKb, pcpBatch),
    watermarks,
    watermarkBoostFactor,
    faults: input.faults ?? [],
  };
}

export function hasFault(config: ZoneConfig, fault: PlantedFault): boolean {
  return config.faults.length > 0 && config.faults.includes(fault);
}
