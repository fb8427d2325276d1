/**
 * Compaction deferral, mm/compaction.c: after a sync compaction fails, skip the next
 * 1 << compact_defer_shift attempts (at most 64), for orders at or above compact_order_failed.
 *
 * Who defers matters for the thread: only sync compaction (direct at SYNC_LIGHT or SYNC_FULL,
 * and kcompactd) calls defer_compaction(). Async direct compaction, the only kind a costly
 * __GFP_NORETRY allocation runs, never does: its failures do not back off.
 */

import { COMPACT_MAX_DEFER_SHIFT } from "./compaction-types.js";
import { type EventSink, emit } from "./events.js";
import type { ZoneCompaction, ZoneState } from "./zone.js";

function withCompaction(zone: ZoneState, compaction: Partial<ZoneCompaction>): ZoneState {
  return { ...zone, compaction: { ...zone.compaction, ...compaction } };
}

function trace(
  events: EventSink,
  name: "mm_compaction_deferred" | "mm_compaction_defer_compaction" | "mm_compaction_defer_reset",
  zone: ZoneState,
  order: number,
): void {
  const c = zone.compaction;
  emit(events, { name, order, considered: c.considered, defer_shift: c.deferShift, order_failed: c.orderFailed });
}

/** mm/compaction.c defer_compaction() */
export function deferCompaction(zone: ZoneState, order: number, events: EventSink): ZoneState {
  const c = zone.compaction;
  const next = withCompaction(zone, {
    considered: 0,
    deferShift: Math.min(c.deferShift + 1, COMPACT_MAX_DEFER_SHIFT),
    orderFailed: Math.min(c.orderFailed, order),
  });
  trace(events, "mm_compaction_defer_compaction", next, order);
  return next;
}

/**
 * mm/compaction.c compaction_deferred(): true means "skip this time". Not a pure query: each
 * call counts an attempt (compact_considered), saturating at the limit.
 */
export function compactionDeferred(
  zone: ZoneState,
  order: number,
  events: EventSink,
): { zone: ZoneState; deferred: boolean } {
  const c = zone.compaction;
  if (order < c.orderFailed) return { zone, deferred: false };
  const limit = 1 << c.deferShift;
  const considered = c.considered + 1;
  if (considered >= limit) return { zone: withCompaction(zone, { considered: limit }), deferred: false };
  const next = withCompaction(zone, { considered });
  trace(events, "mm_compaction_deferred", next, order);
  return { zone: next, deferred: true };
}

/**
 * mm/compaction.c compaction_defer_reset(): compaction worked (or is expected to). Only a real
 * allocation success forgets the deferral; either way orders up to this one stop being deferred.
 */
export function compactionDeferReset(
  zone: ZoneState,
  order: number,
  allocSuccess: boolean,
  events: EventSink,
): ZoneState {
  const c = zone.compaction;
  const next = withCompaction(zone, {
    ...(allocSuccess ? { considered: 0, deferShift: 0 } : {}),
    orderFailed: order >= c.orderFailed ? order + 1 : c.orderFailed,
  });
  trace(events, "mm_compaction_defer_reset", next, order);
  return next;
}

/** mm/compaction.c compaction_restarting(): deferred to the maximum and the limit reached. */
export function compactionRestarting(zone: ZoneState, order: number): boolean {
  const c = zone.compaction;
  if (order < c.orderFailed) return false;
  return c.deferShift === COMPACT_MAX_DEFER_SHIFT && c.considered >= 1 << c.deferShift;
}
