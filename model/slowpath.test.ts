/**
 * The decision table of kernel-semantics.md §2.11, one allocation per row, for the classic slow
 * path (research/slowpath.md §1.4, about 6.15-rc, "classic" below) and the 7.0 one (§1.1,
 * CachyOS/linux @06b47f69, "7.0" below). Each test builds a small zone (2048 pages) whose every
 * pfn it knows (test-support/zone-layout.ts), runs ONE allocation with step(), and compares the
 * `alloc_step` path and the path counters with lists written by hand from the kernel text.
 *
 * The zone, for every test: 2048 pages, MAX_PAGE_ORDER 10, pageblock_order 9, 2 CPUs, pcp batch 1,
 * watermark_boost_factor 0. calculate_min_free_kbytes(): int_sqrt(2048 * 4 * 16) = 362 KiB;
 * __setup_per_zone_wmarks(): min = 362 >> 2 = 90, delta = max(90 >> 2, 2048 * 10 / 10000) = 22,
 * so min 90, low 112, high 134.
 *
 * pinnedLayout(free, pagecache): a page table at every pfn 4k, so no block of order >= 2 is free
 * or can be made by compaction anywhere; `free` free order-0 pages; `pagecache` clean page-cache
 * pages on the inactive file LRU.
 *
 * Direct reclaim (try_to_free_pages(), nr_to_reclaim SWAP_CLUSTER_MAX = 32) makes passes at
 * priority 12 down to 0, each scanning floor(inactive / 2^priority) pages, until 32 are
 * reclaimed; in reclaim/compaction mode (costly orders, or orders 1-3 below priority 10)
 * should_continue_reclaim() repeats a pass while compaction is not suitable at min and the
 * inactive list is above compact_gap(order). The passes these tests meet, reclaiming every page
 * it scans (all clean):
 * - 100 pages: priorities 6..2 take 1, 3, 6, 11, 19 = 40; the 60 left: 5..1 take 1, 3, 7, 12, 18 = 41.
 * - 200 pages (order <= 3, or compaction suitable at once): 7..3 take 1, 3, 6, 11, 22 = 43; the
 *   157 left: 1, 2, 4, 9, 17 = 33. Order 9 the same (the inactive list never exceeds compact_gap(9) = 1024).
 * - 60 pages, order 4 (compaction needs 144 free at min; NR_FREE_PAGES stays 108, the reclaimed
 *   pages sit on a pcp list): priority 5 takes one page a pass until the list is down to
 *   compact_gap(4) = 32, 28 pages; then priority 4: 2, priority 3: 3; 33 in all. The 27 left:
 *   priorities 4..0 take 1, 3, 5, 9, 9 = 27.
 *
 * Reading a path: the first wake_all_kswapds() finds kswapd asleep and the node unbalanced and
 * wakes it ("kswapd woken"); it stays awake for the rest of the call (nothing runs it), so later
 * wakeups find it running (wakeup_kswapd(): `if (!waitqueue_active(&pgdat->kswapd_wait)) return`).
 * A direct compaction that runs here fails with COMPACT_COMPLETE: on this zone the migrate
 * scanner starts at compact_init_migrate_pfn, so compact_zone() makes it a whole-zone run
 * (`if (cc->migrate_pfn <= cc->zone->compact_init_migrate_pfn) cc->whole_zone = true`), and the
 * scanners meet without finding a free block of the order.
 *
 * The model has no tasks to kill: out_of_memory() kills nothing and reports progress only for
 * !__GFP_FS requests (kernel-semantics.md §2.9 [R]). A real kernel would kill a task, or panic
 * with nothing killable, where these tests see "nothing to kill".
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "./events.js";
import {
  __GFP_MEMALLOC,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_RECLAIMABLE,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOFS,
  GFP_NOWAIT,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  type GfpMask,
} from "./gfp.js";
import type { KernelOptions } from "./kernel-options.js";
import { MAX_RECLAIM_RETRIES } from "./reclaim-retry.js";
import { SLOWPATH_LOOP_LIMIT } from "./slowpath.js";
import { type Op, type Outcome, type System, step } from "./system.js";
import { allocPath, counters, type PathCounters, pathCounters } from "./test-support/alloc-path.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";

type Variant = KernelOptions["kernelVariant"];
const VARIANTS: readonly Variant[] = ["classic", "v7"];

const LAYOUTS = {
  /** 20 free pages: below even GFP_ATOMIC's reduced min (90 - 45 - 11 = 34). */
  tight: pinnedLayout(20, 0),
  /** 64 free pages (below min 90), nothing reclaimable. */
  low: pinnedLayout(64, 0),
  /** Nothing free, nothing reclaimable. */
  full: pinnedLayout(0, 0),
  /** 40 free pages, 100 page-cache pages. */
  reclaimable: pinnedLayout(40, 100),
  /** 200 free pages (above high 134 at order 0, but no block of order >= 2), 200 page-cache pages. */
  fragmented: pinnedLayout(200, 200),
  /** As `fragmented`, with no page cache. */
  fragmentedNoLru: pinnedLayout(200, 0),
  /** 108 free pages, 60 page-cache pages: costly compaction is SKIPPED until reclaim adds some. */
  short: pinnedLayout(108, 60),
} as const;
type LayoutName = keyof typeof LAYOUTS;

const built = new Map<string, System>();

/** The built zone (once per layout and variant: building takes a few thousand steps). */
function zone(layout: LayoutName, kernelVariant: Variant): System {
  const key = `${layout}/${kernelVariant}`;
  let system = built.get(key);
  if (system === undefined) {
    system = buildZone({ nrPages: 2048, kernelVariant, slot: LAYOUTS[layout] }).system;
    built.set(key, system);
  }
  return system;
}

interface Ran {
  readonly path: string[];
  readonly counters: PathCounters;
  readonly outcome: Outcome;
  readonly events: readonly TraceEvent[];
  readonly system: System;
}

function alloc(system: System, gfp: GfpMask, order: number): Ran {
  const result = step(system, { kind: "alloc", order, gfp, cpu: 0 });
  return {
    path: allocPath(result.events),
    counters: pathCounters(result.events),
    outcome: result.outcome,
    events: result.events,
    system: result.system,
  };
}

function run(layout: LayoutName, variant: Variant, gfp: GfpMask, order: number): Ran {
  return alloc(zone(layout, variant), gfp, order);
}

function apply(system: System, ops: readonly Op[]): System {
  return ops.reduce((s, op) => step(s, op).system, system);
}

// ---- the steps, as describeAllocSteps() prints them ----
const FAST = "fast_path fail";
const WOKE = "wake_all_kswapds kswapd woken";
const WAKE = "wake_all_kswapds";
const FAIL = "get_page_from_freelist fail";
const GOT = "got_pg pfn #";
const DR_NONE = "direct_reclaim no progress";
/** Reclaimed `pages` onto this CPU's pcp list: the retry fails, drain_all_pages(NULL), fails again. */
const DR = (pages: number) => `direct_reclaim progress ${pages}, drain_all_pages, fail`;
/** Costly order, compaction_ready(): no reclaim, do_try_to_free_pages() returns 1, drain, fail. */
const DR_READY = "direct_reclaim progress 1, drain_all_pages, fail";
type Prio = "ASYNC" | "SYNC_LIGHT" | "SYNC_FULL";
type Result = "SKIPPED" | "DEFERRED" | "COMPLETE";
const COMPACT = (prio: Prio, result: Result) => `direct_compact COMPACT_PRIO_${prio} COMPACT_${result}`;
const SRR_STOP = "should_reclaim_retry stop";
const SRR_RETRY = "should_reclaim_retry retry";
const SCR_STOP = "should_compact_retry stop";
const SCR_RETRY = (prio: Prio) => `should_compact_retry retry at COMPACT_PRIO_${prio}`;
const OOM_NOTHING = "may_oom out_of_memory: nothing to kill";
const OOM_NOFS = "may_oom out_of_memory: no kill for !__GFP_FS, progress";
const OOM_COSTLY = "may_oom skipped: the OOM killer does not help costly orders";
const NOPAGE_NO_RECLAIM = "nopage no __GFP_DIRECT_RECLAIM";
const NOPAGE_NORETRY = "nopage __GFP_NORETRY";
const NOPAGE_COSTLY = "nopage costly order without __GFP_RETRY_MAYFAIL";
const NOPAGE_GIVE_UP = "nopage reclaim, compaction and the OOM killer made no progress";
const NOPAGE_LOOP_LIMIT = `nopage model loop limit (${SLOWPATH_LOOP_LIMIT} retries) reached`;

function repeat<T>(times: number, items: readonly T[]): T[] {
  return Array.from({ length: times }, () => items).flat();
}

describe("§2.11 row: no __GFP_DIRECT_RECLAIM (GFP_NOWAIT, GFP_ATOMIC, GFP_TRANSHUGE_LIGHT)", () => {
  // classic: `if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds()` (W1); get_page_from_freelist()
  // (F1); the initial compaction needs can_direct_reclaim; retry: wake again (W2), F2, then
  // `if (!can_direct_reclaim) goto nopage`.
  // 7.0: one pass of the retry loop: wake, F, then the reserves block: `if (!(alloc_flags &
  // ALLOC_CPUSET) || reserve_flags) { ... if (can_retry_reserves) { can_retry_reserves = false;
  // goto retry; } }`, then `if (!can_direct_reclaim) goto nopage`. gfp_to_alloc_flags() drops
  // ALLOC_CPUSET only for ALLOC_MIN_RESERVE (__GFP_HIGH) without direct reclaim, so GFP_ATOMIC
  // goes round twice and GFP_NOWAIT once. GFP_TRANSHUGE_LIGHT has no __GFP_KSWAPD_RECLAIM (no
  // ALLOC_KSWAPD: no wakeups) and __GFP_NOMEMALLOC, no __GFP_HIGH: ALLOC_CPUSET stays.
  const expected: Record<string, Record<Variant, { path: string[]; wakes: number }>> = {
    GFP_NOWAIT: {
      classic: { path: [FAST, WOKE, FAIL, WAKE, FAIL, NOPAGE_NO_RECLAIM], wakes: 2 },
      v7: { path: [FAST, WOKE, FAIL, NOPAGE_NO_RECLAIM], wakes: 1 },
    },
    GFP_ATOMIC: {
      classic: { path: [FAST, WOKE, FAIL, WAKE, FAIL, NOPAGE_NO_RECLAIM], wakes: 2 },
      v7: { path: [FAST, WOKE, FAIL, WAKE, FAIL, NOPAGE_NO_RECLAIM], wakes: 2 },
    },
    GFP_TRANSHUGE_LIGHT: {
      classic: { path: [FAST, FAIL, FAIL, NOPAGE_NO_RECLAIM], wakes: 0 },
      v7: { path: [FAST, FAIL, NOPAGE_NO_RECLAIM], wakes: 0 },
    },
  };
  const GFPS: Record<string, GfpMask> = { GFP_NOWAIT, GFP_ATOMIC, GFP_TRANSHUGE_LIGHT };

  // Order 0 on the tight zone: 20 free pages. __zone_watermark_ok() at min 90: GFP_NOWAIT has
  // ALLOC_NON_BLOCK alone, which lowers nothing (the 25% cut is nested under ALLOC_MIN_RESERVE):
  // 20 <= 90. GFP_ATOMIC: min -= min/2 -> 45, min -= min/4 -> 34: 20 <= 34. Both fail.
  // Orders 2 and 9 on the fragmented zone: 200 free pages pass the order-0 part, but no free
  // block of the order exists on any list the request may use.
  const cases = VARIANTS.flatMap((variant) =>
    Object.keys(GFPS).flatMap((gfp) =>
      (
        [
          [0, "tight"],
          [2, "fragmented"],
          [9, "fragmented"],
        ] as const
      ).map(([order, layout]) => [gfp, order, variant, layout] as const),
    ),
  );

  it.each(cases)("%s order %i (%s): wakes and freelist attempts only, then nopage", (gfp, order, variant, layout) => {
    const want = expected[gfp]?.[variant];
    if (want === undefined) throw new Error(`no expectation for ${gfp}/${variant}`);
    const ran = run(layout, variant, GFPS[gfp] as GfpMask, order);
    expect(ran.path).toEqual(want.path);
    // No direct compaction, no direct reclaim, no drain, no OOM, even with 200 free pages and 200
    // reclaimable ones: the caller is not willing to reclaim.
    expect(ran.counters).toEqual(
      counters({ allocFailures: 1, wakeAllKswapds: want.wakes, kswapdWakeups: want.wakes > 0 ? 1 : 0 }),
    );
  });

  it.each(VARIANTS)(
    "GFP_NOWAIT order 2 with kswapd hopeless: kcompactd is woken through wakeup_kswapd() (%s)",
    (variant) => {
      // wakeup_kswapd(): `if (pgdat->kswapd_failures >= MAX_RECLAIM_RETRIES || (pgdat_balanced(...) &&
      // !pgdat_watermark_boosted(...))) { if (!(gfp_flags & __GFP_DIRECT_RECLAIM)) wakeup_kcompactd(pgdat,
      // order, highest_zoneidx); return; }`. A balanced node cannot fail this request at min in a
      // one-zone model, so the test makes kswapd hopeless: wake it for order 2 and let it run (it
      // reclaims nothing: no page cache) until kswapd_failures reaches 16 and it sleeps.
      let system = zone("fragmentedNoLru", variant);
      while (system.node.kswapd.failures < MAX_RECLAIM_RETRIES) {
        system = alloc(system, GFP_NOWAIT, 2).system;
        for (let ticks = 0; !system.node.kswapd.sleeping; ticks++) {
          if (ticks > 4) throw new Error("kswapd does not go to sleep");
          system = step(system, { kind: "tick" }).system;
        }
      }
      expect(system.node.kcompactd.sleeping).toBe(true);
      const ran = alloc(system, GFP_NOWAIT, 2);
      // wakeup_kcompactd(): kcompactd asleep, and kcompactd_node_suitable(): order-2 watermark fails,
      // __compaction_suitable() passes (200 > min 90 + compact_gap(2) = 8): woken. classic W2 finds
      // it awake and does nothing.
      const KCOMPACTD_WOKEN = "wake_all_kswapds kcompactd woken";
      expect(ran.path).toEqual(
        variant === "classic"
          ? [FAST, KCOMPACTD_WOKEN, FAIL, WAKE, FAIL, NOPAGE_NO_RECLAIM]
          : [FAST, KCOMPACTD_WOKEN, FAIL, NOPAGE_NO_RECLAIM],
      );
      expect(ran.counters).toEqual(
        counters({ allocFailures: 1, wakeAllKswapds: variant === "classic" ? 2 : 1, kcompactdWakeups: 1 }),
      );
    },
  );

  it(
    "a kswapd run that finds the node balanced counts no failure — mm/vmscan.c balance_pgdat() " +
      "(research/compaction.md §9) `if (!nr_boost_reclaim && balanced) goto out;` jumps past " +
      "`if (!sc.nr_reclaimed) pgdat->kswapd_failures++;`; kswapd.ts balancePgdat() counts a failure for " +
      "every run that reclaimed nothing: one GFP_NOWAIT order-2 wakeup on the fragmentedNoLru zone, then two " +
      "ticks (an order-2 run that reclaims nothing, an order-0 run that finds the node balanced) leave " +
      "kswapd_failures at 1 in the kernel, 2 in the model",
    () => {
      let system = alloc(zone("fragmentedNoLru", "v7"), GFP_NOWAIT, 2).system;
      system = apply(system, [{ kind: "tick" }, { kind: "tick" }]);
      expect(system.node.kswapd.sleeping).toBe(true);
      expect(system.node.kswapd.failures).toBe(1);
    },
  );
});

describe("§2.11 row: order 0, GFP_KERNEL-like", () => {
  // Order 0 skips everything about compaction: no initial compaction (`order > 0` in the
  // condition), and __alloc_pages_direct_compact() returns at `if (!order) return NULL;` without
  // a trace. should_compact_retry() is called after reclaim progress and returns at `if (!order)`.
  it.each(VARIANTS)("nothing reclaimable: one reclaim pass without progress, then the OOM killer (%s)", (variant) => {
    const ran = run("low", variant, GFP_KERNEL, 0);
    // 64 free pages: fast path 64 <= low 112, F at min 64 <= 90.
    // __alloc_pages_direct_reclaim(): nothing on the LRU, `if (unlikely(!(*did_some_progress))) goto
    // out;`: no drain. should_reclaim_retry(): no progress -> no_progress_loops 1 (<= 16);
    // available = 0 reclaimable + 64 free <= min 90 -> false; unreserve_highatomic_pageblock(ac,
    // true) has nothing -> stop. did_some_progress == 0, so no should_compact_retry().
    // __alloc_pages_may_oom(): order 0, not MAYFAIL/THISNODE -> out_of_memory().
    const body = [DR_NONE, SRR_STOP, OOM_NOTHING, NOPAGE_GIVE_UP];
    expect(ran.path).toEqual(
      variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...body] : [FAST, WOKE, FAIL, ...body],
    );
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: variant === "classic" ? 2 : 1,
        kswapdWakeups: 1,
        directReclaims: 1,
        reclaimRetryChecks: 1,
        outOfMemory: 1,
      }),
    );
  });

  it.each(VARIANTS)("reclaim makes progress: the reclaim loop repeats until the page comes (%s)", (variant) => {
    const ran = run("reclaimable", variant, GFP_KERNEL, 0);
    // 40 free, 100 page cache. Reclaim #1 frees 40 pages onto CPU 0's pcp list (not NR_FREE_PAGES):
    // the retry fails, drain_all_pages(NULL), 80 free <= 90, fails again. should_reclaim_retry():
    // progress and order <= 3 -> no_progress_loops = 0; available = 60 + 80 = 140 > 90 -> retry.
    // Reclaim #2: 41 more, drained, 121 > 90: the page.
    const tail = [DR(40), SRR_RETRY, WAKE, FAIL, "direct_reclaim progress 41, drain_all_pages, pfn #", GOT];
    expect(ran.path).toEqual(
      variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...tail] : [FAST, WOKE, FAIL, ...tail],
    );
    expect(ran.outcome.kind).toBe("allocated");
    expect(ran.counters).toEqual(
      counters({
        wakeAllKswapds: variant === "classic" ? 3 : 2,
        kswapdWakeups: 1,
        directReclaims: 2,
        directReclaimProgress: 2,
        drainAllPagesCalls: 2,
        reclaimRetryChecks: 1,
      }),
    );
  });

  it("no progress, but reclaim looks worthwhile: MAX_RECLAIM_RETRIES loops (7.0 with vm.defrag_mode)", () => {
    // The 16-loop limit needs should_reclaim_retry() to say "worth it" while reclaim frees nothing.
    // With nothing reclaimable that happens when the free pages pass the watermark but the free
    // lists refuse them: vm.defrag_mode=1 (a runtime sysctl, set here on the built zone) makes
    // gfp_to_alloc_flags() add ALLOC_NOFRAGMENT, and an UNMOVABLE order-0 request may then not
    // steal from the MOVABLE pageblocks that hold all 200 free pages.
    const built = zone("fragmentedNoLru", "v7");
    const ran = alloc({ ...built, kernel: { ...built.kernel, defragMode: true } }, GFP_KERNEL, 0);
    // Each loop: reclaim nothing; should_reclaim_retry(): `(*no_progress_loops)++`, then
    // __zone_watermark_ok(0, min 90, available 0 + 200) passes: retry. Loop 17: `if
    // (*no_progress_loops > MAX_RECLAIM_RETRIES) goto out;`: stop. No progress, so no
    // should_compact_retry(); then `if (defrag_mode && (alloc_flags & ALLOC_NOFRAGMENT)) { alloc_flags
    // &= ~ALLOC_NOFRAGMENT; goto retry; }`: the next attempt steals a page, before any OOM.
    const loop = [WAKE, FAIL, DR_NONE, SRR_RETRY];
    expect(ran.path).toEqual([
      FAST,
      WOKE,
      ...repeat(MAX_RECLAIM_RETRIES, loop).slice(1),
      WAKE,
      FAIL,
      DR_NONE,
      SRR_STOP,
      WAKE,
      "get_page_from_freelist pfn #",
      GOT,
    ]);
    expect(ran.outcome.kind).toBe("allocated");
    expect(ran.counters).toEqual(
      counters({
        wakeAllKswapds: MAX_RECLAIM_RETRIES + 2,
        kswapdWakeups: 1,
        directReclaims: MAX_RECLAIM_RETRIES + 1,
        // The 17th call gives up before looking at the zone: no reclaim_retry_zone trace.
        reclaimRetryChecks: MAX_RECLAIM_RETRIES,
      }),
    );
  });

  it.each(VARIANTS)(
    "GFP_NOFS: out_of_memory() reports progress without killing, so it loops (%s; the model stops at SLOWPATH_LOOP_LIMIT)",
    (variant) => {
      const ran = run("low", variant, GFP_NOFS, 0);
      // out_of_memory(): `if (!(oc->gfp_mask & __GFP_FS) && !is_memcg_oom(oc)) return true;` [R];
      // __alloc_pages_may_oom(): `*did_some_progress = 1`; the slow path: `if (did_some_progress) {
      // no_progress_loops = 0; goto retry; }`. The kernel loops for as long as nothing changes; the
      // model gives up after SLOWPATH_LOOP_LIMIT trips round the retry loop and says so.
      const loop = [WAKE, FAIL, DR_NONE, SRR_STOP, OOM_NOFS];
      const loops = repeat(SLOWPATH_LOOP_LIMIT, loop);
      // classic: W1 and F1 sit before `retry:`; 7.0: the first loop's wakeup is the one that wakes kswapd.
      const expected =
        variant === "classic"
          ? [FAST, WOKE, FAIL, ...loops, NOPAGE_LOOP_LIMIT]
          : [FAST, WOKE, ...loops.slice(1), NOPAGE_LOOP_LIMIT];
      expect(ran.path).toEqual(expected);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: SLOWPATH_LOOP_LIMIT + (variant === "classic" ? 1 : 0),
          kswapdWakeups: 1,
          directReclaims: SLOWPATH_LOOP_LIMIT,
          reclaimRetryChecks: SLOWPATH_LOOP_LIMIT,
          outOfMemory: SLOWPATH_LOOP_LIMIT,
        }),
      );
    },
  );
});

describe("§2.11 row: orders 1-3, MOVABLE, no __GFP_NORETRY", () => {
  it.each(VARIANTS)("reclaim, SYNC_LIGHT, escalate to SYNC_FULL, reclaim, SYNC_FULL, then OOM (%s)", (variant) => {
    const ran = run("fragmented", variant, GFP_HIGHUSER_MOVABLE, 2);
    // No initial compaction: order 2 is not costly and the request is MOVABLE.
    // Loop 1: reclaim 43 (progress, drain, still no order-2 block); compaction at
    // compact_priority = DEF_COMPACT_PRIORITY (SYNC_LIGHT): 243 free > min 90 + compact_gap(2) 8,
    // whole zone, COMPLETE; try_to_compact_pages(): `prio != COMPACT_PRIO_ASYNC && status ==
    // COMPACT_COMPLETE` -> defer_compaction(). should_reclaim_retry(): progress resets the loop
    // count, but __zone_watermark_ok(order 2, min, available) needs a free block of order >= 2: stop.
    // should_compact_retry(): COMPLETE is neither SKIPPED nor SUCCESS; min_priority for order <= 3 is
    // MIN_COMPACT_PRIORITY (SYNC_FULL); `if (*compact_priority > min_priority) { (*compact_priority)--;
    // ... ret = true; }`: retry at SYNC_FULL.
    // Loop 2: reclaim 33 more; SYNC_FULL (no deferral check at MIN_COMPACT_PRIORITY) COMPLETE, defer;
    // should_reclaim_retry() stop; should_compact_retry(): SYNC_FULL is the minimum: stop.
    // __alloc_pages_may_oom(): order 2 <= 3 -> out_of_memory().
    const loops = [
      DR(43),
      COMPACT("SYNC_LIGHT", "COMPLETE"),
      SRR_STOP,
      SCR_RETRY("SYNC_FULL"),
      WAKE,
      FAIL,
      DR(33),
      COMPACT("SYNC_FULL", "COMPLETE"),
      SRR_STOP,
      SCR_STOP,
      OOM_NOTHING,
      NOPAGE_GIVE_UP,
    ];
    expect(ran.path).toEqual(
      variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...loops] : [FAST, WOKE, FAIL, ...loops],
    );
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: variant === "classic" ? 3 : 2,
        kswapdWakeups: 1,
        directCompactions: 2,
        directCompactPrioSyncLight: 1,
        directCompactPrioSyncFull: 1,
        directCompactComplete: 2,
        compactStall: 2,
        compactFail: 2,
        deferCompaction: 2,
        directReclaims: 2,
        directReclaimProgress: 2,
        drainAllPagesCalls: 2,
        reclaimRetryChecks: 2,
        compactRetryChecks: 2,
        compactRetries: 1,
        outOfMemory: 1,
      }),
    );
  });
});

describe("§2.11 row: orders 1-3, UNMOVABLE / RECLAIMABLE", () => {
  const cases = VARIANTS.flatMap((variant) => [
    ["GFP_KERNEL", variant, GFP_KERNEL] as const,
    ["GFP_KERNEL|__GFP_RECLAIMABLE", variant, GFP_KERNEL | __GFP_RECLAIMABLE] as const,
  ]);
  it.each(cases)("%s order 2 (%s): async compaction first, then as the movable row", (_name, variant, gfp) => {
    const ran = run("fragmented", variant, gfp, 2);
    // classic: `if (can_direct_reclaim && can_compact && (costly_order || (order > 0 &&
    // ac->migratetype != MIGRATE_MOVABLE)) && !gfp_pfmemalloc_allowed(gfp_mask))`: compaction at
    // INIT_COMPACT_PRIORITY (ASYNC) before `retry:`. Async direct compaction only takes sources from
    // pageblocks of the request's type; every pageblock is MOVABLE: COMPLETE with nothing
    // isolated, and async failures do not defer. Not costly: compact_priority stays DEF.
    // 7.0: compact_first with compact_priority = INIT; after the failed compaction, not NORETRY:
    // `compact_priority = DEF_COMPACT_PRIORITY; compact_first = false; goto retry;`. Same steps.
    // Then as the movable row: reclaim + SYNC_LIGHT, escalate, reclaim + SYNC_FULL, OOM.
    expect(ran.path).toEqual([
      FAST,
      WOKE,
      FAIL,
      COMPACT("ASYNC", "COMPLETE"),
      WAKE,
      FAIL,
      DR(43),
      COMPACT("SYNC_LIGHT", "COMPLETE"),
      SRR_STOP,
      SCR_RETRY("SYNC_FULL"),
      WAKE,
      FAIL,
      DR(33),
      COMPACT("SYNC_FULL", "COMPLETE"),
      SRR_STOP,
      SCR_STOP,
      OOM_NOTHING,
      NOPAGE_GIVE_UP,
    ]);
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: 3,
        kswapdWakeups: 1,
        directCompactions: 3,
        directCompactPrioAsync: 1,
        directCompactPrioSyncLight: 1,
        directCompactPrioSyncFull: 1,
        directCompactComplete: 3,
        compactStall: 3,
        compactFail: 3,
        deferCompaction: 2,
        directReclaims: 2,
        directReclaimProgress: 2,
        drainAllPagesCalls: 2,
        reclaimRetryChecks: 2,
        compactRetryChecks: 2,
        compactRetries: 1,
        outOfMemory: 1,
      }),
    );
  });

  it(
    "__GFP_MEMALLOC|__GFP_NOMEMALLOC order 2 still gets the initial compaction (classic) — the " +
      "classic condition is `!gfp_pfmemalloc_allowed(gfp_mask)` (research/slowpath.md §1.4) and " +
      "__gfp_pfmemalloc_flags() returns 0 first thing for __GFP_NOMEMALLOC (§1.2), so the request compacts " +
      "before `retry:`; slowpath.ts tests `(gfp & __GFP_MEMALLOC) === 0` and skips it",
    () => {
      const ran = run("fragmented", "classic", GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 2);
      expect(ran.path.slice(0, 5)).toEqual([FAST, WOKE, FAIL, COMPACT("ASYNC", "COMPLETE"), WAKE]);
      expect(ran.counters.directCompactPrioAsync).toBe(1);
    },
  );
});

describe("§2.11 row: orders 1-3, __GFP_NORETRY", () => {
  it.each(VARIANTS)("MOVABLE order 2 (%s): one reclaim, one SYNC_LIGHT compaction, nopage", (variant) => {
    const ran = run("fragmented", variant, GFP_HIGHUSER_MOVABLE | __GFP_NORETRY, 2);
    // No initial compaction (movable, not costly). After reclaim and compaction at DEF
    // (SYNC_LIGHT): `if (gfp_mask & __GFP_NORETRY) goto nopage;`.
    const tail = [DR(43), COMPACT("SYNC_LIGHT", "COMPLETE"), NOPAGE_NORETRY];
    expect(ran.path).toEqual(
      variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...tail] : [FAST, WOKE, FAIL, ...tail],
    );
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: variant === "classic" ? 2 : 1,
        kswapdWakeups: 1,
        directCompactions: 1,
        directCompactPrioSyncLight: 1,
        directCompactComplete: 1,
        compactStall: 1,
        compactFail: 1,
        deferCompaction: 1,
        directReclaims: 1,
        directReclaimProgress: 1,
        drainAllPagesCalls: 1,
      }),
    );
  });

  it("UNMOVABLE order 2 (classic): async compaction, reclaim, SYNC_LIGHT compaction, nopage", () => {
    const ran = run("fragmented", "classic", GFP_KERNEL | __GFP_NORETRY, 2);
    // The costly-NORETRY block after the initial compaction needs costly_order: order 2 keeps
    // compact_priority = DEF_COMPACT_PRIORITY (SYNC_LIGHT) for the compaction after reclaim.
    expect(ran.path).toEqual([
      FAST,
      WOKE,
      FAIL,
      COMPACT("ASYNC", "COMPLETE"),
      WAKE,
      FAIL,
      DR(43),
      COMPACT("SYNC_LIGHT", "COMPLETE"),
      NOPAGE_NORETRY,
    ]);
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: 2,
        kswapdWakeups: 1,
        directCompactions: 2,
        directCompactPrioAsync: 1,
        directCompactPrioSyncLight: 1,
        directCompactComplete: 2,
        compactStall: 2,
        compactFail: 2,
        deferCompaction: 1,
        directReclaims: 1,
        directReclaimProgress: 1,
        drainAllPagesCalls: 1,
      }),
    );
  });

  it("UNMOVABLE order 2 (7.0): the compaction after reclaim stays ASYNC, unlike classic", () => {
    const ran = run("fragmented", "v7", GFP_KERNEL | __GFP_NORETRY, 2);
    // 7.0: compact_first sets compact_priority = INIT_COMPACT_PRIORITY; after the failed first
    // compaction, `if (!(gfp_mask & __GFP_NORETRY)) compact_priority = DEF_COMPACT_PRIORITY;` does
    // not fire: "With __GFP_NORETRY there will be a single round of reclaim and compaction with the
    // lowered priority." Both compactions are async, so neither defers.
    expect(ran.path).toEqual([
      FAST,
      WOKE,
      FAIL,
      COMPACT("ASYNC", "COMPLETE"),
      WAKE,
      FAIL,
      DR(43),
      COMPACT("ASYNC", "COMPLETE"),
      NOPAGE_NORETRY,
    ]);
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: 2,
        kswapdWakeups: 1,
        directCompactions: 2,
        directCompactPrioAsync: 2,
        directCompactComplete: 2,
        compactStall: 2,
        compactFail: 2,
        directReclaims: 1,
        directReclaimProgress: 1,
        drainAllPagesCalls: 1,
      }),
    );
  });
});

describe("§2.11 row: order > 3, no __GFP_NORETRY, no __GFP_RETRY_MAYFAIL", () => {
  const cases = VARIANTS.flatMap((variant) => [
    ["GFP_KERNEL", variant, GFP_KERNEL] as const,
    ["GFP_HIGHUSER_MOVABLE", variant, GFP_HIGHUSER_MOVABLE] as const,
  ]);
  it.each(cases)("%s order 4 (%s): async, reclaim, SYNC_LIGHT, give up without OOM", (_name, variant, gfp) => {
    const ran = run("fragmented", variant, gfp, 4);
    // Costly: initial compaction (classic) / compact_first (7.0) at ASYNC whatever the migratetype.
    // compaction_suit_allocation_order(): for GFP_KERNEL (no ALLOC_CMA) the costly-async check
    // 200 > min 90 + compact_gap(4) 32; compaction_suitable(): 200 > min 90 + 32 + (low - min) 22 =
    // 144, fragmentation_index(4) = 1000 - (1000 + 200*1000/16) / 200 = 1000 - 13500/200 = 933 > 500:
    // CONTINUE; COMPLETE (async: no defer).
    // Direct reclaim, costly: compaction_ready(): __compaction_suitable() at high: 200 > 134 + 32 +
    // 22 = 188 -> skip the zone, `if (sc->compaction_ready) return 1;`: progress 1, drain, fail.
    // Compaction at DEF (SYNC_LIGHT), COMPLETE, deferred. Not NORETRY; `if (costly_order &&
    // (!can_compact || !(gfp_mask & __GFP_RETRY_MAYFAIL))) goto nopage;`: no retry, no OOM.
    expect(ran.path).toEqual([
      FAST,
      WOKE,
      FAIL,
      COMPACT("ASYNC", "COMPLETE"),
      WAKE,
      FAIL,
      DR_READY,
      COMPACT("SYNC_LIGHT", "COMPLETE"),
      NOPAGE_COSTLY,
    ]);
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: 2,
        kswapdWakeups: 1,
        directCompactions: 2,
        directCompactPrioAsync: 1,
        directCompactPrioSyncLight: 1,
        directCompactComplete: 2,
        compactStall: 2,
        compactFail: 2,
        deferCompaction: 1,
        directReclaims: 1,
        directReclaimProgress: 1,
        directReclaimCompactionReady: 1,
        drainAllPagesCalls: 1,
      }),
    );
  });
});

describe("§2.11 row: order > 3, __GFP_RETRY_MAYFAIL", () => {
  it.each(VARIANTS)(
    "GFP_KERNEL|__GFP_RETRY_MAYFAIL order 4 (%s): loops while reclaim can make compaction suitable; never SYNC_FULL, no OOM",
    (variant) => {
      const ran = run("short", variant, GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4);
      // 108 free, 60 page cache.
      // Initial compaction (ASYNC): costly, no ALLOC_CMA: 108 <= min 90 + compact_gap(4) 32 = 122:
      // SKIPPED (no COMPACTSTALL). Not NORETRY: compact_priority stays / becomes DEF (SYNC_LIGHT).
      // Loop 1: compaction_ready(): 108 <= 188 at every pass, reclaim: 33 pages (see the top of
      // this file); should_continue_reclaim() never finds compaction suitable at min (NR_FREE_PAGES
      // still 108, the pages are on the pcp list). Drain: 141 free. SYNC_LIGHT:
      // compaction_suitable(): 141 <= 144: SKIPPED.
      // should_reclaim_retry(): costly always counts no progress (no_progress_loops 1), no order-4
      // block: stop. should_compact_retry(): `if (compact_result == COMPACT_SKIPPED) { ret =
      // compaction_zonelist_suitable(...) }`: available = 27 / 4 + 141 = 147 > 144: retry, priority
      // unchanged.
      // Loop 2: reclaim the last 27 pages; 168 free; SYNC_LIGHT: 168 > 144, fragmentation_index(4) =
      // 1000 - (1000 + 168000/16) / 168 = 1000 - 11500/168 = 932: runs, COMPLETE, deferred.
      // should_reclaim_retry(): no_progress_loops 2, stop. should_compact_retry(): min_priority for
      // costly orders is MIN_COMPACT_COSTLY_PRIORITY (SYNC_LIGHT): no escalation: stop.
      // __alloc_pages_may_oom(): `if (order > PAGE_ALLOC_COSTLY_ORDER) goto out;` (and MAYFAIL too).
      expect(ran.path).toEqual([
        FAST,
        WOKE,
        FAIL,
        COMPACT("ASYNC", "SKIPPED"),
        WAKE,
        FAIL,
        DR(33),
        COMPACT("SYNC_LIGHT", "SKIPPED"),
        SRR_STOP,
        SCR_RETRY("SYNC_LIGHT"),
        WAKE,
        FAIL,
        "direct_reclaim progress 27, drain_all_pages, fail",
        COMPACT("SYNC_LIGHT", "COMPLETE"),
        SRR_STOP,
        SCR_STOP,
        OOM_COSTLY,
        NOPAGE_GIVE_UP,
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 3,
          kswapdWakeups: 1,
          directCompactions: 3,
          directCompactPrioAsync: 1,
          directCompactPrioSyncLight: 2,
          directCompactSkipped: 2,
          directCompactComplete: 1,
          compactStall: 1,
          compactFail: 1,
          deferCompaction: 1,
          directReclaims: 2,
          directReclaimProgress: 2,
          drainAllPagesCalls: 2,
          reclaimRetryChecks: 2,
          compactRetryChecks: 2,
          compactRetries: 1,
        }),
      );
      // The last should_compact_retry() saw SYNC_LIGHT and did not go below it.
      const retries = ran.events.filter((e) => e.name === "compact_retry");
      expect(retries.map((e) => (e.name === "compact_retry" ? [e.priority, e.ret] : []))).toEqual([
        [1, true],
        [1, false],
      ]);
    },
  );

  it(
    "costly direct reclaim goes on past compact_gap(order) pages while the inactive LRU is larger — " +
      "mm/vmscan.c should_continue_reclaim() (≈6.17, research/compaction.md §10) ends with `return " +
      "inactive_lru_pages > pages_for_compaction;`; vmscan.ts shouldContinueReclaim() also requires " +
      "`reclaimedInNode < pagesForCompaction` (the pre-5.x rule) and stops after 32 pages: " +
      "GFP_KERNEL|__GFP_RETRY_MAYFAIL order 4 with 108 free and 200 page cache reclaims more than 32 pages " +
      "in its first pass",
    () => {
      const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(108, 200) }).system;
      const ran = alloc(system, GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4);
      const first = ran.events.find((e) => e.name === "direct_reclaim");
      expect(first?.name === "direct_reclaim" ? first.nr_reclaimed : 0).toBeGreaterThan(32);
    },
  );
});

describe("§2.11 row: order > 3, __GFP_NORETRY", () => {
  const NORETRY_MOVABLE = GFP_HIGHUSER_MOVABLE | __GFP_NORETRY;

  it.each(VARIANTS)(
    "initial compaction runs and fails (%s): one reclaim, one more async compaction, nopage",
    (variant) => {
      const ran = run("fragmented", variant, NORETRY_MOVABLE, 4);
      // classic: `if (costly_order && (gfp_mask & __GFP_NORETRY)) { if (compact_result == COMPACT_SKIPPED
      // || compact_result == COMPACT_DEFERRED) goto nopage; compact_priority = INIT_COMPACT_PRIORITY; }`:
      // COMPLETE, so on with async. 7.0: compact_first, NORETRY keeps INIT. Same steps either way:
      // compaction_ready() reclaim (progress 1, drain), async compaction, `goto nopage`.
      expect(ran.path).toEqual([
        FAST,
        WOKE,
        FAIL,
        COMPACT("ASYNC", "COMPLETE"),
        WAKE,
        FAIL,
        DR_READY,
        COMPACT("ASYNC", "COMPLETE"),
        NOPAGE_NORETRY,
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 2,
          kswapdWakeups: 1,
          directCompactions: 2,
          directCompactPrioAsync: 2,
          directCompactComplete: 2,
          compactStall: 2,
          compactFail: 2,
          directReclaims: 1,
          directReclaimProgress: 1,
          directReclaimCompactionReady: 1,
          drainAllPagesCalls: 1,
        }),
      );
    },
  );

  it("initial compaction SKIPPED, classic: stop at once (order 4 and order 9)", () => {
    // Order 4 on the short zone: compaction_suitable(): 108 <= 144. Order 9 on the fragmented zone:
    // 200 <= min 90 + compact_gap(9) 1024 + 22 = 1136. Both SKIPPED, which
    // __alloc_pages_direct_compact() does not count as a stall; then `goto nopage`.
    for (const [layout, order] of [
      ["short", 4],
      ["fragmented", 9],
    ] as const) {
      const ran = run(layout, "classic", NORETRY_MOVABLE, order);
      expect(ran.path).toEqual([
        FAST,
        WOKE,
        FAIL,
        COMPACT("ASYNC", "SKIPPED"),
        "nopage costly __GFP_NORETRY: initial compaction COMPACT_SKIPPED",
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 1,
          kswapdWakeups: 1,
          directCompactions: 1,
          directCompactPrioAsync: 1,
          directCompactSkipped: 1,
        }),
      );
    }
  });

  it("initial compaction SKIPPED, 7.0: no early stop; reclaim, drain_all_pages and a second async compaction", () => {
    // "mm/page_alloc: ignore the exact initial compaction result": C0 -> W -> F -> DR(+drain) ->
    // C(async) -> fail (kernel-semantics.md §2.11, last line). Order 4: reclaim 33 (compaction_ready()
    // fails at 108), 141 free: still <= 144, SKIPPED again. Order 9: reclaim 43 (the inactive LRU is
    // below compact_gap(9) 1024 throughout), 243 free <= 1136, SKIPPED again.
    for (const [layout, order, reclaimed] of [
      ["short", 4, 33],
      ["fragmented", 9, 43],
    ] as const) {
      const ran = run(layout, "v7", NORETRY_MOVABLE, order);
      expect(ran.path).toEqual([
        FAST,
        WOKE,
        FAIL,
        COMPACT("ASYNC", "SKIPPED"),
        WAKE,
        FAIL,
        DR(reclaimed),
        COMPACT("ASYNC", "SKIPPED"),
        NOPAGE_NORETRY,
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 2,
          kswapdWakeups: 1,
          directCompactions: 2,
          directCompactPrioAsync: 2,
          directCompactSkipped: 2,
          directReclaims: 1,
          directReclaimProgress: 1,
          drainAllPagesCalls: 1,
        }),
      );
    }
  });

  describe("initial compaction DEFERRED", () => {
    /**
     * The fragmented zone after one failed GFP_KERNEL order-4 allocation, whose SYNC_LIGHT
     * compaction COMPLETEd and called defer_compaction(zone, 4): compact_defer_shift 1,
     * compact_considered 0. Then drain_all_pages(NULL) so the migrations' frees are back on the
     * buddy lists. kswapd stays awake from that allocation.
     */
    function deferred(variant: Variant): System {
      const system = apply(zone("fragmented", variant), [
        { kind: "alloc", order: 4, gfp: GFP_KERNEL, cpu: 0 },
        { kind: "drain", cpu: "all" },
      ]);
      expect(system.zone.compaction).toMatchObject({ deferShift: 1, considered: 0 });
      return system;
    }

    it("classic: the deferred async attempt counts a stall, then nopage", () => {
      const ran = alloc(deferred("classic"), NORETRY_MOVABLE, 4);
      // try_to_compact_pages(): prio ASYNC > MIN_COMPACT_PRIORITY and compaction_deferred(): limit
      // 1 << 1 = 2, ++considered = 1 < 2: skip, rc = COMPACT_DEFERRED. __alloc_pages_direct_compact()
      // returns early only for SKIPPED, so COMPACTSTALL and COMPACTFAIL are counted. Then `goto nopage`.
      expect(ran.path).toEqual([
        FAST,
        WAKE,
        FAIL,
        COMPACT("ASYNC", "DEFERRED"),
        "nopage costly __GFP_NORETRY: initial compaction COMPACT_DEFERRED",
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 1,
          directCompactions: 1,
          directCompactPrioAsync: 1,
          directCompactDeferred: 1,
          compactStall: 1,
          compactFail: 1,
          compactionDeferred: 1,
        }),
      );
    });

    it("7.0: the second async attempt is no longer deferred and runs", () => {
      const ran = alloc(deferred("v7"), NORETRY_MOVABLE, 4);
      // Second compaction_deferred(): ++considered = 2 >= 2: considered = 2, run. Async: COMPLETE
      // without deferring again.
      expect(ran.path).toEqual([
        FAST,
        WAKE,
        FAIL,
        COMPACT("ASYNC", "DEFERRED"),
        WAKE,
        FAIL,
        DR_READY,
        COMPACT("ASYNC", "COMPLETE"),
        NOPAGE_NORETRY,
      ]);
      expect(ran.counters).toEqual(
        counters({
          allocFailures: 1,
          wakeAllKswapds: 2,
          directCompactions: 2,
          directCompactPrioAsync: 2,
          directCompactDeferred: 1,
          directCompactComplete: 1,
          compactStall: 2,
          compactFail: 2,
          compactionDeferred: 1,
          directReclaims: 1,
          directReclaimProgress: 1,
          directReclaimCompactionReady: 1,
          drainAllPagesCalls: 1,
        }),
      );
      expect(ran.system.zone.compaction).toMatchObject({ deferShift: 1, considered: 2 });
    });
  });

  it.each(VARIANTS)(
    "GFP_TRANSHUGE|__GFP_NORETRY|__GFP_THISNODE order 4 (%s): 7.0 stops after the first compaction",
    (variant) => {
      const ran = run("fragmented", variant, GFP_TRANSHUGE | __GFP_NORETRY | __GFP_THISNODE, 4);
      // GFP_TRANSHUGE: direct reclaim but no __GFP_KSWAPD_RECLAIM: no wakeups.
      // 7.0: `if (gfp_has_flags(gfp_mask, __GFP_NORETRY | __GFP_THISNODE)) goto nopage;` right after the
      // failed compact_first compaction. classic has no such test: COMPLETE is not SKIPPED/DEFERRED, so
      // it goes on to reclaim and a second async compaction.
      expect(ran.path).toEqual(
        variant === "classic"
          ? [FAST, FAIL, COMPACT("ASYNC", "COMPLETE"), FAIL, DR_READY, COMPACT("ASYNC", "COMPLETE"), NOPAGE_NORETRY]
          : [FAST, FAIL, COMPACT("ASYNC", "COMPLETE"), "nopage __GFP_NORETRY|__GFP_THISNODE after compaction"],
      );
      expect(ran.counters).toEqual(
        variant === "classic"
          ? counters({
              allocFailures: 1,
              directCompactions: 2,
              directCompactPrioAsync: 2,
              directCompactComplete: 2,
              compactStall: 2,
              compactFail: 2,
              directReclaims: 1,
              directReclaimProgress: 1,
              directReclaimCompactionReady: 1,
              drainAllPagesCalls: 1,
            })
          : counters({
              allocFailures: 1,
              directCompactions: 1,
              directCompactPrioAsync: 1,
              directCompactComplete: 1,
              compactStall: 1,
              compactFail: 1,
            }),
      );
    },
  );
});

describe("§2.11 row: __GFP_NOFAIL", () => {
  it.each(VARIANTS)(
    "GFP_KERNEL|__GFP_NOFAIL order 0 (%s): the OOM step hands out a page from the reserves",
    (variant) => {
      const ran = run("low", variant, GFP_KERNEL | __GFP_NOFAIL, 0);
      // As the GFP_KERNEL row up to __alloc_pages_may_oom(): `if (out_of_memory(&oc) ||
      // WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL, gfp_mask)) { *did_some_progress = 1; if (gfp_mask &
      // __GFP_NOFAIL) page = __alloc_pages_cpuset_fallback(gfp_mask, order, ALLOC_NO_WATERMARKS, ac); }`.
      const tail = [DR_NONE, SRR_STOP, OOM_NOTHING, GOT];
      expect(ran.path).toEqual(
        variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...tail] : [FAST, WOKE, FAIL, ...tail],
      );
      expect(ran.outcome.kind).toBe("allocated");
      expect(ran.counters).toEqual(
        counters({
          wakeAllKswapds: variant === "classic" ? 2 : 1,
          kswapdWakeups: 1,
          directReclaims: 1,
          reclaimRetryChecks: 1,
          outOfMemory: 1,
        }),
      );
    },
  );

  it.each(VARIANTS)("GFP_KERNEL|__GFP_NOFAIL|__GFP_NORETRY order 0 (%s): nopage tries the min reserve", (variant) => {
    const ran = run("low", variant, GFP_KERNEL | __GFP_NOFAIL | __GFP_NORETRY, 0);
    // NORETRY -> nopage: `if (unlikely(nofail)) { if (!can_direct_reclaim) goto fail; page =
    // __alloc_pages_cpuset_fallback(gfp_mask, order, ALLOC_MIN_RESERVE, ac); ...}`: min 90 - 45 = 45,
    // 64 free > 45: the page.
    const tail = [DR_NONE, "nofail_fallback pfn #", GOT];
    expect(ran.path).toEqual(
      variant === "classic" ? [FAST, WOKE, FAIL, WAKE, FAIL, ...tail] : [FAST, WOKE, FAIL, ...tail],
    );
    expect(ran.outcome.kind).toBe("allocated");
    expect(ran.counters).toEqual(
      counters({
        wakeAllKswapds: variant === "classic" ? 2 : 1,
        kswapdWakeups: 1,
        directReclaims: 1,
        nofailRetries: 1,
      }),
    );
  });

  it.each(VARIANTS)("GFP_KERNEL|__GFP_NOFAIL order 0 with nothing free (%s): never gives up", (variant) => {
    const ran = run("full", variant, GFP_KERNEL | __GFP_NOFAIL, 0);
    // Each trip: reclaim (nothing), should_reclaim_retry() stop, OOM progress (NOFAIL), the
    // ALLOC_NO_WATERMARKS fallback finds nothing, `no_progress_loops = 0; goto retry;`. The kernel
    // never returns; the model stops at SLOWPATH_LOOP_LIMIT.
    const loops = repeat(SLOWPATH_LOOP_LIMIT, [WAKE, FAIL, DR_NONE, SRR_STOP, OOM_NOTHING]);
    expect(ran.path).toEqual(
      variant === "classic"
        ? [FAST, WOKE, FAIL, ...loops, NOPAGE_LOOP_LIMIT]
        : [FAST, WOKE, ...loops.slice(1), NOPAGE_LOOP_LIMIT],
    );
    expect(ran.counters).toEqual(
      counters({
        allocFailures: 1,
        wakeAllKswapds: SLOWPATH_LOOP_LIMIT + (variant === "classic" ? 1 : 0),
        kswapdWakeups: 1,
        directReclaims: SLOWPATH_LOOP_LIMIT,
        reclaimRetryChecks: SLOWPATH_LOOP_LIMIT,
        outOfMemory: SLOWPATH_LOOP_LIMIT,
      }),
    );
  });

  it.each(VARIANTS)(
    "GFP_ATOMIC|__GFP_NOFAIL order 0 (%s): without direct reclaim it fails like GFP_ATOMIC",
    (variant) => {
      const ran = run("tight", variant, GFP_ATOMIC | __GFP_NOFAIL, 0);
      // nopage: `if (!can_direct_reclaim) goto fail;` (and a WARN at entry): no reserve fallback.
      expect(ran.path).toEqual([FAST, WOKE, FAIL, WAKE, FAIL, NOPAGE_NO_RECLAIM]);
      expect(ran.counters).toEqual(counters({ allocFailures: 1, wakeAllKswapds: 2, kswapdWakeups: 1 }));
    },
  );
});
