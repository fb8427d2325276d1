/**
 * Boot-time zone sizing against mm/page_alloc.c (~6.18, research/buddy.md §7c):
 * calculate_min_free_kbytes(), __setup_per_zone_wmarks(), zone_batchsize(), zone_highsize().
 * One lowmem zone, 4 KiB pages, so pages_min * managed / lowmem_pages = pages_min.
 */

import { describe, expect, it } from "vitest";
import {
  buildZoneConfig,
  calculateMinFreeKbytes,
  pcpFreeHighBatch,
  setupPerZoneWmarks,
  thpRecommendedMinFreeKbytes,
  ZoneConfigError,
  type ZoneConfigInput,
  zoneBatchsize,
  zoneHighsize,
} from "./zone-config.js";

describe("calculate_min_free_kbytes(): clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)", () => {
  it("reproduces the table in the kernel comment", () => {
    // pages -> lowmem_kbytes = pages * 4 -> int_sqrt(kbytes * 16)
    const table: [number, number][] = [
      [16 << 8, 512], // 16MB: sqrt(16384 * 16) = 512
      [32 << 8, 724], // 32MB: sqrt(2^19) = 724.08
      [64 << 8, 1024],
      [128 << 8, 1448], // sqrt(2^21) = 1448.15
      [256 << 8, 2048],
      [512 << 8, 2896], // sqrt(2^23) = 2896.3
      [1024 << 8, 4096],
      [2048 << 8, 5792], // sqrt(2^25) = 5792.6
      [4096 << 8, 8192],
      // The comment says 11584k, but int_sqrt(2^27) = floor(11585.24) = 11585.
      [8192 << 8, 11585],
      [16384 << 8, 16384],
    ];
    for (const [pages, kbytes] of table) expect(calculateMinFreeKbytes(pages), `${pages} pages`).toBe(kbytes);
  });

  it("golden values for 2^12, 2^16 and 2^20 pages", () => {
    expect(calculateMinFreeKbytes(1 << 12)).toBe(512); // sqrt(2^14 * 2^4) = 2^9
    expect(calculateMinFreeKbytes(1 << 16)).toBe(2048); // sqrt(2^18 * 2^4) = 2^11
    expect(calculateMinFreeKbytes(1 << 20)).toBe(8192); // sqrt(2^22 * 2^4) = 2^13
  });

  it("clamps to [128, 262144]", () => {
    expect(calculateMinFreeKbytes(256)).toBe(128); // sqrt(1024 * 16) = 128 exactly
    expect(calculateMinFreeKbytes(32)).toBe(128); // sqrt(2048) = 45 -> 128
    expect(calculateMinFreeKbytes(2 ** 30)).toBe(262144); // sqrt(2^32 * 2^4) = 2^18
    expect(calculateMinFreeKbytes(2 ** 31)).toBe(262144); // 2^18.5 -> clamped
  });
});

describe("__setup_per_zone_wmarks()", () => {
  // min = min_free_kbytes >> 2; delta = max(min >> 2, mult_frac(managed, scale, 10000));
  // low = min + delta, high = low + delta, promo = high + delta.
  it("2^12 pages, min_free_kbytes 512: min 128, delta max(32, 4) = 32", () => {
    expect(setupPerZoneWmarks(1 << 12, 512, 10)).toEqual({ min: 128, low: 160, high: 192, promo: 224 });
  });

  it("2^16 pages, min_free_kbytes 2048: min 512, delta max(128, 65) = 128", () => {
    // mult_frac(65536, 10, 10000) = 6 * 10 + (5536 * 10) / 10000 = 60 + 5 = 65.
    expect(setupPerZoneWmarks(1 << 16, 2048, 10)).toEqual({ min: 512, low: 640, high: 768, promo: 896 });
  });

  it("2^20 pages, min_free_kbytes 8192: min 2048, delta max(512, 1048) = 1048 (the scale factor wins)", () => {
    // mult_frac(1048576, 10, 10000) = 104 * 10 + (8576 * 10) / 10000 = 1040 + 8 = 1048.
    expect(setupPerZoneWmarks(1 << 20, 8192, 10)).toEqual({ min: 2048, low: 3096, high: 4144, promo: 5192 });
  });

  it("uses watermark_scale_factor and truncates min_free_kbytes to pages", () => {
    // 2^16 pages, factor 100: mult_frac(65536, 100, 10000) = 655 > 128.
    expect(setupPerZoneWmarks(1 << 16, 2048, 100)).toEqual({ min: 512, low: 1167, high: 1822, promo: 2477 });
    // 1023 KiB >> 2 = 255 pages; delta max(63, 4) = 63.
    expect(setupPerZoneWmarks(1 << 12, 1023, 10)).toEqual({ min: 255, low: 318, high: 381, promo: 444 });
  });
});

describe("zone_batchsize(): min(managed >> 12, 256K / PAGE_SIZE), then rounddown_pow_of_two(b + b/2) - 1", () => {
  it("golden values", () => {
    const golden: [number, number][] = [
      [1 << 11, 1], // 0 -> batch <= 1 -> 1
      [1 << 12, 1], // 1 -> batch <= 1 -> 1
      [1 << 13, 1], // 2 -> rounddown(3) - 1 = 1
      [1 << 14, 3], // 4 -> rounddown(6) - 1 = 3
      [5 << 12, 3], // 5 -> rounddown(7) - 1 = 3
      [1 << 15, 7], // 8 -> rounddown(12) - 1 = 7
      [1 << 16, 15], // 16 -> rounddown(24) - 1 = 15
      [1 << 17, 31], // 32 -> rounddown(48) - 1 = 31
      [1 << 18, 63], // 64 -> rounddown(96) - 1 = 63
      [1 << 20, 63], // min(256, 64) = 64 -> 63: every zone of 1 GiB and more
    ];
    for (const [pages, batch] of golden) expect(zoneBatchsize(pages), `${pages} pages`).toBe(batch);
  });
});

describe("zone_highsize(): max(low_wmark / nr_cpus_of_node, batch << 2)", () => {
  it("golden values", () => {
    expect(zoneHighsize(160, 1, 4)).toBe(40); // 2^12 pages: 160 / 4 = 40 > 4
    expect(zoneHighsize(640, 15, 4)).toBe(160); // 2^16 pages: 160 > 60
    expect(zoneHighsize(3096, 63, 4)).toBe(774); // 2^20 pages: 774 > 252
    expect(zoneHighsize(3096, 63, 1)).toBe(3096);
    expect(zoneHighsize(3096, 63, 64)).toBe(252); // 3096 / 64 = 48 < 63 << 2
  });
});

describe("set_recommended_min_free_kbytes() (khugepaged, THP enabled)", () => {
  it("raises min_free_kbytes to 11 pageblocks, capped at 5% of the pages above the high watermark", () => {
    // 2^15 pages (128 MiB), pageblock 512 pages: calculate_min_free_kbytes() = int_sqrt(131072
    // * 16) = 1448 KiB, so min 362, high 362 + 2 * 90 = 542. Recommended min(512 * 11 = 5632,
    // (32768 - 542) / 20 = 1611) = 1611 pages = 6444 KiB.
    expect(thpRecommendedMinFreeKbytes(1 << 15, 9, 10)).toBe(6444);
    expect(buildZoneConfig({ nrPages: 1 << 15, thpEnabled: true }).watermarks.min).toBe(1611);
    // 2^20 pages (4 GiB): 8192 KiB booted; 5632 pages (22528 KiB) is below 5%, and raises it.
    expect(thpRecommendedMinFreeKbytes(1 << 20, 9, 10)).toBe(22528);
    // Never lowers: a zone whose booted value is larger keeps it (2^24 pages: 32768 KiB booted).
    expect(thpRecommendedMinFreeKbytes(1 << 24, 9, 10)).toBe(calculateMinFreeKbytes(1 << 24));
  });

  it("is off by default, and an explicit min_free_kbytes wins", () => {
    expect(buildZoneConfig({ nrPages: 1 << 15 }).watermarks.min).toBe(362);
    expect(buildZoneConfig({ nrPages: 1 << 15, thpEnabled: true, minFreeKbytes: 1024 }).watermarks.min).toBe(256);
  });
});

describe("zone_pcp_update_cacheinfo(): PCPF_FREE_HIGH_BATCH when (slice >> PAGE_SHIFT) > 3 * batch", () => {
  it("needs strictly more than 3 * batch whole pages in the CPU's cache slice", () => {
    expect(pcpFreeHighBatch(48, 4)).toBe(false); // 12 pages, not > 12
    expect(pcpFreeHighBatch(51, 4)).toBe(false); // 12.75 KiB-pages truncate to 12
    expect(pcpFreeHighBatch(52, 4)).toBe(true); // 13 > 12
    expect(pcpFreeHighBatch(0, 1)).toBe(false); // no cache information
  });

  it("is set by the default 1 MiB slice for every batch zone_batchsize() gives", () => {
    for (const log2 of [12, 16, 20, 26]) expect(buildZoneConfig({ nrPages: 1 << log2 }).pcpFreeHighBatch).toBe(true);
    expect(pcpFreeHighBatch(1024, 85)).toBe(true);
    expect(pcpFreeHighBatch(1024, 86)).toBe(false);
  });
});

describe("buildZoneConfig() defaults", () => {
  it("puts the kernel formulas together for 2^12, 2^16 and 2^20 pages (4 CPUs)", () => {
    const at = (nrPages: number) => {
      const c = buildZoneConfig({ nrPages });
      return {
        wm: c.watermarks,
        batch: c.pcpBatch,
        high: [c.pcpHighMin, c.pcpHighMax],
        pb: c.pageblockOrder,
        max: c.maxPageOrder,
      };
    };
    expect(at(1 << 12)).toEqual({
      wm: { min: 128, low: 160, high: 192, promo: 224 },
      batch: 1,
      high: [40, 128], // high_max: 4096 / 8 / 4 = 128 > 4
      pb: 9,
      max: 10,
    });
    expect(at(1 << 16)).toEqual({
      wm: { min: 512, low: 640, high: 768, promo: 896 },
      batch: 15,
      high: [160, 2048], // 65536 / 8 / 4 = 2048 > 60
      pb: 9,
      max: 10,
    });
    expect(at(1 << 20)).toEqual({
      wm: { min: 2048, low: 3096, high: 4144, promo: 5192 },
      batch: 63,
      high: [774, 32768], // 2^20 / 8 / 4 = 32768 > 252
      pb: 9,
      max: 10,
    });
  });

  it("gives the property-test zone its documented 64/80/96 watermarks", () => {
    // 1024 pages: sqrt(4096 * 16) = 256 KiB -> min 64; delta max(16, 1) = 16.
    const c = buildZoneConfig({ nrPages: 1024, maxPageOrder: 6, pageblockOrder: 3, thpOrder: 5 });
    expect(c.watermarks).toEqual({ min: 64, low: 80, high: 96, promo: 112 });
  });

  it("respects explicit overrides", () => {
    const c = buildZoneConfig({ nrPages: 1 << 12, minFreeKbytes: 1024, pcpBatch: 7, pcpHigh: 99, nrCpus: 1 });
    expect(c.watermarks.min).toBe(256);
    // A hand-set high turns auto-tuning off (vm.percpu_pagelist_high_fraction): high_max = high_min.
    expect([c.pcpBatch, c.pcpHighMin, c.pcpHighMax, c.nrCpus]).toEqual([7, 99, 99, 1]);
    const tuned = buildZoneConfig({ nrPages: 1 << 12, pcpBatch: 7, pcpHigh: 99, pcpHighMax: 300 });
    expect([tuned.pcpHighMin, tuned.pcpHighMax]).toEqual([99, 300]);
  });

  it("builds a zone whose low watermark is above managed / 8: high_max below high_min, as the kernel does", () => {
    // 4096 pages, 4 CPUs, watermark_scale_factor 1000: min 128, delta max(32, 409) = 409, low 537.
    // high_min = max(537 / 4, 4) = 134; high_max = max(4096 / 8 / 4, 4) = 128.
    const c = buildZoneConfig({ nrPages: 1 << 12, watermarkScaleFactor: 1000 });
    expect([c.watermarks.low, c.pcpHighMin, c.pcpHighMax]).toEqual([537, 134, 128]);
    expect(buildZoneConfig({ thpOrder: null }).nrPcpLists).toBe(12);
  });
});

describe("ZoneConfigError", () => {
  function errorFor(input: ZoneConfigInput): ZoneConfigError {
    try {
      buildZoneConfig(input);
    } catch (e) {
      if (e instanceof ZoneConfigError) return e;
      throw e;
    }
    throw new Error(`buildZoneConfig(${JSON.stringify(input)}) did not throw`);
  }

  const cases: [string, ZoneConfigInput, string, RegExp][] = [
    ["MAX_PAGE_ORDER 0", { maxPageOrder: 0 }, "maxPageOrder", /expected an integer in \[1, 20\], got 0/],
    ["fractional MAX_PAGE_ORDER", { maxPageOrder: 2.5 }, "maxPageOrder", /got 2\.5/],
    ["pageblock above MAX_PAGE_ORDER", { pageblockOrder: 11 }, "pageblockOrder", /\[1, 10\], got 11/],
    ["zone smaller than a pageblock", { nrPages: 100 }, "nrPages", /\[512, 67108864\], got 100/],
    ["zone not a whole number of pageblocks", { nrPages: 1000 }, "nrPages", /multiple of the pageblock size 512/],
    ["THP order at or below PAGE_ALLOC_COSTLY_ORDER", { thpOrder: 3 }, "thpOrder", /\[4, 10\], got 3/],
    ["no CPUs", { nrCpus: 0 }, "nrCpus", /\[1, 1024\], got 0/],
    ["negative min_free_kbytes", { minFreeKbytes: -1 }, "minFreeKbytes", /got -1/],
    ["watermark_scale_factor 0", { watermarkScaleFactor: 0 }, "watermarkScaleFactor", /\[1, 3000\], got 0/],
    ["watermark_scale_factor 3001", { watermarkScaleFactor: 3001 }, "watermarkScaleFactor", /got 3001/],
    ["pcp batch 0", { pcpBatch: 0 }, "pcpBatch", /got 0/],
    ["negative pcp high", { pcpHigh: -1 }, "pcpHigh", /got -1/],
    ["negative pcp high_max", { pcpHighMax: -1 }, "pcpHighMax", /\[0, 16777216\], got -1/],
    ["negative boost factor", { watermarkBoostFactor: -1 }, "watermarkBoostFactor", /got -1/],
  ];

  it.each(cases)("%s names the field", (_name, input, field, detail) => {
    const error = errorFor(input);
    expect(error.name).toBe("ZoneConfigError");
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toMatch(detail);
  });
});

describe("page_group_by_mobility_disabled", () => {
  it("refuses zones smaller than pageblock_nr_pages * MIGRATE_TYPES, where the kernel stops grouping by mobility", () => {
    // build_all_zonelists(): `if (vm_total_pages < (pageblock_nr_pages * MIGRATE_TYPES))
    // page_group_by_mobility_disabled = 1;` 1024 < 512 * 4.
    expect(() => buildZoneConfig({ nrPages: 1024 })).toThrow(ZoneConfigError);
    expect(() => buildZoneConfig({ nrPages: 1024 })).toThrow(/nrPages: .*grouping by mobility/);
    expect(buildZoneConfig({ nrPages: 2048 }).nrPages).toBe(2048);
  });
});
