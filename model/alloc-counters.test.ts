/**
 * Per-call counters (kernel-semantics.md §7): hand-built event arrays for each group of
 * counters, additivity, the vmstat view, and one end-to-end costly __GFP_NORETRY allocation
 * on a fragmented zone whose counters must agree with its events.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALLOC_COUNTER_NAMES,
  type AllocCounters,
  addCounters,
  allocCounters,
  vmstatDeltas,
  ZERO_ALLOC_COUNTERS,
} from "./alloc-counters.js";
import type { CompactResult } from "./compaction-types.js";
import type { TraceEvent } from "./events.js";
import { __GFP_NORETRY, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_PGTABLE_USER } from "./gfp.js";
import { initSystem, type Op, type System, step } from "./system.js";

/** Only the counters that moved, so an expectation names exactly what it expects. */
function nonZero(counters: AllocCounters): Partial<AllocCounters> {
  return Object.fromEntries(Object.entries(counters).filter(([, n]) => n !== 0));
}

function fastPath(order: number, detail: string): TraceEvent {
  return { name: "alloc_step", step: "fast_path", order, detail };
}

type DirectCompactEvent = Extract<TraceEvent, { name: "direct_compact" }>;

function directCompact(prio: number, result: CompactResult, fields: Partial<DirectCompactEvent> = {}): TraceEvent {
  return {
    name: "direct_compact",
    order: 9,
    prio,
    result,
    migrate_scanned: 0,
    free_scanned: 0,
    migrated: 0,
    captured: false,
    success: false,
    free_pages_before: 100,
    free_pages_after: 100,
    ...fields,
  };
}

function drain(caller: string, skipped: boolean, cpus: number, pages: number): TraceEvent {
  return { name: "drain_all_pages", caller, skipped, cpus_visited: cpus, pages_drained: pages };
}

describe("allocCounters", () => {
  it("is all zeros for no events", () => {
    expect(allocCounters([])).toEqual(ZERO_ALLOC_COUNTERS);
    expect(ALLOC_COUNTER_NAMES.every((name) => ZERO_ALLOC_COUNTERS[name] === 0)).toBe(true);
  });

  it("counts calls, failures, fast-path hits and slow-path entries by order class", () => {
    const events: TraceEvent[] = [
      fastPath(0, "pfn 12"),
      { name: "mm_page_alloc", pfn: 12, order: 0, gfp_flags: GFP_KERNEL, migratetype: 0 },
      fastPath(0, "fail"),
      { name: "mm_page_alloc", pfn: 40, order: 0, gfp_flags: GFP_KERNEL, migratetype: 0 },
      fastPath(2, "fail"),
      { name: "mm_page_alloc", pfn: 64, order: 2, gfp_flags: GFP_KERNEL, migratetype: 0 },
      fastPath(3, "fail"),
      { name: "mm_page_alloc", pfn: 72, order: 3, gfp_flags: GFP_KERNEL, migratetype: 0 },
      fastPath(4, "fail"),
      { name: "mm_page_alloc", pfn: -1, order: 4, gfp_flags: GFP_KERNEL, migratetype: 0 },
      fastPath(9, "fail"),
      { name: "mm_page_alloc", pfn: -1, order: 9, gfp_flags: GFP_HIGHUSER_MOVABLE, migratetype: 1 },
      // Orders above MAX_PAGE_ORDER give up before the fast path and the tracepoint.
      { name: "alloc_step", step: "nopage", order: 11, detail: "order > MAX_PAGE_ORDER" },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      allocCalls: 6,
      allocFailures: 2,
      fastPathHits: 1,
      slowpathEntries: 5,
      slowpathOrder0: 1,
      slowpathOrder1to3: 2,
      slowpathCostly: 2,
    });
  });

  it("counts freelist attempts, zone locks and pcp refills", () => {
    const events: TraceEvent[] = [
      { name: "zone_lock", caller: "rmqueue_bulk" },
      { name: "get_page_from_freelist", order: 0, alloc_flags: 1, migratetype: 1, pfn: 8 },
      { name: "zone_lock", caller: "rmqueue_buddy" },
      { name: "get_page_from_freelist", order: 9, alloc_flags: 1, migratetype: 1, pfn: -1 },
      { name: "zone_lock", caller: "free_pcppages_bulk" },
      { name: "zone_lock", caller: "free_one_page" },
      { name: "zone_lock", caller: "highatomic" },
      { name: "zone_lock", caller: "rmqueue_bulk" },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      getPageFromFreelistCalls: 2,
      getPageFromFreelistFailures: 1,
      zoneLocks: 6,
      pcpRefills: 2,
      pcpFreeBatches: 1,
    });
  });

  it("tells wake_all_kswapds calls from actual wakeups, and counts the background threads' work", () => {
    const events: TraceEvent[] = [
      { name: "alloc_step", step: "wake_all_kswapds", order: 9, detail: "" },
      { name: "mm_vmscan_wakeup_kswapd", order: 9, gfp_flags: GFP_HIGHUSER_MOVABLE },
      { name: "alloc_step", step: "wake_all_kswapds", order: 9, detail: "kswapd woken" },
      // rmqueue() found ZONE_BOOSTED_WATERMARK: wakeup_kswapd(zone, 0, 0, ...)
      { name: "mm_vmscan_wakeup_kswapd", order: 0, gfp_flags: 0 },
      { name: "mm_vmscan_kswapd_wake", order: 9 },
      {
        name: "kswapd_run",
        order: 9,
        nr_scanned: 100,
        nr_reclaimed: 64,
        nr_passes: 3,
        nr_folios_scanned: 40,
        balanced: true,
      },
      { name: "mm_compaction_wakeup_kcompactd", order: 9, highest_zoneidx: 0 },
      { name: "mm_vmscan_kswapd_sleep" },
      { name: "mm_compaction_kcompactd_wake", order: 9, highest_zoneidx: 0 },
      { name: "kcompactd_run", order: 9, status: "COMPACT_COMPLETE", migrate_scanned: 512, free_scanned: 300 },
      { name: "mm_compaction_kcompactd_sleep" },
      // A policy's wake-kcompactd-and-nopage: one request that woke the thread, one that did not.
      { name: "mm_compaction_wakeup_kcompactd", order: 9, highest_zoneidx: 0 },
      { name: "alloc_step", step: "wakeup_kcompactd", order: 9, detail: "woken" },
      { name: "alloc_step", step: "wakeup_kcompactd", order: 9, detail: "not woken" },
      // A deferred kcompactd pass: woken, but compact_zone() did not run.
      { name: "mm_compaction_kcompactd_wake", order: 9, highest_zoneidx: 0 },
      { name: "mm_compaction_kcompactd_sleep" },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      wakeAllKswapds: 2,
      kswapdWakeups: 2,
      kswapdBoostWakeups: 1,
      kcompactdWakeRequests: 2,
      kcompactdWakeups: 2,
      kswapdRuns: 1,
      kswapdScanned: 100,
      kswapdReclaimed: 64,
      reclaimPasses: 3,
      reclaimRunsThatScanned: 1,
      reclaimFoliosScanned: 40,
      kcompactdWakes: 2,
      kcompactdRuns: 1,
      kcompactdMigrateScanned: 512,
      kcompactdFreeScanned: 300,
    });
  });

  it("counts direct compactions by priority, by result, and their scans", () => {
    const events: TraceEvent[] = [
      directCompact(2, "COMPACT_SKIPPED"),
      directCompact(2, "COMPACT_DEFERRED"),
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "count_vm_event", item: "COMPACTFAIL", delta: 1 },
      directCompact(2, "COMPACT_COMPLETE", { migrate_scanned: 512, free_scanned: 400, migrated: 20 }),
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "count_vm_event", item: "COMPACTFAIL", delta: 1 },
      directCompact(1, "COMPACT_PARTIAL_SKIPPED", { migrate_scanned: 100, free_scanned: 90, migrated: 10 }),
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "count_vm_event", item: "COMPACTSUCCESS", delta: 1 },
      directCompact(0, "COMPACT_SUCCESS", {
        migrate_scanned: 30,
        free_scanned: 20,
        migrated: 8,
        captured: true,
        success: true,
      }),
      directCompact(0, "COMPACT_CONTENDED"),
      directCompact(0, "COMPACT_NO_SUITABLE_PAGE"),
      directCompact(0, "COMPACT_NOT_SUITABLE_ZONE"),
      directCompact(0, "COMPACT_CONTINUE"),
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      directCompactions: 9,
      directCompactPrioAsync: 3,
      directCompactPrioSyncLight: 1,
      directCompactPrioSyncFull: 5,
      directCompactSkipped: 1,
      directCompactDeferred: 1,
      directCompactComplete: 1,
      directCompactPartialSkipped: 1,
      directCompactSuccess: 1,
      directCompactContended: 1,
      directCompactNoSuitablePage: 1,
      directCompactNotSuitableZone: 1,
      directCompactContinue: 1,
      directCompactCaptured: 1,
      directCompactGotPage: 1,
      compactStall: 3,
      compactFail: 2,
      compactSuccess: 1,
      directCompactMigrateScanned: 642,
      directCompactFreeScanned: 510,
      directCompactMigrated: 38,
    });
  });

  it("counts compact_zone runs, migration failures, compaction retries and deferral", () => {
    const events: TraceEvent[] = [
      { name: "mm_compaction_deferred", order: 9, considered: 1, defer_shift: 1, order_failed: 9 },
      { name: "mm_compaction_begin", zone_start: 0, migrate_pfn: 0, free_pfn: 0xe00, zone_end: 0x1000, sync: true },
      { name: "mm_compaction_migratepages", nr_migratepages: 30, nr_failed: 2 },
      { name: "mm_compaction_migratepages", nr_migratepages: 0, nr_failed: 5 },
      {
        name: "mm_compaction_end",
        zone_start: 0,
        migrate_pfn: 0x1000,
        free_pfn: 0x1000,
        zone_end: 0x1000,
        sync: true,
        status: "COMPACT_COMPLETE",
      },
      { name: "mm_compaction_defer_compaction", order: 9, considered: 0, defer_shift: 2, order_failed: 9 },
      {
        name: "compact_retry",
        order: 2,
        priority: 1,
        result: "COMPACT_COMPLETE",
        retries: 0,
        max_retries: 16,
        ret: true,
      },
      {
        name: "compact_retry",
        order: 2,
        priority: 0,
        result: "COMPACT_COMPLETE",
        retries: 0,
        max_retries: 16,
        ret: false,
      },
      { name: "mm_compaction_defer_reset", order: 9, considered: 0, defer_shift: 0, order_failed: 10 },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      compactionDeferred: 1,
      compactZoneRuns: 1,
      compactMigrateFailed: 7,
      compactMigrateAttempted: 30,
      deferCompaction: 1,
      compactRetryChecks: 2,
      compactRetries: 1,
      compactionDeferReset: 1,
    });
  });

  it("counts direct reclaim passes, their progress, and should_reclaim_retry checks", () => {
    const events: TraceEvent[] = [
      {
        name: "direct_reclaim",
        order: 0,
        nr_scanned: 40,
        nr_reclaimed: 32,
        nr_passes: 5,
        nr_folios_scanned: 33,
        compaction_ready: false,
      },
      {
        name: "direct_reclaim",
        order: 0,
        nr_scanned: 50,
        nr_reclaimed: 0,
        nr_passes: 6,
        nr_folios_scanned: 50,
        compaction_ready: false,
      },
      // A costly pass that stood back because compaction is ready: progress without reclaiming.
      {
        name: "direct_reclaim",
        order: 9,
        nr_scanned: 0,
        nr_reclaimed: 0,
        nr_passes: 0,
        nr_folios_scanned: 0,
        compaction_ready: true,
      },
      {
        name: "reclaim_retry_zone",
        order: 0,
        reclaimable: 10,
        available: 100,
        min_wmark: 64,
        no_progress_loops: 0,
        wmark_check: true,
      },
      {
        name: "reclaim_retry_zone",
        order: 0,
        reclaimable: 0,
        available: 60,
        min_wmark: 64,
        no_progress_loops: 1,
        wmark_check: false,
      },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      directReclaims: 3,
      directReclaimProgress: 2,
      directReclaimScanned: 90,
      directReclaimReclaimed: 32,
      directReclaimCompactionReady: 1,
      reclaimPasses: 11,
      reclaimRunsThatScanned: 2,
      reclaimFoliosScanned: 83,
      reclaimRetryChecks: 2,
      reclaimRetryNoProgress: 1,
    });
  });

  it("counts drain_all_pages calls executed and skipped, CPUs, pages, and callers", () => {
    const events: TraceEvent[] = [
      drain("direct_reclaim", false, 3, 96),
      drain("direct_reclaim", true, 0, 0),
      drain("kcompactd", false, 2, 10),
      drain("op", false, 1, 4),
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      drainAllPagesCalls: 4,
      drainAllPagesSkipped: 1,
      drainAllPagesCpus: 6,
      drainAllPagesPages: 110,
      drainAllPagesByDirectReclaim: 2,
      drainAllPagesByKcompactd: 1,
      drainAllPagesByOther: 1,
    });
  });

  it("counts highatomic reserves, boosts, fallback claims and steals, OOM and NOFAIL loops", () => {
    const extfrag = (change_ownership: boolean): TraceEvent => ({
      name: "mm_page_alloc_extfrag",
      pfn: 0x200,
      alloc_order: 0,
      fallback_order: 3,
      alloc_migratetype: 0,
      fallback_migratetype: 1,
      change_ownership,
    });
    const events: TraceEvent[] = [
      { name: "reserve_highatomic_pageblock", pfn: 0x400, nr_reserved_highatomic: 512 },
      { name: "unreserve_highatomic_pageblock", pfn: 0x400, migratetype: 1, nr_reserved_highatomic: 0 },
      { name: "boost_watermark", watermark_boost: 96 },
      extfrag(true),
      extfrag(false),
      extfrag(false),
      { name: "out_of_memory", order: 0, gfp_mask: GFP_KERNEL, killed: false },
      { name: "out_of_memory", order: 0, gfp_mask: GFP_KERNEL, killed: true },
      { name: "alloc_step", step: "nofail_fallback", order: 0, detail: "__GFP_NORETRY; retry" },
    ];
    expect(nonZero(allocCounters(events))).toEqual({
      highatomicReserves: 1,
      highatomicUnreserves: 1,
      watermarkBoosts: 1,
      fallbackClaims: 1,
      fallbackSteals: 2,
      outOfMemory: 2,
      oomKills: 1,
      nofailRetries: 1,
    });
  });

  it("ignores tracepoints that only describe work counted elsewhere", () => {
    const events: TraceEvent[] = [
      { name: "mm_page_free", pfn: 1, order: 0 },
      { name: "mm_page_alloc_zone_locked", pfn: 0, order: 0, migratetype: 1, percpu_refill: true },
      { name: "mm_page_pcpu_drain", pfn: 1, order: 0, migratetype: 1 },
      { name: "mm_compaction_isolate_migratepages", start_pfn: 0, end_pfn: 32, nr_scanned: 32, nr_taken: 4 },
      { name: "mm_compaction_isolate_freepages", start_pfn: 0xe00, end_pfn: 0x1000, nr_scanned: 512, nr_taken: 4 },
      { name: "mm_compaction_try_to_compact_pages", order: 9, gfp_mask: GFP_HIGHUSER_MOVABLE, prio: 2 },
      { name: "mm_compaction_suitable", order: 9, ret: "COMPACT_CONTINUE" },
      { name: "mm_compaction_finished", order: 9, ret: "COMPACT_CONTINUE" },
      { name: "mm_vmscan_direct_reclaim_begin", order: 0, gfp_flags: GFP_KERNEL },
      { name: "mm_vmscan_direct_reclaim_end", nr_reclaimed: 32 },
      { name: "count_vm_event", item: "PGSCAN_DIRECT", delta: 40 },
      { name: "alloc_step", step: "got_pg", order: 0, detail: "pfn 1" },
    ];
    expect(allocCounters(events)).toEqual(ZERO_ALLOC_COUNTERS);
  });
});

/** A pool of events that move many counters, for the additivity property. */
const SAMPLE_EVENTS: readonly TraceEvent[] = [
  fastPath(0, "pfn 3"),
  fastPath(9, "fail"),
  { name: "mm_page_alloc", pfn: -1, order: 9, gfp_flags: GFP_HIGHUSER_MOVABLE, migratetype: 1 },
  { name: "zone_lock", caller: "rmqueue_bulk" },
  { name: "get_page_from_freelist", order: 9, alloc_flags: 1, migratetype: 1, pfn: -1 },
  directCompact(2, "COMPACT_COMPLETE", { migrate_scanned: 7, free_scanned: 5, migrated: 3 }),
  { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
  {
    name: "direct_reclaim",
    order: 9,
    nr_scanned: 11,
    nr_reclaimed: 4,
    nr_passes: 2,
    nr_folios_scanned: 9,
    compaction_ready: false,
  },
  drain("direct_reclaim", false, 2, 13),
  {
    name: "mm_page_alloc_extfrag",
    pfn: 0,
    alloc_order: 0,
    fallback_order: 1,
    alloc_migratetype: 0,
    fallback_migratetype: 1,
    change_ownership: false,
  },
  {
    name: "kswapd_run",
    order: 9,
    nr_scanned: 17,
    nr_reclaimed: 6,
    nr_passes: 4,
    nr_folios_scanned: 12,
    balanced: false,
  },
];

describe("addCounters", () => {
  it("adds field by field, with zero as identity", () => {
    const a = allocCounters(SAMPLE_EVENTS);
    expect(addCounters(a, ZERO_ALLOC_COUNTERS)).toEqual(a);
    const twice = addCounters(a, a);
    for (const name of ALLOC_COUNTER_NAMES) expect(twice[name], name).toBe(2 * a[name]);
  });

  it("counting a span equals adding the counts of its parts", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SAMPLE_EVENTS), { maxLength: 30 }), fc.nat(), (events, at) => {
        const cut = events.length === 0 ? 0 : at % (events.length + 1);
        expect(allocCounters(events)).toEqual(
          addCounters(allocCounters(events.slice(0, cut)), allocCounters(events.slice(cut))),
        );
      }),
    );
  });
});

describe("vmstatDeltas", () => {
  it("totals count_vm_event deltas by item and leaves out items that never moved", () => {
    const events: TraceEvent[] = [
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "count_vm_event", item: "PGSCAN_DIRECT", delta: 40 },
      fastPath(0, "fail"),
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "count_vm_event", item: "PGSCAN_DIRECT", delta: 2 },
    ];
    expect(vmstatDeltas(events)).toEqual({ COMPACTSTALL: 2, PGSCAN_DIRECT: 42 });
    expect(vmstatDeltas([])).toEqual({});
  });
});

/**
 * 4096 pages, pageblock_order 9: fill `fill` pages with order-0 page cache, every `pgtableEvery`-th
 * page a page table instead (UNMOVABLE, pinned where it lands), then free every other page-cache
 * page and drain the pcp lists. Free memory ends up spread thin over every pageblock.
 */
function buildFragmentedSystem(fill: number, pgtableEvery: number): System {
  let system = initSystem({
    zone: { nrPages: 4096, maxPageOrder: 10, pageblockOrder: 9, nrCpus: 2 },
    kernel: { kernelVariant: "classic" },
  });
  const pagecache: number[] = [];
  for (let i = 0; i < fill; i++) {
    const pgtable = i % pgtableEvery === pgtableEvery - 1;
    const op: Op = pgtable
      ? { kind: "alloc", order: 0, gfp: GFP_PGTABLE_USER, cpu: i % 2, use: "pgtable" }
      : { kind: "alloc", order: 0, gfp: GFP_HIGHUSER_MOVABLE, cpu: i % 2, use: "pagecache" };
    const result = step(system, op);
    system = result.system;
    if (result.outcome.kind !== "allocated") throw new Error(`setup allocation ${i} failed: ${result.outcome.kind}`);
    if (!pgtable) pagecache.push(result.outcome.handle);
  }
  for (const [i, handle] of pagecache.entries()) {
    if (i % 2 === 0) system = step(system, { kind: "free", handle, cpu: i % 2 }).system;
  }
  return step(system, { kind: "drain", cpu: "all" }).system;
}

const fragmentedSystems = new Map<string, System>();

/** buildFragmentedSystem(), built once per shape: the set-up is a few thousand steps. */
function fragmentedSystem(fill: number, pgtableEvery: number): System {
  const key = `${fill}/${pgtableEvery}`;
  let system = fragmentedSystems.get(key);
  if (system === undefined) {
    system = buildFragmentedSystem(fill, pgtableEvery);
    fragmentedSystems.set(key, system);
  }
  return system;
}

function count(events: readonly TraceEvent[], predicate: (e: TraceEvent) => boolean): number {
  return events.filter(predicate).length;
}

function sum(events: readonly TraceEvent[], value: (e: TraceEvent) => number): number {
  return events.reduce((n, e) => n + value(e), 0);
}

describe("counters of a costly __GFP_NORETRY allocation on a fragmented zone", () => {
  const GFP = GFP_HIGHUSER_MOVABLE | __GFP_NORETRY;

  it.each([
    { scenario: "one page table in four: async compaction captures a block", fill: 3600, pgtableEvery: 4 },
    { scenario: "one page table in two, nearly full: compaction is skipped", fill: 3900, pgtableEvery: 2 },
  ])("agree with the events ($scenario)", ({ fill, pgtableEvery }) => {
    const system = fragmentedSystem(fill, pgtableEvery);
    const { events, outcome } = step(system, { kind: "alloc", order: 9, gfp: GFP, cpu: 0 });
    const c = allocCounters(events);
    const vm = vmstatDeltas(events);

    // One call, which missed the fast path: one costly slow-path entry.
    expect(c.allocCalls).toBe(1);
    expect(c.fastPathHits).toBe(0);
    expect(c.slowpathEntries).toBe(1);
    expect(c.slowpathCostly).toBe(1);
    expect(c.allocFailures).toBe(outcome.kind === "alloc-failed" ? 1 : 0);

    // Direct compaction: one count per direct_compact event, split by priority and by result.
    const compactions = events.filter((e) => e.name === "direct_compact");
    expect(c.directCompactions).toBe(compactions.length);
    expect(c.directCompactions).toBeGreaterThanOrEqual(1);
    // kernel-semantics.md §7 "Bounded compaction": at most 2 for NORETRY.
    expect(c.directCompactions).toBeLessThanOrEqual(2);
    expect(c.directCompactPrioAsync + c.directCompactPrioSyncLight + c.directCompactPrioSyncFull).toBe(
      c.directCompactions,
    );
    expect(
      c.directCompactNotSuitableZone +
        c.directCompactSkipped +
        c.directCompactDeferred +
        c.directCompactNoSuitablePage +
        c.directCompactContinue +
        c.directCompactComplete +
        c.directCompactPartialSkipped +
        c.directCompactContended +
        c.directCompactSuccess,
    ).toBe(c.directCompactions);
    expect(c.directCompactSkipped).toBe(
      count(compactions, (e) => e.name === "direct_compact" && e.result === "COMPACT_SKIPPED"),
    );
    expect(c.directCompactMigrateScanned).toBe(
      sum(compactions, (e) => (e.name === "direct_compact" ? e.migrate_scanned : 0)),
    );
    expect(c.directCompactMigrated).toBe(sum(compactions, (e) => (e.name === "direct_compact" ? e.migrated : 0)));
    // COMPACTSTALL counts the attempts that were not SKIPPED, and each ends in FAIL or SUCCESS.
    expect(c.compactStall).toBe(c.directCompactions - c.directCompactSkipped);
    expect(c.compactStall).toBe(c.compactFail + c.compactSuccess);
    expect(c.compactStall).toBe(vm.COMPACTSTALL ?? 0);
    expect(c.directCompactGotPage).toBe(c.compactSuccess);
    // Every compact_zone() here is a direct one, so the vmstat scan totals are theirs.
    expect(c.compactZoneRuns).toBe(count(events, (e) => e.name === "mm_compaction_begin"));
    expect(vm.COMPACTMIGRATE_SCANNED ?? 0).toBe(c.directCompactMigrateScanned);
    expect(vm.COMPACTFREE_SCANNED ?? 0).toBe(c.directCompactFreeScanned);
    expect(vm.PGMIGRATE_SUCCESS ?? 0).toBe(c.directCompactMigrated);

    // Freelist work, locks and wakeups match their events one for one.
    expect(c.getPageFromFreelistCalls).toBe(count(events, (e) => e.name === "get_page_from_freelist"));
    expect(c.zoneLocks).toBe(count(events, (e) => e.name === "zone_lock"));
    expect(c.pcpRefills).toBe(count(events, (e) => e.name === "zone_lock" && e.caller === "rmqueue_bulk"));
    expect(c.wakeAllKswapds).toBe(count(events, (e) => e.name === "alloc_step" && e.step === "wake_all_kswapds"));
    expect(c.kswapdWakeups).toBe(count(events, (e) => e.name === "mm_vmscan_wakeup_kswapd"));
    expect(c.directReclaims).toBe(count(events, (e) => e.name === "direct_reclaim"));
    expect(c.directReclaims).toBe(vm.ALLOCSTALL ?? 0);
    expect(c.drainAllPagesCalls).toBe(count(events, (e) => e.name === "drain_all_pages"));
    expect(c.outOfMemory).toBe(0);

    // Counting the call in two halves gives the same totals.
    const half = Math.floor(events.length / 2);
    expect(addCounters(allocCounters(events.slice(0, half)), allocCounters(events.slice(half)))).toEqual(c);
  });

  it("takes the path the classic slow path prescribes for each scenario", () => {
    const captured = allocCounters(
      step(fragmentedSystem(3600, 4), { kind: "alloc", order: 9, gfp: GFP, cpu: 0 }).events,
    );
    expect(nonZero(captured)).toMatchObject({
      directCompactions: 1,
      directCompactPrioAsync: 1,
      directCompactSuccess: 1,
      directCompactCaptured: 1,
      compactStall: 1,
      compactSuccess: 1,
    });
    expect(captured.allocFailures).toBe(0);

    // An initial compaction that is SKIPPED ends a costly NORETRY request at once: no reclaim, no drain.
    const skipped = allocCounters(
      step(fragmentedSystem(3900, 2), { kind: "alloc", order: 9, gfp: GFP, cpu: 0 }).events,
    );
    expect(skipped).toMatchObject({
      allocFailures: 1,
      directCompactions: 1,
      directCompactSkipped: 1,
      compactStall: 0,
      directReclaims: 0,
      drainAllPagesCalls: 0,
    });
  });
});
