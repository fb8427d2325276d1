/**
 * The freelist level of mm/page_alloc.c: rmqueue(), get_page_from_freelist(), the free entry
 * points, the highatomic reserve, and the zone as boot leaves it. The allocation state machine
 * built on top (fast path, slow path) is in alloc-pages.ts and slowpath.ts.
 *
 * Every exported function here runs its whole operation on one ZoneDraft (zone.ts) and returns
 * the closed draft: an allocation or a free copies the zone's structures once, however many
 * pages it moves between the pcp and the buddy lists.
 */

import {
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_WMARK_HIGH,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  type AllocFlags,
} from "./alloc-flags.js";
import { type CaptureControl, moveToFreeListDraft, rmqueueSmallestDraft, splitLargeBuddyDraft } from "./buddy.js";
import { type EventSink, emit } from "./events.js";
import { moveFreepagesBlockDraft, type PageProbe, rmqueueFromFreeListsDraft } from "./fallback.js";
import { MIGRATE_HIGHATOMIC, type Migratetype, migratetypeIsMergeable } from "./migratetype.js";
import { freeToPcpDraft, rmqueuePcplistDraft } from "./pcp.js";
import { pcpAllowedOrder } from "./pcp-index.js";
import { zoneWatermarkFast } from "./watermark.js";
import {
  closeZoneDraft,
  draftChangePageblockRange,
  draftFields,
  emptyZone,
  freeList,
  getPfnblockMigratetype,
  openZoneDraft,
  pageblockNrPages,
  wmarkPages,
  type ZoneConfigInput,
  type ZoneDraft,
  type ZoneState,
} from "./zone.js";
import { hasFault } from "./zone-config.js";

/** enum zone_watermarks WMARK_PROMO: no ALLOC_WMARK_* flag names it, but ALLOC_WMARK_MASK lets it through. */
const WMARK_PROMO = 3;

/**
 * wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK): the watermark the flags ask for, plus the
 * boost. A switch on the index rather than `watermark[name]`: a load by a varying key goes
 * through V8's generic (megamorphic) path, once per get_page_from_freelist() pass.
 */
function allocFlagsWmarkPages(zone: ZoneState, allocFlags: AllocFlags): number {
  const watermark = zone.watermark;
  switch (allocFlags & ALLOC_WMARK_MASK) {
    case ALLOC_WMARK_LOW:
      return watermark.low + zone.watermarkBoost;
    case ALLOC_WMARK_HIGH:
      return watermark.high + zone.watermarkBoost;
    case WMARK_PROMO:
      return watermark.promo + zone.watermarkBoost;
    default:
      return watermark.min + zone.watermarkBoost;
  }
}

/**
 * The zone after boot: memblock frees memory in the largest aligned chunks (at most
 * MAX_PAGE_ORDER), each through __free_pages_core() -> __free_pages_ok(FPI_TO_TAIL), so the
 * free lists hold MOVABLE blocks in pfn order. mm/mm_init.c memmap_init_range() has already
 * made every pageblock MOVABLE.
 */
export function bootZone(input: ZoneConfigInput = {}): ZoneState {
  // Planted faults are switched on once boot is done, like fail_page_alloc through debugfs:
  // a broken mechanism should show up in the ops under test, not in the starting state.
  const faults = input.faults ?? [];
  const draft = openZoneDraft(emptyZone({ ...input, faults: [] }));
  const { nrPages, maxPageOrder } = draft.zone.config;
  // mm/memblock.c __free_pages_memory(): the largest order the start is aligned to, that fits.
  for (let start = 0; start < nrPages; ) {
    let order = Math.min(maxPageOrder, start === 0 ? maxPageOrder : Math.log2(start & -start));
    while (start + (1 << order) > nrPages) order--;
    splitLargeBuddyDraft(draft, start, order, true);
    start += 1 << order;
  }
  const zone = closeZoneDraft(draft);
  return faults.length === 0 ? zone : { ...zone, config: { ...zone.config, faults } };
}

export interface RmqueueResult {
  readonly zone: ZoneState;
  readonly pfn: number | undefined;
  /** ZONE_BOOSTED_WATERMARK was set and has been cleared: the caller must wakeup_kswapd(zone, 0, 0). */
  readonly wakeKswapdForBoost: boolean;
}

/** mm/page_alloc.c rmqueue_buddy(): under the zone lock, with the highatomic reserve when allowed. */
function rmqueueBuddy(
  draft: ZoneDraft,
  order: number,
  allocFlags: AllocFlags,
  mt: Migratetype,
  probe: PageProbe,
  events: EventSink,
): number | undefined {
  emit(events, { name: "zone_lock", caller: "rmqueue_buddy" });
  if ((allocFlags & ALLOC_HIGHATOMIC) !== 0) {
    const pfn = rmqueueSmallestDraft(draft, order, MIGRATE_HIGHATOMIC, events);
    if (pfn !== undefined) return pfn;
  }
  const taken = rmqueueFromFreeListsDraft(draft, order, mt, allocFlags, "normal", probe, events);
  if (taken.pfn !== undefined) return taken.pfn;
  // Failing now is worse than failing a high-order atomic allocation later: let OOM handling
  // and non-blocking requests into the highatomic reserve.
  if ((allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK)) !== 0) {
    const pfn = rmqueueSmallestDraft(draft, order, MIGRATE_HIGHATOMIC, events);
    if (pfn !== undefined) return pfn;
  }
  return undefined;
}

/** rmqueue() on a draft: the pfn taken (or undefined) and whether kswapd must be woken for the boost. */
function rmqueueDraft(
  draft: ZoneDraft,
  order: number,
  allocFlags: AllocFlags,
  mt: Migratetype,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): { pfn: number | undefined; wakeKswapdForBoost: boolean } {
  let pfn: number | undefined;
  if (pcpAllowedOrder(draft.zone.config, order)) {
    pfn = rmqueuePcplistDraft(draft, order, mt, allocFlags, cpu, probe, events);
  }
  if (pfn === undefined) pfn = rmqueueBuddy(draft, order, allocFlags, mt, probe, events);
  const wakeKswapdForBoost = (allocFlags & ALLOC_KSWAPD) !== 0 && draft.zone.boostedWatermark;
  if (wakeKswapdForBoost) draftFields(draft).boostedWatermark = false;
  return { pfn, wakeKswapdForBoost };
}

/** mm/page_alloc.c rmqueue(): the pcp list for small orders, else (or when that fails) the buddy lists. */
export function rmqueue(
  zone: ZoneState,
  order: number,
  allocFlags: AllocFlags,
  mt: Migratetype,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): RmqueueResult {
  const draft = openZoneDraft(zone);
  const taken = rmqueueDraft(draft, order, allocFlags, mt, cpu, probe, events);
  return { zone: closeZoneDraft(draft), pfn: taken.pfn, wakeKswapdForBoost: taken.wakeKswapdForBoost };
}

/** reserve_highatomic_pageblock() on a draft. */
function reserveHighatomicPageblockDraft(draft: ZoneDraft, pfn: number, order: number, events: EventSink): void {
  const config = draft.zone.config;
  const nrPb = pageblockNrPages(config);
  // Minimum one pageblock, maximum roughly 1% of the zone; none if 1% is below a pageblock.
  if (Math.floor(config.nrPages / 100) < nrPb) return;
  const maxManaged = Math.ceil(Math.floor(config.nrPages / 100) / nrPb) * nrPb;
  if (draft.zone.nrReservedHighatomic >= maxManaged) return;
  emit(events, { name: "zone_lock", caller: "highatomic" });
  const mt = getPfnblockMigratetype(draft.zone, pfn);
  if (!migratetypeIsMergeable(mt)) return;
  if (order < config.pageblockOrder) {
    const start = pfn & ~(nrPb - 1);
    moveFreepagesBlockDraft(draft, start, MIGRATE_HIGHATOMIC);
    draftChangePageblockRange(draft, start, config.pageblockOrder, MIGRATE_HIGHATOMIC);
    draftFields(draft).nrReservedHighatomic += nrPb;
  } else {
    draftChangePageblockRange(draft, pfn, order, MIGRATE_HIGHATOMIC);
    draftFields(draft).nrReservedHighatomic += 1 << order;
  }
  emit(events, {
    name: "reserve_highatomic_pageblock",
    pfn,
    nr_reserved_highatomic: draft.zone.nrReservedHighatomic,
  });
}

/**
 * mm/page_alloc.c reserve_highatomic_pageblock(): after a successful high-order atomic
 * allocation, reserve its pageblock (up to ~1% of the zone) for future ones.
 */
export function reserveHighatomicPageblock(zone: ZoneState, pfn: number, order: number, events: EventSink): ZoneState {
  const draft = openZoneDraft(zone);
  reserveHighatomicPageblockDraft(draft, pfn, order, events);
  return closeZoneDraft(draft);
}

/**
 * mm/page_alloc.c unreserve_highatomic_pageblock(): give one reserved pageblock back to the
 * requester's type when an allocation is about to fail. Without `force`, one block is kept.
 */
export function unreserveHighatomicPageblock(
  zone: ZoneState,
  mt: Migratetype,
  force: boolean,
  events: EventSink,
): { zone: ZoneState; unreserved: boolean } {
  const config = zone.config;
  const nrPb = pageblockNrPages(config);
  if (!force && zone.nrReservedHighatomic <= nrPb) return { zone, unreserved: false };
  emit(events, { name: "zone_lock", caller: "highatomic" });
  for (let order = 0; order <= config.maxPageOrder; order++) {
    const pfn = freeList(zone, order, MIGRATE_HIGHATOMIC).head;
    if (pfn === -1) continue;
    const size = Math.min(Math.max(nrPb, 1 << order), zone.nrReservedHighatomic);
    // Each attempt starts again from `zone`: a pageblock that had nothing to move leaves no trace.
    const draft = openZoneDraft(zone);
    draftFields(draft).nrReservedHighatomic = zone.nrReservedHighatomic - size;
    let moved: number;
    if (order < config.pageblockOrder) {
      const start = pfn & ~(nrPb - 1);
      moved = moveFreepagesBlockDraft(draft, start, mt);
      draftChangePageblockRange(draft, start, config.pageblockOrder, mt);
    } else {
      moveToFreeListDraft(draft, pfn, mt);
      draftChangePageblockRange(draft, pfn, order, mt);
      moved = 1;
    }
    if (moved > 0) {
      emit(events, {
        name: "unreserve_highatomic_pageblock",
        pfn,
        migratetype: mt,
        nr_reserved_highatomic: draft.zone.nrReservedHighatomic,
      });
      return { zone: closeZoneDraft(draft), unreserved: true };
    }
    closeZoneDraft(draft);
  }
  return { zone, unreserved: false };
}

export interface FreelistRequest {
  readonly order: number;
  readonly allocFlags: AllocFlags;
  readonly migratetype: Migratetype;
  readonly cpu: number;
  readonly probe: PageProbe;
  /** vm.defrag_mode: a NOFRAGMENT failure is not retried here; only the slow path gives it up. */
  readonly defragMode?: boolean;
}

export interface FreelistResult {
  readonly zone: ZoneState;
  readonly pfn: number | undefined;
  readonly wakeKswapdForBoost: boolean;
}

/**
 * mm/page_alloc.c get_page_from_freelist() for one zone. A zone not yet flagged ZONE_BELOW_HIGH
 * is first checked against its high watermark: passing tries the zone at once, failing sets the
 * flag (pcp->high then shrinks, pcp.ts), and the requested watermark decides. The decision is
 * the requested watermark's either way: high is never below it. With ALLOC_NOFRAGMENT a failure
 * is retried without it (one node: there is no remote node to prefer over fragmenting), unless
 * vm.defrag_mode is set.
 */
export function getPageFromFreelist(zone: ZoneState, request: FreelistRequest, events: EventSink): FreelistResult {
  const { order, migratetype, cpu, probe } = request;
  let allocFlags = request.allocFlags;
  const draft = openZoneDraft(zone);
  let wakeKswapdForBoost = false;
  for (;;) {
    const next = draft.zone;
    // ZONE_BELOW_HIGH is detected here rather than on the hotter free path: the first allocation
    // that finds the zone below its high watermark sets it, and pcp->high then shrinks (pcp.ts).
    // Above the high watermark the zone is tried at once; the high watermark is never below the
    // caller's, so the check below would pass too.
    let aboveHigh = false;
    if (!next.belowHigh) {
      aboveHigh = zoneWatermarkFast(next, order, wmarkPages(next, "high"), allocFlags);
      if (!aboveHigh) draftFields(draft).belowHigh = true;
    }
    const mark = allocFlagsWmarkPages(next, allocFlags);
    const watermarkOk =
      aboveHigh ||
      (allocFlags & ALLOC_NO_WATERMARKS) !== 0 ||
      zoneWatermarkFast(next, order, mark, allocFlags) ||
      ((allocFlags & ALLOC_WMARK_MASK) === ALLOC_WMARK_MIN && hasFault(next.config, "slowpath-skips-watermark"));
    if (watermarkOk) {
      const taken = rmqueueDraft(draft, order, allocFlags, migratetype, cpu, probe, events);
      wakeKswapdForBoost ||= taken.wakeKswapdForBoost;
      if (taken.pfn !== undefined) {
        if ((allocFlags & ALLOC_HIGHATOMIC) !== 0) reserveHighatomicPageblockDraft(draft, taken.pfn, order, events);
        emit(events, { name: "get_page_from_freelist", order, alloc_flags: allocFlags, migratetype, pfn: taken.pfn });
        return { zone: closeZoneDraft(draft), pfn: taken.pfn, wakeKswapdForBoost };
      }
    }
    if ((allocFlags & ALLOC_NOFRAGMENT) === 0 || request.defragMode === true) {
      emit(events, { name: "get_page_from_freelist", order, alloc_flags: allocFlags, migratetype, pfn: -1 });
      return { zone: closeZoneDraft(draft), pfn: undefined, wakeKswapdForBoost };
    }
    allocFlags &= ~ALLOC_NOFRAGMENT;
  }
}

/**
 * mm/page_alloc.c free_frozen_pages() / __free_pages_ok(): small orders go to this CPU's pcp
 * list, the rest straight to the buddy lists under the zone lock.
 */
export function freePages(
  zone: ZoneState,
  allocatedPfn: number,
  order: number,
  cpu: number,
  events: EventSink,
  capc?: CaptureControl,
  byCompaction = false,
): ZoneState {
  const wrong = hasFault(zone.config, "free-wrong-pfn") && allocatedPfn + 1 < zone.config.nrPages;
  const pfn = wrong ? allocatedPfn + 1 : allocatedPfn;
  emit(events, { name: "mm_page_free", pfn, order });
  const draft = openZoneDraft(zone);
  if (!byCompaction) draftFields(draft).pagesFreed += 1 << order;
  if (pcpAllowedOrder(zone.config, order)) {
    freeToPcpDraft(draft, pfn, order, cpu, events, capc);
  } else {
    emit(events, { name: "zone_lock", caller: "free_one_page" });
    splitLargeBuddyDraft(draft, pfn, order, false, capc, events);
  }
  return closeZoneDraft(draft);
}
