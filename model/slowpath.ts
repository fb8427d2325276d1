/**
 * mm/page_alloc.c __alloc_pages_slowpath(): what an allocation does when the fast path failed.
 * An explicit state machine, one function per kernel helper, both in the "classic" shape
 * (up to 6.19, [V]) and in the 7.0 shape after Vlastimil Babka's restructuring (compact_first,
 * no early exit after the initial compaction, one-shot reserves retry; kernel-semantics.md
 * §2.4, read from a 6.19-era tree that carries the three commits).
 *
 * Every step taken is emitted as an `alloc_step` event, so a test can assert the exact path
 * and a replay can show it. The allocating task is an ordinary task: not a reclaimer
 * (PF_MEMALLOC), not an OOM victim, not real-time, not in interrupt context. cpusets and
 * memory policies are not modelled (one node, one zone), so the cpuset/zonelist "restart"
 * checks never fire.
 */

import {
  ALLOC_CMA,
  ALLOC_CPUSET,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_WMARK_HIGH,
  type AllocFlags,
  gfpPfmemallocFlags,
  gfpToAllocFlags,
} from "./alloc-flags.js";
import { tryToCompactPages } from "./compaction.js";
import { compactionDeferReset } from "./compaction-defer.js";
import {
  COMPACT_PRIORITY_NAMES,
  type CompactPriority,
  type CompactResult,
  DEF_COMPACT_PRIORITY,
  INIT_COMPACT_PRIORITY,
} from "./compaction-types.js";
import { type AllocStepName, countVmEvent, type EventSink, emit } from "./events.js";
import {
  __GFP_DIRECT_RECLAIM,
  __GFP_FS,
  __GFP_HARDWALL,
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  type GfpMask,
  gfpCompactionAllowed,
  gfpMigratetype,
} from "./gfp.js";
import type { BackgroundState } from "./kcompactd.js";
import { wakeupKcompactd } from "./kcompactd.js";
import type { KernelOptions } from "./kernel-options.js";
import { wakeupKswapd } from "./kswapd.js";
import { MIGRATE_MOVABLE, type Migratetype, PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { getPageFromFreelist, unreserveHighatomicPageblock } from "./page-alloc.js";
import { pageProbe } from "./page-owner.js";
import { drainAllPages } from "./pcp.js";
import { POLICY_HELPERS } from "./policies/helpers.js";
import type { Policy } from "./policies/policy.js";
import { shouldCompactRetry, shouldReclaimRetry } from "./reclaim-retry.js";
import { tryToFreePages, zoneReclaimablePages } from "./vmscan.js";
import { type ZoneState, zoneFreeAndPcpPages } from "./zone.js";
import { hasFault } from "./zone-config.js";

/**
 * The kernel loops for as long as reclaim or the OOM killer make progress, and forever for
 * __GFP_NOFAIL. The model stops after this many trips round the retry loop and reports the
 * allocation as failed with a `nopage` step saying so; no realistic op sequence gets near it.
 */
export const SLOWPATH_LOOP_LIMIT = 64;

export interface AllocContext {
  readonly gfp: GfpMask;
  readonly order: number;
  readonly cpu: number;
  readonly migratetype: Migratetype;
  /** Another CPU holds pcpu_drain_mutex, so this task's drain_all_pages(NULL) is a no-op. */
  readonly drainMutexBusy: boolean;
  /** vm.defrag_mode (KernelOptions.defragMode), which get_page_from_freelist() consults. */
  readonly defragMode: boolean;
}

export interface SlowpathResult {
  readonly state: BackgroundState;
  readonly pfn: number | undefined;
}

/** The allocation's running state, threaded through the helpers below. */
interface Run {
  state: BackgroundState;
  readonly ctx: AllocContext;
  readonly kernel: KernelOptions;
  readonly policy: Policy;
  readonly events: EventSink;
}

const NO_SCAN = { migrateScanned: 0, freeScanned: 0, isolated: 0, migrated: 0, failed: 0 };

/**
 * The compact-once policy's memo: a direct compaction of this order failed, and fewer than
 * 2^order pages were freed outside compaction since.
 */
function rememberedFailure(state: BackgroundState, order: number, policy: Policy): boolean {
  if (policy.slowpath?.compactOnce !== true) return false;
  const failedAt = state.zone.compaction.failedAt[order];
  return failedAt !== undefined && state.zone.pagesFreed - failedAt < 2 ** order;
}

/**
 * The compact-once policy's memory (gfpcheck's design, not a kernel mechanism): a failed direct
 * compaction of `order` is stamped with the zone's pagesFreed count; a success clears it.
 */
function rememberCompaction(zone: ZoneState, order: number, succeeded: boolean): ZoneState {
  const failedAt = zone.compaction.failedAt.slice();
  failedAt[order] = succeeded ? undefined : zone.pagesFreed;
  return { ...zone, compaction: { ...zone.compaction, failedAt } };
}

function step(run: Run, name: AllocStepName, detail = ""): void {
  emit(run.events, { name: "alloc_step", step: name, order: run.ctx.order, detail });
}

/** mm/page_alloc.c wake_all_kswapds() (one node) */
function wakeAllKswapds(run: Run, gfp: GfpMask): void {
  const order = run.kernel.defragMode ? Math.max(run.ctx.order, run.state.zone.config.pageblockOrder) : run.ctx.order;
  const woke = wakeupKswapd(run.state, gfp, order, run.kernel.defragMode, run.events);
  run.state = woke.state;
  step(run, "wake_all_kswapds", woke.kswapdWoken ? "kswapd woken" : woke.kcompactdWoken ? "kcompactd woken" : "");
}

/**
 * get_page_from_freelist(), plus the kswapd wakeup rmqueue() owes when it found
 * ZONE_BOOSTED_WATERMARK set (wakeup_kswapd(zone, 0, 0, ...)).
 */
export function freelistAttempt(
  state: BackgroundState,
  order: number,
  allocFlags: AllocFlags,
  ctx: AllocContext,
  events: EventSink,
) {
  const result = getPageFromFreelist(
    state.zone,
    {
      order,
      allocFlags,
      migratetype: ctx.migratetype,
      cpu: ctx.cpu,
      probe: pageProbe(state.owners),
      defragMode: ctx.defragMode,
    },
    events,
  );
  // Only the background fields, as a literal: `state` is often a whole System, which a spread
  // would copy field by field on every allocation (all a caller reads back is these three).
  let next: BackgroundState = { zone: result.zone, owners: state.owners, node: state.node };
  if (result.wakeKswapdForBoost) next = wakeupKswapd(next, 0, 0, ctx.defragMode, events).state;
  return { state: next, pfn: result.pfn };
}

/** One get_page_from_freelist() pass of the slow path, traced as an alloc_step. */
function tryFreelist(
  run: Run,
  allocFlags: AllocFlags,
  name: AllocStepName = "get_page_from_freelist",
): number | undefined {
  const attempt = freelistAttempt(run.state, run.ctx.order, allocFlags, run.ctx, run.events);
  run.state = attempt.state;
  step(run, name, attempt.pfn === undefined ? "fail" : `pfn ${attempt.pfn}`);
  return attempt.pfn;
}

/**
 * mm/page_alloc.c __alloc_pages_direct_compact(): compact, then take the captured page or try
 * the free lists. COMPACTSTALL counts every attempt that was not SKIPPED; success forgets
 * the zone's deferral.
 */
function directCompact(
  run: Run,
  allocFlags: AllocFlags,
  prio: CompactPriority,
): { pfn: number | undefined; result: CompactResult } {
  const { order, gfp, cpu } = run.ctx;
  if (order === 0) return { pfn: undefined, result: "COMPACT_SKIPPED" };
  const freeBefore = zoneFreeAndPcpPages(run.state.zone);
  const compacted = rememberedFailure(run.state, order, run.policy)
    ? { state: run.state, result: "COMPACT_DEFERRED" as CompactResult, captured: undefined, stats: NO_SCAN, ran: false }
    : tryToCompactPages(run.state, gfp, order, allocFlags, prio, cpu, run.events);
  run.state = { ...run.state, ...compacted.state };
  const result = compacted.result;
  let pfn: number | undefined;
  if (result !== "COMPACT_SKIPPED") {
    countVmEvent(run.events, "COMPACTSTALL");
    pfn = compacted.captured;
    if (pfn === undefined) {
      const attempt = freelistAttempt(run.state, order, allocFlags, run.ctx, run.events);
      run.state = attempt.state;
      pfn = attempt.pfn;
    }
    if (pfn !== undefined) {
      const zone = { ...run.state.zone, compaction: { ...run.state.zone.compaction, blockskipFlush: false } };
      run.state = { ...run.state, zone: compactionDeferReset(zone, order, true, run.events) };
      countVmEvent(run.events, "COMPACTSUCCESS");
    } else {
      countVmEvent(run.events, "COMPACTFAIL");
    }
  }
  if (
    run.policy.slowpath?.compactOnce === true &&
    compacted.ran &&
    !hasFault(run.state.zone.config, "compact-once-forgets")
  ) {
    run.state = { ...run.state, zone: rememberCompaction(run.state.zone, order, pfn !== undefined) };
  }
  emit(run.events, {
    name: "direct_compact",
    order,
    prio,
    result,
    migrate_scanned: compacted.stats.migrateScanned,
    free_scanned: compacted.stats.freeScanned,
    migrated: compacted.stats.migrated,
    captured: compacted.captured !== undefined,
    success: pfn !== undefined,
    free_pages_before: freeBefore,
    free_pages_after: zoneFreeAndPcpPages(run.state.zone),
  });
  step(run, "direct_compact", `${COMPACT_PRIORITY_NAMES[prio]} ${result}${pfn === undefined ? "" : ` pfn ${pfn}`}`);
  return { pfn, result };
}

/**
 * mm/page_alloc.c __alloc_pages_direct_reclaim(): reclaim; if that made progress but the free
 * lists still fail, give back a highatomic block, drain every CPU's pcp lists (the only
 * drain_all_pages() in the allocation path) and try once more.
 */
function directReclaim(run: Run, allocFlags: AllocFlags): { pfn: number | undefined; progress: number } {
  const { order, gfp, cpu, migratetype } = run.ctx;
  const reclaimed = tryToFreePages(run.state, order, gfp, cpu, run.events);
  run.state = { ...run.state, ...reclaimed.state };
  // Any reclaim progress makes the node worth kswapd's effort again.
  if (reclaimed.nrReclaimed > 0 && run.state.node.kswapd.failures > 0) {
    run.state = { ...run.state, node: { ...run.state.node, kswapd: { ...run.state.node.kswapd, failures: 0 } } };
  }
  if (reclaimed.progress === 0) {
    step(run, "direct_reclaim", "no progress");
    return { pfn: undefined, progress: 0 };
  }
  let attempt = freelistAttempt(run.state, order, allocFlags, run.ctx, run.events);
  run.state = attempt.state;
  let detail = `progress ${reclaimed.progress}`;
  if (attempt.pfn === undefined) {
    const unreserved = unreserveHighatomicPageblock(run.state.zone, migratetype, false, run.events);
    const zone = drainAllPages(
      unreserved.zone,
      { caller: "direct_reclaim", mutexBusy: run.ctx.drainMutexBusy },
      run.events,
    );
    run.state = { ...run.state, zone };
    attempt = freelistAttempt(run.state, order, allocFlags, run.ctx, run.events);
    run.state = attempt.state;
    detail += ", drain_all_pages";
  }
  step(run, "direct_reclaim", `${detail}${attempt.pfn === undefined ? ", fail" : `, pfn ${attempt.pfn}`}`);
  return { pfn: attempt.pfn, progress: reclaimed.progress };
}

/**
 * mm/page_alloc.c __alloc_pages_may_oom(): one last try at the high watermark, then the OOM
 * killer for the requests it can help (order <= 3, not RETRY_MAYFAIL or THISNODE). The model
 * has no processes to kill yet: out_of_memory() reports progress only for !__GFP_FS requests,
 * which it never kills for ([R]: "The OOM killer does not compensate for IO-less reclaim").
 */
function mayOom(run: Run): { pfn: number | undefined; progress: boolean } {
  const { order, gfp } = run.ctx;
  const attempt = freelistAttempt(
    run.state,
    order,
    ALLOC_WMARK_HIGH | ALLOC_CPUSET,
    { ...run.ctx, gfp: (gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM },
    run.events,
  );
  run.state = attempt.state;
  if (attempt.pfn !== undefined) {
    step(run, "may_oom", `high-watermark attempt: pfn ${attempt.pfn}`);
    return { pfn: attempt.pfn, progress: false };
  }
  if (order > PAGE_ALLOC_COSTLY_ORDER) {
    step(run, "may_oom", "skipped: the OOM killer does not help costly orders");
    return { pfn: undefined, progress: false };
  }
  if ((gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE)) !== 0) {
    step(run, "may_oom", "skipped: __GFP_RETRY_MAYFAIL or __GFP_THISNODE");
    return { pfn: undefined, progress: false };
  }
  const noFs = (gfp & __GFP_FS) === 0;
  emit(run.events, { name: "out_of_memory", order, gfp_mask: gfp, killed: false });
  let progress = noFs;
  let pfn: number | undefined;
  if ((gfp & __GFP_NOFAIL) !== 0) {
    progress = true;
    // Help non-failing allocations by giving them access to memory reserves.
    const fallback = freelistAttempt(run.state, order, ALLOC_NO_WATERMARKS | ALLOC_CPUSET, run.ctx, run.events);
    run.state = fallback.state;
    pfn = fallback.pfn;
  }
  step(run, "may_oom", `out_of_memory: ${noFs ? "no kill for !__GFP_FS, progress" : "nothing to kill"}`);
  return { pfn, progress };
}

/** Does the request qualify for compaction before reclaim? (costly, or high-order and non-movable) */
function wantsCompactionFirst(order: number, migratetype: Migratetype): boolean {
  return order > PAGE_ALLOC_COSTLY_ORDER || (order > 0 && migratetype !== MIGRATE_MOVABLE);
}

const TASK_CONTEXT = { pfMemalloc: false, inInterrupt: false, oomVictim: false } as const;

/** gfp_pfmemalloc_allowed(): may this request dip into the memory reserves at all? */
function gfpPfmemallocAllowed(gfp: GfpMask): boolean {
  return gfpPfmemallocFlags(gfp, TASK_CONTEXT) !== 0;
}

/** nopage's "goto retry" for __GFP_NOFAIL. */
const RETRY = Symbol("retry");

/** mm/page_alloc.c __alloc_pages_slowpath() */
export function allocPagesSlowpath(
  state: BackgroundState,
  requested: AllocContext,
  kernel: KernelOptions,
  policy: Policy,
  events: EventSink,
): SlowpathResult {
  // A policy may change the gfp before anything in the slow path looks at it.
  const entryGfp = policy.slowpath?.entryGfp;
  const ctx: AllocContext = entryGfp
    ? { ...requested, gfp: entryGfp({ gfp: requested.gfp, order: requested.order }, POLICY_HELPERS) }
    : requested;
  const run: Run = { state, ctx, kernel, policy, events };
  const { gfp, order, migratetype } = ctx;
  const v7 = kernel.kernelVariant === "v7";
  const canDirectReclaim = (gfp & __GFP_DIRECT_RECLAIM) !== 0;
  // 7.0 folds "can reclaim" into can_compact; classic checks both where it compacts.
  const canCompact = v7 ? canDirectReclaim && gfpCompactionAllowed(gfp) : gfpCompactionAllowed(gfp);
  const nofail = (gfp & __GFP_NOFAIL) !== 0;
  const costly = order > PAGE_ALLOC_COSTLY_ORDER;
  const got = (pfn: number): SlowpathResult => {
    step(run, "got_pg", `pfn ${pfn}`);
    return { state: run.state, pfn };
  };
  const fail = (why: string): SlowpathResult => {
    step(run, "nopage", why);
    return { state: run.state, pfn: undefined };
  };

  let compactionRetries = 0;
  let noProgressLoops = 0;
  let compactResult: CompactResult = "COMPACT_SKIPPED";
  let compactPriority: CompactPriority = DEF_COMPACT_PRIORITY;
  let didSomeProgress = 0;
  let compactFirst = false;
  let canRetryReserves = true;
  let allocFlags = gfpToAllocFlags(gfp, order, {
    highatomicNeedsMinReserve: kernel.highatomicNeedsMinReserve,
    rtTask: false,
    defragMode: kernel.defragMode,
  });

  if (v7) {
    // Costly requests likely have the base pages and only need them moved; non-movable
    // high-order ones compact first to avoid fragmenting.
    if (canCompact && wantsCompactionFirst(order, migratetype)) {
      compactFirst = true;
      compactPriority = INIT_COMPACT_PRIORITY;
    }
  } else {
    if ((allocFlags & ALLOC_KSWAPD) !== 0) wakeAllKswapds(run, gfp);
    const first = tryFreelist(run, allocFlags);
    if (first !== undefined) return got(first);
    const initialCompaction =
      canDirectReclaim && canCompact && wantsCompactionFirst(order, migratetype) && !gfpPfmemallocAllowed(gfp);
    // The classic slow path compacts before its retry loop, so a policy that means to act before
    // any direct compaction (the v3 patch, written for the 7.x loop) decides here first.
    const bail = initialCompaction ? policyBailOut() : undefined;
    if (bail !== undefined && bail !== RETRY) return bail;
    if (initialCompaction && bail === undefined) {
      const initial = directCompact(run, allocFlags, INIT_COMPACT_PRIORITY);
      compactResult = initial.result;
      if (initial.pfn !== undefined) return got(initial.pfn);
      if (costly && (gfp & __GFP_NORETRY) !== 0) {
        // Compaction failed for lack of memory or was deferred: reclaim is unlikely to help
        // (and very expensive), so give up now.
        if (compactResult === "COMPACT_SKIPPED" || compactResult === "COMPACT_DEFERRED") {
          return fail(`costly __GFP_NORETRY: initial compaction ${compactResult}`);
        }
        // Reclaim and compaction are worth a try, but keep compaction async.
        compactPriority = INIT_COMPACT_PRIORITY;
      }
    }
  }

  for (let loops = 0; ; loops++) {
    if (loops >= SLOWPATH_LOOP_LIMIT) return fail(`model loop limit (${SLOWPATH_LOOP_LIMIT} retries) reached`);
    // retry:
    if ((allocFlags & ALLOC_KSWAPD) !== 0) wakeAllKswapds(run, gfp);
    if (v7) {
      const page = tryFreelist(run, allocFlags);
      if (page !== undefined) return got(page);
    }
    const reserveFlags = gfpPfmemallocFlags(gfp, TASK_CONTEXT);
    if (reserveFlags !== 0) {
      allocFlags =
        reserveFlags | (gfpMigratetype(gfp) === MIGRATE_MOVABLE ? ALLOC_CMA : 0) | (allocFlags & ALLOC_KSWAPD);
    }
    if ((allocFlags & ALLOC_CPUSET) === 0 || reserveFlags !== 0) {
      // v7: the first time reserves or cpuset-ignoring apply, retry the free lists at once.
      if (v7 && canRetryReserves) {
        canRetryReserves = false;
        continue;
      }
    }
    if (!v7) {
      const page = tryFreelist(run, allocFlags);
      if (page !== undefined) return got(page);
    }
    if (!canDirectReclaim) {
      const np = nopage(run, nofail, canDirectReclaim, "no __GFP_DIRECT_RECLAIM");
      if (np === RETRY) continue;
      return np;
    }

    // The policies' decision point: after the PF_MEMALLOC check, before any direct reclaim or
    // compaction of this loop (where the v3 patch put its costly-NORETRY bail-out).
    {
      const np = policyBailOut();
      if (np === RETRY) continue;
      if (np !== undefined) return np;
    }

    if (!compactFirst) {
      const reclaimed = directReclaim(run, allocFlags);
      didSomeProgress = reclaimed.progress;
      if (reclaimed.pfn !== undefined) return got(reclaimed.pfn);
    }
    const compacted = directCompact(run, allocFlags, compactPriority);
    compactResult = compacted.result;
    if (compacted.pfn !== undefined) return got(compacted.pfn);

    if (compactFirst) {
      // THP-style local-only requests may compact but not reclaim.
      if ((gfp & (__GFP_NORETRY | __GFP_THISNODE)) === (__GFP_NORETRY | __GFP_THISNODE)) {
        {
          const np = nopage(run, nofail, canDirectReclaim, "__GFP_NORETRY|__GFP_THISNODE after compaction");
          if (np === RETRY) continue;
          return np;
        }
      }
      // The initial attempt was async; retries (if allowed) go back to the default priority.
      // NORETRY gets one round of reclaim and compaction at the lowered priority.
      if ((gfp & __GFP_NORETRY) === 0) compactPriority = DEF_COMPACT_PRIORITY;
      compactFirst = false;
      continue;
    }

    const neverGivesUp = hasFault(run.state.zone.config, "slowpath-never-gives-up");
    if ((gfp & __GFP_NORETRY) !== 0 && !neverGivesUp) {
      const np = nopage(run, nofail, canDirectReclaim, "__GFP_NORETRY");
      if (np === RETRY) continue;
      return np;
    }
    if (costly && (!canCompact || (gfp & __GFP_RETRY_MAYFAIL) === 0) && !neverGivesUp) {
      {
        const np = nopage(run, nofail, canDirectReclaim, "costly order without __GFP_RETRY_MAYFAIL");
        if (np === RETRY) continue;
        return np;
      }
    }

    const reclaimable = zoneReclaimablePages(run.state.owners);
    const reclaimRetry = shouldReclaimRetry(
      run.state.zone,
      order,
      allocFlags,
      didSomeProgress > 0,
      noProgressLoops,
      reclaimable,
      events,
    );
    noProgressLoops = reclaimRetry.noProgressLoops;
    let retryReclaim = reclaimRetry.retry;
    if (!retryReclaim) {
      // Before OOM, exhaust the highatomic reserve.
      const unreserved = unreserveHighatomicPageblock(run.state.zone, migratetype, true, events);
      run.state = { ...run.state, zone: unreserved.zone };
      retryReclaim = unreserved.unreserved;
    }
    step(run, "should_reclaim_retry", retryReclaim ? "retry" : "stop");
    if (retryReclaim) continue;

    if (didSomeProgress > 0 && canCompact) {
      const compactRetry = shouldCompactRetry(
        run.state.zone,
        order,
        compactResult,
        compactPriority,
        compactionRetries,
        reclaimable,
        events,
      );
      compactPriority = compactRetry.priority;
      compactionRetries = compactRetry.compactionRetries;
      step(
        run,
        "should_compact_retry",
        compactRetry.retry ? `retry at ${COMPACT_PRIORITY_NAMES[compactPriority]}` : "stop",
      );
      if (compactRetry.retry) continue;
    }

    // vm.defrag_mode (6.15+): reclaim and compaction failed to prevent the fallback; allow it now.
    if (kernel.defragMode && (allocFlags & ALLOC_NOFRAGMENT) !== 0) {
      allocFlags &= ~ALLOC_NOFRAGMENT;
      continue;
    }

    const oom = mayOom(run);
    if (oom.pfn !== undefined) return got(oom.pfn);
    if (oom.progress) {
      noProgressLoops = 0;
      continue;
    }
    {
      const np = nopage(run, nofail, canDirectReclaim, "reclaim, compaction and the OOM killer made no progress");
      if (np === RETRY) continue;
      return np;
    }
  }

  /**
   * The policy's SlowpathHooks.beforeReclaimOrCompaction: undefined to carry on, else nopage's
   * answer (the failure, or RETRY for __GFP_NOFAIL), after waking kcompactd if the policy says so.
   */
  function policyBailOut(): SlowpathResult | typeof RETRY | undefined {
    const decision = policy.slowpath?.beforeReclaimOrCompaction?.({ gfp, order }, POLICY_HELPERS) ?? "continue";
    if (decision === "continue") return undefined;
    if (decision === "wake-kcompactd-and-nopage") {
      const woke = wakeupKcompactd(run.state, order, run.kernel.defragMode, events);
      run.state = woke.state;
      step(run, "wakeup_kcompactd", woke.woken ? "woken" : "not woken (awake already, or compaction would not run)");
    }
    return nopage(run, nofail, canDirectReclaim, `policy ${policy.id}: ${decision}`);
  }

  /** nopage: __GFP_NOFAIL never gives up while it can reclaim; it tries the reserves and loops. */
  function nopage(r: Run, noFail: boolean, canReclaim: boolean, why: string): SlowpathResult | typeof RETRY {
    if (noFail && canReclaim) {
      // Some access to reserves, but not ALLOC_NO_WATERMARKS, which would deplete everything.
      const fallback = freelistAttempt(r.state, order, ALLOC_MIN_RESERVE | ALLOC_CPUSET, r.ctx, r.events);
      r.state = fallback.state;
      step(r, "nofail_fallback", fallback.pfn === undefined ? `${why}; retry` : `pfn ${fallback.pfn}`);
      if (fallback.pfn !== undefined) return got(fallback.pfn);
      return RETRY;
    }
    return fail(why);
  }
}
