/**
 * Per-CPU page lists, mm/page_alloc.c: the order-0..3 (and THP-order) cache in front of the
 * buddy lists. Refilled in batches by rmqueue_bulk(), spilled back by free_pcppages_bulk(),
 * emptied by drain_pages() / drain_all_pages().
 *
 * Pages on a pcp list are free but not in NR_FREE_PAGES and not mergeable: until drained they
 * hide from the buddy allocator, which is why the slow path drains before giving up.
 *
 * As in buddy.ts, each exported function that changes a zone is a shell over a `...Draft` twin
 * working on a ZoneDraft (zone.ts): a refill or a spill of a whole batch copies the zone's
 * structures, and each trie node it touches, once rather than once per page.
 */

import type { AllocFlags } from "./alloc-flags.js";
import { type CaptureControl, freeOnePageDraft } from "./buddy.js";
import { type EventSink, emit } from "./events.js";
import { type PageProbe, type RmqueueMode, rmqueueFromFreeListsDraft } from "./fallback.js";
import { MIGRATE_MOVABLE, MIGRATE_PCPTYPES, type Migratetype, PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import { orderToPindex, pindexToOrder } from "./pcp-index.js";
import {
  dequeEditPopBack,
  dequeEditPopFront,
  dequeEditPushBack,
  dequeEditPushFront,
} from "./persistent/chunked-deque.js";
import { zoneWatermarkOk } from "./watermark.js";
import {
  closeZoneDraft,
  draftFields,
  draftPcp,
  draftPcpList,
  getPfnblockMigratetype,
  openZoneDraft,
  type PerCpuPages,
  wmarkPages,
  type ZoneDraft,
  type ZoneState,
} from "./zone.js";
import { PCP_BATCH_SCALE_MAX } from "./zone-config.js";

function pcpOf(zone: ZoneState, cpu: number): PerCpuPages {
  const pcp = zone.pcp[cpu];
  if (pcp === undefined) throw new Error(`cpu ${cpu} does not exist (nrCpus ${zone.config.nrCpus})`);
  return pcp;
}

/** This CPU's pcp, the draft's own copy, after checking the CPU exists. */
function pcpForWrite(draft: ZoneDraft, cpu: number) {
  pcpOf(draft.zone, cpu);
  return draftPcp(draft, cpu);
}

function checkPindex(draft: ZoneDraft, pindex: number): void {
  if (!(pindex >= 0 && pindex < draft.zone.config.nrPcpLists)) throw new Error(`pcp list ${pindex} does not exist`);
}

/** list_add() / list_add_tail() onto pcp->lists[pindex], and pcp->count += 1 << order. */
function addToPcpList(draft: ZoneDraft, cpu: number, pindex: number, pfn: number, order: number, tail: boolean): void {
  const pcp = pcpForWrite(draft, cpu);
  checkPindex(draft, pindex);
  const editor = draftPcpList(draft, cpu, pindex);
  if (tail) dequeEditPushBack(editor, pfn);
  else dequeEditPushFront(editor, pfn);
  pcp.count += 1 << order;
}

/**
 * Takes the block at the head (rmqueue: the cache-hot end) or the tail (free_pcppages_bulk:
 * the coldest) of pcp->lists[pindex] and lowers pcp->count; undefined if the list is empty.
 */
function takeFromPcpList(draft: ZoneDraft, cpu: number, pindex: number, end: "head" | "tail"): number | undefined {
  const pcp = pcpForWrite(draft, cpu);
  checkPindex(draft, pindex);
  if (pcp.lists[pindex]?.length === 0) return undefined;
  const editor = draftPcpList(draft, cpu, pindex);
  const pfn = end === "head" ? dequeEditPopFront(editor) : dequeEditPopBack(editor);
  pcp.count -= 1 << pindexToOrder(draft.zone.config, pindex);
  return pfn;
}

/** What nr_pcp_alloc() decides: the refill, in blocks of the order, and pcp->alloc_factor and pcp->high after it. */
export interface PcpAllocBatch {
  readonly batch: number;
  readonly allocFactor: number;
  readonly high: number;
}

/** clamp(pcp->high, high_min, high_max): where nr_pcp_alloc() and nr_pcp_high() start. */
function clampedHigh(zone: ZoneState, pcp: Pick<PerCpuPages, "high">): number {
  return kernelClamp(pcp.high, zone.config.pcpHighMin, zone.config.pcpHighMax);
}

/**
 * mm/page_alloc.c nr_pcp_alloc(): the refill batch. An order-0 refill is batch << alloc_factor
 * pages, at most what fits below pcp->high with a batch to spare, and raises alloc_factor for the
 * next one while the doubled batch still fits: a CPU that keeps allocating without freeing takes
 * the zone lock less and less often. The batch is then scaled down by order so a refill moves
 * about the same number of pages whatever the order.
 *
 * Auto-tuning (high_min != high_max): unless the zone is below its high watermark, each refill
 * first raises pcp->high by the batch, up to high_max ("if we had larger pcp->high, we could
 * avoid to allocate from zone").
 */
export function nrPcpAlloc(
  zone: ZoneState,
  pcp: Pick<PerCpuPages, "count" | "allocFactor" | "high">,
  order: number,
): PcpAllocBatch {
  const { pcpBatch: baseBatch, pcpHighMin: highMin, pcpHighMax: highMax } = zone.config;
  let allocFactor = pcp.allocFactor;
  let high = clampedHigh(zone, pcp);
  // PCP disabled or boot pageset.
  if (high < baseBatch) return { batch: 1, allocFactor, high };
  let batch = order !== 0 ? baseBatch : baseBatch << allocFactor;
  if (highMin !== highMax && !zone.belowHigh) high = Math.min(high + batch, highMax);
  if (order === 0) {
    const maxNrAlloc = Math.max(high - pcp.count - baseBatch, baseBatch);
    if (batch <= maxNrAlloc && allocFactor < PCP_BATCH_SCALE_MAX) allocFactor++;
    batch = Math.min(batch, maxNrAlloc);
  }
  if (batch > 1) batch = Math.max(batch >> order, 2);
  return { batch, allocFactor, high };
}

/** What nr_pcp_high() decides: the spill threshold for this free, and pcp->high after it. */
export interface PcpHighThreshold {
  readonly threshold: number;
  readonly high: number;
}

/**
 * mm/page_alloc.c nr_pcp_high(): how many pages this free may leave on the pcp, tuning pcp->high
 * on the way.
 * - A bulk free of high-order pages (free_high) spills at once (up to batch <<
 *   CONFIG_PCP_BATCH_SCALE_MAX pages, nr_pcp_free()) and lowers pcp->high by as many.
 * - While kswapd reclaims (ZONE_RECLAIM_ACTIVE): at most batch * 4, so reclaimed pages reach the
 *   buddy lists sooner, and pcp->high drops by the run of frees.
 * - Below the high watermark (ZONE_BELOW_HIGH), pcp->high drops by the run of frees, and the
 *   threshold is what the list holds now, or high_min if that is more: each free past high_min
 *   spills.
 * - Otherwise, a pcp that reached its high is given room for the run of frees plus a batch.
 * With high_min == high_max (a hand-set pcp->high) only the first two apply, and change nothing.
 */
export function nrPcpHigh(
  zone: ZoneState,
  pcp: Pick<PerCpuPages, "count" | "freeCount" | "high">,
  freeHigh: boolean,
): PcpHighThreshold {
  const { pcpBatch: batch, pcpHighMin: highMin, pcpHighMax: highMax } = zone.config;
  const high = clampedHigh(zone, pcp);
  if (high === 0) return { threshold: 0, high };
  if (freeHigh) return { threshold: 0, high: Math.max(high - (batch << PCP_BATCH_SCALE_MAX), highMin) };
  if (zone.reclaimActive) {
    const lowered = Math.max(high - Math.max(pcp.freeCount, batch), highMin);
    return { threshold: Math.min(batch << 2, lowered), high: lowered };
  }
  if (highMin === highMax) return { threshold: high, high };
  if (zone.belowHigh) {
    const lowered = Math.max(high - Math.max(pcp.freeCount, batch), highMin);
    return { threshold: Math.max(pcp.count, highMin), high: lowered };
  }
  // pcp->high should be large enough to hold a batch of freed pages.
  const needHigh = pcp.freeCount + batch;
  if (pcp.count >= high && high < needHigh) return { threshold: high, high: kernelClamp(needHigh, highMin, highMax) };
  return { threshold: high, high };
}

/**
 * mm/page_alloc.c nr_pcp_free(): how many pages one free returns to the buddy lists, given the
 * threshold nr_pcp_high() chose. Consecutive frees (free_count) raise it from batch towards
 * high - batch to take the zone lock less often; a bulk free of high-order pages takes all it may.
 */
export function nrPcpFree(
  zone: ZoneState,
  pcp: Pick<PerCpuPages, "count" | "freeCount">,
  high: number,
  freeHigh: boolean,
): number {
  const batch = zone.config.pcpBatch;
  if (freeHigh) return Math.min(pcp.count, batch << PCP_BATCH_SCALE_MAX);
  if (high < batch) return 1;
  // clamp_t(free_count, batch, high - batch): leave at least a batch on the list.
  return kernelClamp(pcp.freeCount, batch, high - batch);
}

/**
 * include/linux/minmax.h __clamp(): `val >= hi ? hi : (val <= lo ? lo : val)`. The order of the
 * tests matters when lo > hi (a pcp->high below 2 * batch): a value below both gives lo, where
 * min(max(val, lo), hi) would give hi.
 */
function kernelClamp(val: number, lo: number, hi: number): number {
  if (val >= hi) return hi;
  if (val <= lo) return lo;
  return val;
}

/** rmqueue_bulk() on a draft; returns the number of blocks taken. */
export function rmqueueBulkDraft(
  draft: ZoneDraft,
  order: number,
  count: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): number {
  emit(events, { name: "zone_lock", caller: "rmqueue_bulk" });
  const pindex = orderToPindex(order, mt);
  let mode: RmqueueMode = "normal";
  let alloced = 0;
  for (; alloced < count; alloced++) {
    const taken = rmqueueFromFreeListsDraft(draft, order, mt, allocFlags, mode, probe, events);
    mode = taken.mode;
    if (taken.pfn === undefined) break;
    addToPcpList(draft, cpu, pindex, taken.pfn, order, true);
  }
  return alloced;
}

/**
 * mm/page_alloc.c rmqueue_bulk(): under one zone lock, take up to `count` blocks with __rmqueue()
 * and add them to the tail of the pcp list (so the list is in the order expand() split them).
 */
export function rmqueueBulk(
  zone: ZoneState,
  order: number,
  count: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): { zone: ZoneState; alloced: number } {
  const draft = openZoneDraft(zone);
  const alloced = rmqueueBulkDraft(draft, order, count, mt, allocFlags, cpu, probe, events);
  return { zone: closeZoneDraft(draft), alloced };
}

/** rmqueue_pcplist() on a draft: the pfn taken, or undefined. */
export function rmqueuePcplistDraft(
  draft: ZoneDraft,
  order: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): number | undefined {
  // An allocation ends a run of frees: halve free_count (the next spill is smaller).
  const pcp = pcpForWrite(draft, cpu);
  pcp.freeCount >>= 1;
  const pindex = orderToPindex(order, mt);
  if (pcp.lists[pindex]?.length === 0) {
    const refill = nrPcpAlloc(draft.zone, pcp, order);
    pcp.allocFactor = refill.allocFactor;
    pcp.high = refill.high;
    rmqueueBulkDraft(draft, order, refill.batch, mt, allocFlags, cpu, probe, events);
  }
  return takeFromPcpList(draft, cpu, pindex, "head");
}

/** mm/page_alloc.c rmqueue_pcplist() + __rmqueue_pcplist(): the head of the pcp list, refilling it if empty. */
export function rmqueuePcplist(
  zone: ZoneState,
  order: number,
  mt: Migratetype,
  allocFlags: AllocFlags,
  cpu: number,
  probe: PageProbe,
  events: EventSink,
): { zone: ZoneState; pfn: number | undefined } {
  const draft = openZoneDraft(zone);
  const pfn = rmqueuePcplistDraft(draft, order, mt, allocFlags, cpu, probe, events);
  return { zone: closeZoneDraft(draft), pfn };
}

/** free_pcppages_bulk() on a draft. */
export function freePcppagesBulkDraft(
  draft: ZoneDraft,
  count: number,
  cpu: number,
  pindex: number,
  events: EventSink,
  capc?: CaptureControl,
): void {
  emit(events, { name: "zone_lock", caller: "free_pcppages_bulk" });
  const zone = draft.zone;
  const nrLists = zone.config.nrPcpLists;
  // Only read here: the lists and count are updated in place by takeFromPcpList() below.
  const pcp = pcpOf(zone, cpu);
  let remaining = Math.min(count, pcp.count);
  if (remaining <= 0) return;
  const lists = pcpForWrite(draft, cpu).lists;
  let index = pindex - 1;
  while (remaining > 0) {
    // Round-robin to the next non-empty list.
    do {
      index = index + 1 > nrLists - 1 ? 0 : index + 1;
    } while ((lists[index]?.length ?? 0) === 0);
    const order = pindexToOrder(zone.config, index);
    do {
      const pfn = takeFromPcpList(draft, cpu, index, "tail") as number;
      const mt = getPfnblockMigratetype(draft.zone, pfn);
      remaining -= 1 << order;
      freeOnePageDraft(draft, pfn, order, mt, false, capc, events);
      emit(events, { name: "mm_page_pcpu_drain", pfn, order, migratetype: mt });
    } while (remaining > 0 && (lists[index]?.length ?? 0) > 0);
  }
}

/**
 * mm/page_alloc.c free_pcppages_bulk(): return `count` pages to the buddy lists, taking from
 * the tail (the coldest) of each list in turn, starting with list `pindex`. Each goes back with
 * its pageblock's *current* type.
 */
export function freePcppagesBulk(
  zone: ZoneState,
  count: number,
  cpu: number,
  pindex: number,
  events: EventSink,
  capc?: CaptureControl,
): ZoneState {
  const draft = openZoneDraft(zone);
  freePcppagesBulkDraft(draft, count, cpu, pindex, events, capc);
  return closeZoneDraft(draft);
}

/** free_frozen_pages() pcp branch on a draft. */
export function freeToPcpDraft(
  draft: ZoneDraft,
  pfn: number,
  order: number,
  cpu: number,
  events: EventSink,
  capc?: CaptureControl,
): void {
  // Only unmovable, reclaimable and movable have pcp lists; HIGHATOMIC goes on the movable one.
  let mt = getPfnblockMigratetype(draft.zone, pfn);
  if (mt >= MIGRATE_PCPTYPES) mt = MIGRATE_MOVABLE;
  const pindex = orderToPindex(order, mt);
  addToPcpList(draft, cpu, pindex, pfn, order, false);
  const pcp = pcpForWrite(draft, cpu);
  // A free ends a run of refills: halve alloc_factor (the next order-0 refill is smaller).
  pcp.allocFactor >>= 1;
  const count = pcp.count;
  const { pcpBatch: batch, pcpHighMin: highMin } = draft.zone.config;
  // High-order pages other than THPs on the pcp fragment memory: when a CPU keeps freeing them
  // without allocating, flush the list instead of keeping up to pcp->high (free_high).
  let freeHigh = false;
  let prevFreeHighOrder = pcp.prevFreeHighOrder;
  if (order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
    // With PCPF_FREE_HIGH_BATCH (a CPU cache slice above 3 * batch pages) a batch may stay.
    freeHigh =
      pcp.freeCount >= batch + Math.floor(highMin / 2) &&
      prevFreeHighOrder &&
      (!draft.zone.config.pcpFreeHighBatch || count >= batch);
    prevFreeHighOrder = true;
  } else {
    prevFreeHighOrder = false;
  }
  if (pcp.freeCount < batch << PCP_BATCH_SCALE_MAX) pcp.freeCount += 1 << order;
  pcp.prevFreeHighOrder = prevFreeHighOrder;
  const { threshold, high } = nrPcpHigh(draft.zone, pcp, freeHigh);
  pcp.high = high;
  if (count < threshold) return;
  let toFree = nrPcpFree(draft.zone, pcp, threshold, freeHigh);
  // Freed in batch-sized chunks, each starting again at the list just freed to (6.19 kernels drop
  // and retake the pcp lock between chunks; with order > 0 each chunk may overshoot).
  while (toFree > 0 && pcp.count > 0) {
    const chunk = Math.min(toFree, batch);
    freePcppagesBulkDraft(draft, chunk, cpu, pindex, events, capc);
    toFree -= chunk;
  }
  // A spill that leaves the zone above its high watermark ends ZONE_BELOW_HIGH: pcp->high may
  // grow again. (The kernel also resets a hopeless kswapd here, but only when another memory
  // node could have taken the allocations; the model has one node.)
  const zone = draft.zone;
  if (zone.belowHigh && zoneWatermarkOk(zone, 0, wmarkPages(zone, "high"), 0)) draftFields(draft).belowHigh = false;
}

/**
 * mm/page_alloc.c free_frozen_pages() pcp branch + free_frozen_page_commit(): put the page at
 * the head of its list (it is cache-hot) and spill a batch to the buddy lists above pcp->high.
 */
export function freeToPcp(
  zone: ZoneState,
  pfn: number,
  order: number,
  cpu: number,
  events: EventSink,
  capc?: CaptureControl,
): ZoneState {
  const draft = openZoneDraft(zone);
  freeToPcpDraft(draft, pfn, order, cpu, events, capc);
  return closeZoneDraft(draft);
}

/** drain_pages_zone() on a draft; returns the pages drained. */
export function drainPagesZoneDraft(draft: ZoneDraft, cpu: number, events: EventSink, capc?: CaptureControl): number {
  let drained = 0;
  for (let count = pcpOf(draft.zone, cpu).count; count > 0; count = pcpOf(draft.zone, cpu).count) {
    const toDrain = Math.min(count, draft.zone.config.pcpBatch << PCP_BATCH_SCALE_MAX);
    freePcppagesBulkDraft(draft, toDrain, cpu, 0, events, capc);
    drained += count - pcpOf(draft.zone, cpu).count;
  }
  return drained;
}

/** mm/page_alloc.c drain_pages_zone(): empty one CPU's lists in chunks of batch << PCP_BATCH_SCALE_MAX. */
export function drainPagesZone(
  zone: ZoneState,
  cpu: number,
  events: EventSink,
  capc?: CaptureControl,
): { zone: ZoneState; drained: number } {
  const draft = openZoneDraft(zone);
  const drained = drainPagesZoneDraft(draft, cpu, events, capc);
  return { zone: closeZoneDraft(draft), drained };
}

/**
 * decay_pcp_high() on a draft: lower pcp->high by an eighth towards high_min (by at most as much
 * as leaves batch << CONFIG_PCP_BATCH_SCALE_MAX pages above it), then spill what is above it, a
 * batch per zone lock. Like the kernel, this does not clamp pcp->high first: a pcp that never
 * refilled nor spilled still has 0 and nothing. (The kernel's return value, "more to do", only
 * keeps the vmstat worker queued; the model runs it at every tick.)
 */
export function decayPcpHighDraft(draft: ZoneDraft, cpu: number, events: EventSink): void {
  const { pcpBatch: batch, pcpHighMin: highMin } = draft.zone.config;
  const pcp = pcpOf(draft.zone, cpu);
  let high = pcp.high;
  if (high > highMin) {
    high = Math.max(pcp.count - (batch << PCP_BATCH_SCALE_MAX), high - (high >> 3), highMin);
    pcpForWrite(draft, cpu).high = high;
  }
  for (let toDrain = pcp.count - high; toDrain > 0; toDrain -= batch) {
    freePcppagesBulkDraft(draft, Math.min(toDrain, batch), cpu, 0, events);
  }
}

/**
 * mm/vmstat.c vmstat_update() on every CPU: refresh_cpu_vm_stats(true), whose part that changes
 * the zone is decay_pcp_high() (mm/page_alloc.c) of the CPU's pcp. The kernel runs it once per
 * vm.stat_interval (1 s) on each CPU with work to do; the model runs it once per tick, so a tick
 * stands for at least that long. Not modelled: the worker is deferrable work, so an idle
 * (NOHZ) CPU decays only when it next wakes; and a CPU whose worker stopped (pcp->high at
 * high_min, nothing to spill) runs it again only after its counters change, when it would do
 * nothing anyway.
 */
export function vmstatUpdate(zone: ZoneState, events: EventSink): ZoneState {
  const draft = openZoneDraft(zone);
  for (let cpu = 0; cpu < zone.config.nrCpus; cpu++) decayPcpHighDraft(draft, cpu, events);
  return closeZoneDraft(draft);
}

export interface DrainAllPagesOptions {
  /** Who called: "direct_reclaim" (allocator), "kcompactd", "user"... carried into the event. */
  readonly caller: string;
  /**
   * Another CPU holds pcpu_drain_mutex. A caller passing no zone (the allocator's
   * drain_all_pages(NULL)) then returns at once; a zone-specific caller waits its turn.
   */
  readonly mutexBusy?: boolean;
  /** drain_all_pages(zone) rather than drain_all_pages(NULL); with one zone only the mutex rule differs. */
  readonly zoneSpecific?: boolean;
}

/**
 * mm/page_alloc.c __drain_all_pages(): the calling CPU drains, one after another, every CPU
 * that has pcp pages (no IPIs since 5.19's pcp locking). Cost: one pcp lock per CPU visited,
 * a zone lock per batch, and a __free_one_page() per page.
 */
export function drainAllPages(zone: ZoneState, options: DrainAllPagesOptions, events: EventSink): ZoneState {
  if (options.mutexBusy && !options.zoneSpecific) {
    emit(events, { name: "drain_all_pages", caller: options.caller, skipped: true, cpus_visited: 0, pages_drained: 0 });
    return zone;
  }
  const draft = openZoneDraft(zone);
  let cpusVisited = 0;
  let pagesDrained = 0;
  for (let cpu = 0; cpu < zone.config.nrCpus; cpu++) {
    if (pcpOf(draft.zone, cpu).count === 0) continue;
    cpusVisited++;
    pagesDrained += drainPagesZoneDraft(draft, cpu, events);
  }
  emit(events, {
    name: "drain_all_pages",
    caller: options.caller,
    skipped: false,
    cpus_visited: cpusVisited,
    pages_drained: pagesDrained,
  });
  return closeZoneDraft(draft);
}
