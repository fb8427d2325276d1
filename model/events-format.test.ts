/**
 * Golden lines for every event kind. The expected strings are written by hand from the kernel's
 * TP_printk formats (research/buddy.md §10, research/slowpath.md §6, include/trace/events/oom.h),
 * with the fields the model lacks left out as events-format.ts documents, never produced by the
 * formatter itself.
 */

import { describe, expect, it } from "vitest";
import { ALLOC_CMA, ALLOC_CPUSET, ALLOC_KSWAPD, ALLOC_NOFRAGMENT, ALLOC_WMARK_LOW } from "./alloc-flags.js";
import { COMPACT_RESULTS } from "./compaction-types.js";
import { MODEL_ONLY_EVENTS, type TraceEvent, type TraceEventName } from "./events.js";
import {
  COMPACTION_STATUS,
  compactionFeedback,
  describeAllocSteps,
  formatEvent,
  formatEvents,
  MODEL_EVENT_PREFIX,
} from "./events-format.js";
import { __GFP_NORETRY, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_PGTABLE_USER } from "./gfp.js";
import { initSystem, type Op, step } from "./system.js";

const NORETRY_MOVABLE = GFP_HIGHUSER_MOVABLE | __GFP_NORETRY;
const PAGEBLOCK_ORDER = 9;

type Golden = {
  readonly [K in TraceEventName]: readonly (readonly [TraceEvent & { readonly name: K }, string])[];
};

/** At least one line per event name; the mapped type makes a new event a compile error here. */
const GOLDEN: Golden = {
  // ---- kmem.h ----
  mm_page_alloc: [
    [
      { name: "mm_page_alloc", pfn: 0x600, order: 9, gfp_flags: NORETRY_MOVABLE, migratetype: 1 },
      "mm_page_alloc: pfn=0x600 order=9 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NORETRY",
    ],
    [
      { name: "mm_page_alloc", pfn: -1, order: 9, gfp_flags: NORETRY_MOVABLE, migratetype: 1 },
      "mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NORETRY",
    ],
    [
      { name: "mm_page_alloc", pfn: 0, order: 0, gfp_flags: GFP_PGTABLE_USER, migratetype: 0 },
      "mm_page_alloc: pfn=0x0 order=0 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO",
    ],
  ],
  mm_page_free: [[{ name: "mm_page_free", pfn: 255, order: 0 }, "mm_page_free: pfn=0xff order=0"]],
  mm_page_alloc_zone_locked: [
    [
      { name: "mm_page_alloc_zone_locked", pfn: 0x200, order: 3, migratetype: 0, percpu_refill: true },
      "mm_page_alloc_zone_locked: pfn=0x200 order=3 migratetype=0 percpu_refill=1",
    ],
    [
      { name: "mm_page_alloc_zone_locked", pfn: 0xc00, order: 9, migratetype: 1, percpu_refill: false },
      "mm_page_alloc_zone_locked: pfn=0xc00 order=9 migratetype=1 percpu_refill=0",
    ],
  ],
  mm_page_pcpu_drain: [
    [
      { name: "mm_page_pcpu_drain", pfn: 4095, order: 0, migratetype: 1 },
      "mm_page_pcpu_drain: pfn=0xfff order=0 migratetype=1",
    ],
  ],
  mm_page_alloc_extfrag: [
    [
      {
        name: "mm_page_alloc_extfrag",
        pfn: 0x1a0,
        alloc_order: 0,
        fallback_order: 3,
        alloc_migratetype: 0,
        fallback_migratetype: 1,
        change_ownership: false,
      },
      "mm_page_alloc_extfrag: pfn=0x1a0 alloc_order=0 fallback_order=3 pageblock_order=9 alloc_migratetype=0 " +
        "fallback_migratetype=1 fragmenting=1 change_ownership=0",
    ],
    [
      {
        name: "mm_page_alloc_extfrag",
        pfn: 0x600,
        alloc_order: 9,
        fallback_order: 9,
        alloc_migratetype: 1,
        fallback_migratetype: 0,
        change_ownership: true,
      },
      "mm_page_alloc_extfrag: pfn=0x600 alloc_order=9 fallback_order=9 pageblock_order=9 alloc_migratetype=1 " +
        "fallback_migratetype=0 fragmenting=0 change_ownership=1",
    ],
  ],
  // ---- compaction.h ----
  mm_compaction_begin: [
    [
      {
        name: "mm_compaction_begin",
        zone_start: 0,
        migrate_pfn: 0x200,
        free_pfn: 0xe00,
        zone_end: 0x1000,
        sync: false,
      },
      "mm_compaction_begin: zone_start=0x0 migrate_pfn=0x200 free_pfn=0xe00 zone_end=0x1000, mode=async",
    ],
  ],
  mm_compaction_end: [
    [
      {
        name: "mm_compaction_end",
        zone_start: 0,
        migrate_pfn: 0x400,
        free_pfn: 0xc00,
        zone_end: 0x1000,
        sync: true,
        status: "COMPACT_PARTIAL_SKIPPED",
      },
      "mm_compaction_end: zone_start=0x0 migrate_pfn=0x400 free_pfn=0xc00 zone_end=0x1000, mode=sync " +
        "status=partial_skipped",
    ],
    [
      {
        name: "mm_compaction_end",
        zone_start: 0,
        migrate_pfn: 0x240,
        free_pfn: 0xe00,
        zone_end: 0x1000,
        sync: false,
        status: "COMPACT_SUCCESS",
      },
      "mm_compaction_end: zone_start=0x0 migrate_pfn=0x240 free_pfn=0xe00 zone_end=0x1000, mode=async status=success",
    ],
  ],
  mm_compaction_isolate_migratepages: [
    [
      { name: "mm_compaction_isolate_migratepages", start_pfn: 0x200, end_pfn: 0x240, nr_scanned: 64, nr_taken: 32 },
      "mm_compaction_isolate_migratepages: range=(0x200 ~ 0x240) nr_scanned=64 nr_taken=32",
    ],
  ],
  mm_compaction_isolate_freepages: [
    [
      { name: "mm_compaction_isolate_freepages", start_pfn: 0xe00, end_pfn: 0x1000, nr_scanned: 512, nr_taken: 40 },
      "mm_compaction_isolate_freepages: range=(0xe00 ~ 0x1000) nr_scanned=512 nr_taken=40",
    ],
  ],
  mm_compaction_migratepages: [
    [
      { name: "mm_compaction_migratepages", nr_migratepages: 30, nr_failed: 2 },
      "mm_compaction_migratepages: nr_migrated=30 nr_failed=2",
    ],
  ],
  mm_compaction_try_to_compact_pages: [
    [
      { name: "mm_compaction_try_to_compact_pages", order: 9, gfp_mask: NORETRY_MOVABLE, prio: 2 },
      "mm_compaction_try_to_compact_pages: order=9 gfp_mask=GFP_HIGHUSER_MOVABLE|__GFP_NORETRY priority=2",
    ],
  ],
  mm_compaction_suitable: [
    [
      { name: "mm_compaction_suitable", order: 9, ret: "COMPACT_CONTINUE" },
      "mm_compaction_suitable: order=9 ret=continue",
    ],
    [
      { name: "mm_compaction_suitable", order: 9, ret: "COMPACT_SKIPPED" },
      "mm_compaction_suitable: order=9 ret=skipped",
    ],
  ],
  mm_compaction_finished: [
    [
      { name: "mm_compaction_finished", order: 9, ret: "COMPACT_NO_SUITABLE_PAGE" },
      "mm_compaction_finished: order=9 ret=no_suitable_page",
    ],
  ],
  mm_compaction_deferred: [
    [
      { name: "mm_compaction_deferred", order: 9, considered: 1, defer_shift: 2, order_failed: 9 },
      "mm_compaction_deferred: order=9 order_failed=9 consider=1 limit=4",
    ],
  ],
  mm_compaction_defer_compaction: [
    [
      { name: "mm_compaction_defer_compaction", order: 9, considered: 0, defer_shift: 6, order_failed: 9 },
      "mm_compaction_defer_compaction: order=9 order_failed=9 consider=0 limit=64",
    ],
  ],
  mm_compaction_defer_reset: [
    [
      { name: "mm_compaction_defer_reset", order: 4, considered: 0, defer_shift: 0, order_failed: 5 },
      "mm_compaction_defer_reset: order=4 order_failed=5 consider=0 limit=1",
    ],
  ],
  mm_compaction_wakeup_kcompactd: [
    [
      { name: "mm_compaction_wakeup_kcompactd", order: 9, highest_zoneidx: 0 },
      "mm_compaction_wakeup_kcompactd: order=9",
    ],
  ],
  mm_compaction_kcompactd_wake: [
    [{ name: "mm_compaction_kcompactd_wake", order: 3, highest_zoneidx: 0 }, "mm_compaction_kcompactd_wake: order=3"],
  ],
  mm_compaction_kcompactd_sleep: [[{ name: "mm_compaction_kcompactd_sleep" }, "mm_compaction_kcompactd_sleep:"]],
  // ---- vmscan.h ----
  mm_vmscan_wakeup_kswapd: [
    [
      { name: "mm_vmscan_wakeup_kswapd", order: 9, gfp_flags: NORETRY_MOVABLE },
      "mm_vmscan_wakeup_kswapd: order=9 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_NORETRY",
    ],
    [{ name: "mm_vmscan_wakeup_kswapd", order: 0, gfp_flags: 0 }, "mm_vmscan_wakeup_kswapd: order=0 gfp_flags=none"],
  ],
  mm_vmscan_kswapd_wake: [[{ name: "mm_vmscan_kswapd_wake", order: 9 }, "mm_vmscan_kswapd_wake: order=9"]],
  mm_vmscan_kswapd_sleep: [[{ name: "mm_vmscan_kswapd_sleep" }, "mm_vmscan_kswapd_sleep:"]],
  mm_vmscan_direct_reclaim_begin: [
    [
      { name: "mm_vmscan_direct_reclaim_begin", order: 0, gfp_flags: GFP_KERNEL },
      "mm_vmscan_direct_reclaim_begin: order=0 gfp_flags=GFP_KERNEL",
    ],
  ],
  mm_vmscan_direct_reclaim_end: [
    [{ name: "mm_vmscan_direct_reclaim_end", nr_reclaimed: 32 }, "mm_vmscan_direct_reclaim_end: nr_reclaimed=32"],
  ],
  // ---- oom.h ----
  compact_retry: [
    [
      {
        name: "compact_retry",
        order: 2,
        priority: 1,
        result: "COMPACT_COMPLETE",
        retries: 0,
        max_retries: 16,
        ret: true,
      },
      "compact_retry: order=2 priority=COMPACT_PRIO_SYNC_LIGHT compaction_result=failed retries=0 max_retries=16 " +
        "should_retry=1",
    ],
    [
      {
        name: "compact_retry",
        order: 9,
        priority: 2,
        result: "COMPACT_SUCCESS",
        retries: 3,
        max_retries: 4,
        ret: true,
      },
      "compact_retry: order=9 priority=COMPACT_PRIO_ASYNC compaction_result=progress retries=3 max_retries=4 " +
        "should_retry=1",
    ],
    [
      {
        name: "compact_retry",
        order: 3,
        priority: 0,
        result: "COMPACT_DEFERRED",
        retries: 0,
        max_retries: 16,
        ret: false,
      },
      "compact_retry: order=3 priority=COMPACT_PRIO_SYNC_FULL compaction_result=withdrawn retries=0 max_retries=16 " +
        "should_retry=0",
    ],
  ],
  reclaim_retry_zone: [
    [
      {
        name: "reclaim_retry_zone",
        order: 0,
        reclaimable: 120,
        available: 300,
        min_wmark: 64,
        no_progress_loops: 1,
        wmark_check: true,
      },
      "reclaim_retry_zone: order=0 reclaimable=120 available=300 min_wmark=64 no_progress_loops=1 wmark_check=1",
    ],
  ],
  // ---- model-only ----
  get_page_from_freelist: [
    [
      {
        name: "get_page_from_freelist",
        order: 9,
        alloc_flags: ALLOC_WMARK_LOW | ALLOC_CMA | ALLOC_NOFRAGMENT | ALLOC_KSWAPD,
        migratetype: 1,
        pfn: 0x600,
      },
      "[model] get_page_from_freelist: order=9 migratetype=1 " +
        "alloc_flags=ALLOC_WMARK_LOW|ALLOC_CMA|ALLOC_NOFRAGMENT|ALLOC_KSWAPD pfn=0x600",
    ],
    [
      {
        name: "get_page_from_freelist",
        order: 9,
        alloc_flags: ALLOC_CPUSET | ALLOC_KSWAPD,
        migratetype: 1,
        pfn: -1,
      },
      "[model] get_page_from_freelist: order=9 migratetype=1 alloc_flags=ALLOC_WMARK_MIN|ALLOC_CPUSET|ALLOC_KSWAPD " +
        "pfn=none",
    ],
  ],
  zone_lock: [[{ name: "zone_lock", caller: "rmqueue_bulk" }, "[model] zone_lock: caller=rmqueue_bulk"]],
  drain_all_pages: [
    [
      { name: "drain_all_pages", caller: "direct_reclaim", skipped: false, cpus_visited: 3, pages_drained: 96 },
      "[model] drain_all_pages: caller=direct_reclaim skipped=0 cpus=3 pages=96",
    ],
    [
      { name: "drain_all_pages", caller: "direct_reclaim", skipped: true, cpus_visited: 0, pages_drained: 0 },
      "[model] drain_all_pages: caller=direct_reclaim skipped=1 cpus=0 pages=0",
    ],
  ],
  boost_watermark: [
    [{ name: "boost_watermark", watermark_boost: 144 }, "[model] boost_watermark: watermark_boost=144"],
  ],
  count_vm_event: [
    [{ name: "count_vm_event", item: "COMPACTSTALL", delta: 1 }, "[model] count_vm_event: item=COMPACTSTALL delta=1"],
  ],
  alloc_step: [
    [{ name: "alloc_step", step: "fast_path", order: 9, detail: "fail" }, "[model] alloc_step: order=9 fast_path fail"],
    [
      { name: "alloc_step", step: "wake_all_kswapds", order: 9, detail: "" },
      "[model] alloc_step: order=9 wake_all_kswapds",
    ],
  ],
  direct_compact: [
    [
      {
        name: "direct_compact",
        order: 9,
        prio: 2,
        result: "COMPACT_SUCCESS",
        migrate_scanned: 578,
        free_scanned: 512,
        migrated: 288,
        captured: true,
        success: true,
        free_pages_before: 2296,
        free_pages_after: 1784,
      },
      "[model] direct_compact: order=9 prio=COMPACT_PRIO_ASYNC result=COMPACT_SUCCESS migrate_scanned=578 " +
        "free_scanned=512 migrated=288 captured=1 success=1 free_pages=2296->1784",
    ],
  ],
  direct_reclaim: [
    [
      {
        name: "direct_reclaim",
        order: 9,
        nr_scanned: 0,
        nr_reclaimed: 0,
        nr_passes: 0,
        nr_folios_scanned: 0,
        compaction_ready: true,
      },
      "[model] direct_reclaim: order=9 nr_scanned=0 nr_reclaimed=0 nr_passes=0 nr_folios_scanned=0 compaction_ready=1",
    ],
  ],
  out_of_memory: [
    [
      { name: "out_of_memory", order: 0, gfp_mask: GFP_KERNEL, killed: false },
      "[model] out_of_memory: order=0 gfp_mask=GFP_KERNEL killed=0",
    ],
  ],
  kswapd_run: [
    [
      {
        name: "kswapd_run",
        order: 9,
        nr_scanned: 200,
        nr_reclaimed: 150,
        nr_passes: 7,
        nr_folios_scanned: 25,
        balanced: true,
      },
      "[model] kswapd_run: order=9 nr_scanned=200 nr_reclaimed=150 nr_passes=7 nr_folios_scanned=25 balanced=1",
    ],
  ],
  kcompactd_run: [
    [
      { name: "kcompactd_run", order: 9, status: "COMPACT_COMPLETE", migrate_scanned: 1024, free_scanned: 900 },
      "[model] kcompactd_run: order=9 status=COMPACT_COMPLETE migrate_scanned=1024 free_scanned=900",
    ],
  ],
  fork: [
    [{ name: "fork", parent: 1, child: 7, pte_pages: 2 }, "[model] fork: parent=1 child=7 pte_pages=2"],
    [{ name: "fork", parent: 1, child: -1, pte_pages: 0 }, "[model] fork: parent=1 child=-1 pte_pages=0"],
  ],
  exit: [[{ name: "exit", pid: 7, pages_freed: 3 }, "[model] exit: pid=7 pages_freed=3"]],
  filemap_get_folio: [
    [
      { name: "filemap_get_folio", index: 512, start_order: 9, min_order: 0, order: 4, attempts: 6 },
      "[model] filemap_get_folio: index=512 start_order=9 min_order=0 order=4 attempts=6",
    ],
    [
      {
        name: "filemap_get_folio",
        index: 0,
        start_order: 9,
        min_order: 0,
        order: -1,
        attempts: 10,
        min_order_free: 12,
        min_order_pcp: 3,
        min_order_reclaimable: 400,
        min_wmark: 128,
      },
      "[model] filemap_get_folio: index=0 start_order=9 min_order=0 order=-1 attempts=10 -ENOMEM free=12 pcp=3 reclaimable=400 min_wmark=128",
    ],
  ],
  buffered_write: [
    [
      { name: "buffered_write", file: 2, pos: 0, len: 512, written: 512, enomem: false },
      "[model] buffered_write: file=2 pos=0 len=512 written=512",
    ],
    [
      { name: "buffered_write", file: 2, pos: 0, len: 512, written: 16, enomem: true },
      "[model] buffered_write: file=2 pos=0 len=512 written=16 -ENOMEM",
    ],
  ],
  reserve_highatomic_pageblock: [
    [
      { name: "reserve_highatomic_pageblock", pfn: 0x400, nr_reserved_highatomic: 512 },
      "[model] reserve_highatomic_pageblock: pfn=0x400 nr_reserved_highatomic=512",
    ],
  ],
  unreserve_highatomic_pageblock: [
    [
      { name: "unreserve_highatomic_pageblock", pfn: 0x400, migratetype: 0, nr_reserved_highatomic: 0 },
      "[model] unreserve_highatomic_pageblock: pfn=0x400 migratetype=0 nr_reserved_highatomic=0",
    ],
  ],
};

const CASES: readonly (readonly [string, TraceEvent, string])[] = Object.values(GOLDEN).flatMap((lines) =>
  lines.map(([event, line]) => [event.name, event as TraceEvent, line] as const),
);

describe("formatEvent", () => {
  it.each(CASES)("%s", (_name, event, line) => {
    expect(formatEvent(event, { pageblockOrder: PAGEBLOCK_ORDER })).toBe(line);
  });

  it("leaves out pageblock_order and fragmenting when it does not know pageblock_order", () => {
    const event: TraceEvent = {
      name: "mm_page_alloc_extfrag",
      pfn: 0x1a0,
      alloc_order: 0,
      fallback_order: 3,
      alloc_migratetype: 0,
      fallback_migratetype: 1,
      change_ownership: false,
    };
    expect(formatEvent(event)).toBe(
      "mm_page_alloc_extfrag: pfn=0x1a0 alloc_order=0 fallback_order=3 alloc_migratetype=0 fallback_migratetype=1 " +
        "change_ownership=0",
    );
  });

  it("marks exactly the MODEL_ONLY_EVENTS as [model]", () => {
    for (const [name, event] of CASES) {
      expect(formatEvent(event).startsWith(MODEL_EVENT_PREFIX), name).toBe(MODEL_ONLY_EVENTS.has(event.name));
    }
  });

  it("prints every compaction status with the kernel's COMPACTION_STATUS name", () => {
    expect(COMPACT_RESULTS.map((r) => COMPACTION_STATUS[r])).toEqual([
      "not_suitable_zone",
      "skipped",
      "deferred",
      "no_suitable_page",
      "continue",
      "complete",
      "partial_skipped",
      "contended",
      "success",
    ]);
    // compact_result_to_feedback(): only COMPLETE is "failed" and only SUCCESS is "progress".
    expect(COMPACT_RESULTS.filter((r) => compactionFeedback(r) !== "withdrawn")).toEqual([
      "COMPACT_COMPLETE",
      "COMPACT_SUCCESS",
    ]);
  });

  it("formats every event a real fragmenting run emits as one well-formed line", () => {
    // 4096 pages, pageblock_order 9: every fourth page a page table, then half the page cache
    // freed, so the order-9 request below fails the fast path and compacts.
    let system = initSystem({ zone: { nrPages: 4096, maxPageOrder: 10, pageblockOrder: PAGEBLOCK_ORDER, nrCpus: 2 } });
    const ops: Op[] = [];
    for (let i = 0; i < 3600; i++) {
      ops.push(
        i % 4 === 3
          ? { kind: "alloc", order: 0, gfp: GFP_PGTABLE_USER, cpu: i % 2, use: "pgtable" }
          : { kind: "alloc", order: 0, gfp: GFP_HIGHUSER_MOVABLE, cpu: i % 2, use: "pagecache" },
      );
    }
    // Handles count up from 1 in allocation order, page tables every fourth: free every other page-cache page.
    let pagecache = 0;
    for (let handle = 1; handle <= 3600; handle++) {
      if (handle % 4 !== 0 && pagecache++ % 2 === 0) ops.push({ kind: "free", handle, cpu: 0 });
    }
    ops.push(
      { kind: "drain", cpu: "all" },
      { kind: "alloc", order: 9, gfp: NORETRY_MOVABLE, cpu: 0 },
      { kind: "tick" },
    );
    const seen = new Set<string>();
    for (const [index, op] of ops.entries()) {
      const result = step(system, op);
      system = result.system;
      const text = formatEvents(result.events, { step: index, pageblockOrder: PAGEBLOCK_ORDER });
      if (text === "") continue;
      for (const line of text.split("\n")) {
        expect(line).toMatch(/^ {2}\[step \d+\] (\[model\] )?[a-z_]+:( \S.*)?$/);
        expect(line).not.toMatch(/undefined|NaN|\[object/);
        seen.add(line.replace(/^ {2}\[step \d+\] /, "").split(":")[0] ?? "");
      }
    }
    // The run reaches the slow path, compaction and the pcp lists, not just the fast path.
    expect(seen).toContain("[model] direct_compact");
    expect(seen).toContain("mm_compaction_begin");
    expect(seen).toContain("mm_page_pcpu_drain");
  });
});

describe("formatEvents", () => {
  const events: TraceEvent[] = [
    { name: "mm_page_free", pfn: 16, order: 0 },
    { name: "zone_lock", caller: "free_one_page" },
  ];

  it("prints one line per event, without a trailing newline", () => {
    expect(formatEvents(events)).toBe("mm_page_free: pfn=0x10 order=0\n[model] zone_lock: caller=free_one_page");
  });

  it("prefixes each line with the step number when given one", () => {
    expect(formatEvents(events, { step: 12 })).toBe(
      "  [step 12] mm_page_free: pfn=0x10 order=0\n  [step 12] [model] zone_lock: caller=free_one_page",
    );
  });

  it("prints nothing for no events", () => {
    expect(formatEvents([], { step: 3 })).toBe("");
  });
});

describe("describeAllocSteps", () => {
  it("lists only the alloc_step events, as step and detail", () => {
    const events: TraceEvent[] = [
      { name: "get_page_from_freelist", order: 9, alloc_flags: 0, migratetype: 1, pfn: -1 },
      { name: "alloc_step", step: "fast_path", order: 9, detail: "fail" },
      { name: "alloc_step", step: "wake_all_kswapds", order: 9, detail: "" },
      { name: "count_vm_event", item: "COMPACTSTALL", delta: 1 },
      { name: "alloc_step", step: "direct_compact", order: 9, detail: "COMPACT_PRIO_ASYNC COMPACT_SKIPPED" },
      {
        name: "alloc_step",
        step: "nopage",
        order: 9,
        detail: "costly __GFP_NORETRY: initial compaction COMPACT_SKIPPED",
      },
    ];
    expect(describeAllocSteps(events)).toEqual([
      "fast_path fail",
      "wake_all_kswapds",
      "direct_compact COMPACT_PRIO_ASYNC COMPACT_SKIPPED",
      "nopage costly __GFP_NORETRY: initial compaction COMPACT_SKIPPED",
    ]);
  });

  it("is empty when no allocation ran", () => {
    expect(describeAllocSteps([{ name: "mm_page_free", pfn: 1, order: 0 }])).toEqual([]);
  });
});
