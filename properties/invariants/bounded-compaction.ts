/**
 * bounded-compaction: how often direct compaction runs.
 *
 * (a) Per allocation call, the number of direct compaction attempts
 *     (__alloc_pages_direct_compact() calls) never exceeds what the request's flags allow
 *     (kernel-semantics.md §2.11): none without __GFP_DIRECT_RECLAIM or at order 0; at most two
 *     for __GFP_NORETRY and for costly orders without __GFP_RETRY_MAYFAIL (the initial one and
 *     the one after reclaim, in both kernel variants); and a costly __GFP_RETRY_MAYFAIL request
 *     never escalates past COMPACT_PRIO_SYNC_LIGHT. The looping classes (non-costly, or
 *     MAYFAIL) have no fixed bound: they retry as long as reclaim makes progress.
 *
 * (b) Across calls, Matthew Wilcox's rule from the thread (2026-05-03): "We really should only
 *     try compaction once. If it didn't make useful progress last time, it won't this time
 *     either." Once a direct compaction for an order has scanned and failed, another direct
 *     compaction for that order that scans is a violation, unless in between memory that could
 *     form a block of that order was freed: at least 2^order pages freed outside compaction
 *     (by frees, reclaim, exits), or a compaction for that order succeeded.
 *
 * Baseline is expected to violate (b): async compaction failures never defer (§3.1), so every
 * costly __GFP_NORETRY allocation on a fragmented zone scans again. That is a finding.
 */

import { COMPACT_PRIO_SYNC_FULL, COMPACT_PRIORITY_NAMES } from "../../model/compaction-types.js";
import type { TraceEvent } from "../../model/events.js";
import { __GFP_DIRECT_RECLAIM, __GFP_NORETRY, __GFP_RETRY_MAYFAIL, formatGfp } from "../../model/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../../model/migratetype.js";
import { type Invariant, type Observer, type Violation, violation } from "./invariant.js";

/** The property's id; its two halves are separate invariants so each can be tested on its own. */
export const BOUNDED_COMPACTION = "bounded-compaction";
const PER_CALL = "bounded-compaction/per-call";
const ACROSS_CALLS = "bounded-compaction/across-calls";

/** The most __alloc_pages_direct_compact() calls one allocation may make, or undefined if unbounded. */
export function directCompactionBound(gfp: number, order: number): number | undefined {
  if ((gfp & __GFP_DIRECT_RECLAIM) === 0 || order === 0) return 0;
  if ((gfp & __GFP_NORETRY) !== 0) return 2;
  if (order > PAGE_ALLOC_COSTLY_ORDER && (gfp & __GFP_RETRY_MAYFAIL) === 0) return 2;
  return undefined;
}

type DirectCompact = Extract<TraceEvent, { name: "direct_compact" }>;

function scanned(e: DirectCompact): boolean {
  return e.migrate_scanned + e.free_scanned > 0;
}

interface Window {
  /** The step of the failed compaction that opened it. */
  readonly step: number;
  /** Pages freed outside compaction since then. */
  readonly freedSince: number;
}

export const boundedCompactionPerCall: Invariant = {
  id: PER_CALL,
  statement:
    "Per allocation, direct compaction attempts stay within what the gfp flags allow (kernel-semantics.md §2.11).",
  source: "mm/page_alloc.c __alloc_pages_slowpath(), should_compact_retry()",
  check(ctx) {
    const out: Violation[] = [];
    if (ctx.op.kind !== "alloc") return out;
    const attempts = ctx.events.filter((e): e is DirectCompact => e.name === "direct_compact");
    const bound = directCompactionBound(ctx.op.gfp, ctx.op.order);
    if (bound !== undefined && attempts.length > bound) {
      out.push(
        violation(
          PER_CALL,
          ctx.stepIndex,
          `order-${ctx.op.order} ${formatGfp(ctx.op.gfp)} made ${attempts.length} direct compaction attempts; its flags allow ${bound}`,
          [],
          `<= ${bound}`,
          attempts.length,
        ),
      );
    }
    const costlyMayfail = ctx.op.order > PAGE_ALLOC_COSTLY_ORDER && (ctx.op.gfp & __GFP_RETRY_MAYFAIL) !== 0;
    const full = attempts.find((e) => e.prio === COMPACT_PRIO_SYNC_FULL);
    if (costlyMayfail && full !== undefined) {
      out.push(
        violation(
          PER_CALL,
          ctx.stepIndex,
          `costly order-${ctx.op.order} __GFP_RETRY_MAYFAIL compacted at ${COMPACT_PRIORITY_NAMES[COMPACT_PRIO_SYNC_FULL]}; costly orders stop at COMPACT_PRIO_SYNC_LIGHT`,
          [],
          "COMPACT_PRIO_SYNC_LIGHT or lighter",
          COMPACT_PRIORITY_NAMES[full.prio],
        ),
      );
    }
    return out;
  },
};

export const boundedCompactionAcrossCalls: Invariant = {
  id: ACROSS_CALLS,
  statement:
    "A failed direct compaction is not repeated for the same order until memory that could form such a block was freed.",
  source: "mm/compaction.c try_to_compact_pages(), defer_compaction(); Matthew Wilcox, 2026-05-03",
  observer: {
    initial: new Map<number, Window>() as ReadonlyMap<number, Window>,
    observe(memory, ctx) {
      const windows = new Map(memory as ReadonlyMap<number, Window>);
      const out: Violation[] = [];
      // Walk the step's events in order: frees between compactions count, compaction's own do not.
      let inCompaction = false;
      for (const e of ctx.events) {
        if (e.name === "mm_compaction_begin") inCompaction = true;
        else if (e.name === "mm_compaction_end") inCompaction = false;
        else if (e.name === "mm_page_free" && !inCompaction) {
          for (const [order, window] of windows)
            windows.set(order, { ...window, freedSince: window.freedSince + 2 ** e.order });
        } else if (e.name === "direct_compact") {
          const open = windows.get(e.order);
          if (open !== undefined && open.freedSince >= 2 ** e.order) windows.delete(e.order);
          const stillOpen = windows.get(e.order);
          if (scanned(e) && stillOpen !== undefined) {
            out.push(
              violation(
                ACROSS_CALLS,
                ctx.stepIndex,
                `order-${e.order} direct compaction scanned again (${e.migrate_scanned} + ${e.free_scanned} pages) after the one at step ${stillOpen.step} failed, with only ${stillOpen.freedSince} pages freed since`,
                [],
                `no rescan until ${2 ** e.order} pages are freed`,
                `rescan after ${stillOpen.freedSince}`,
              ),
            );
          }
          if (e.success) windows.delete(e.order);
          else if (scanned(e)) windows.set(e.order, { step: ctx.stepIndex, freedSince: 0 });
        }
      }
      return { memory: windows as ReadonlyMap<number, Window>, violations: out };
    },
  } as Observer<ReadonlyMap<number, Window>> as Observer<unknown>,
};
