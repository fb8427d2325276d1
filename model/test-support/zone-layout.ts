/**
 * Test support: build a System whose every pfn holds what the test asks for, so that a slow-path
 * test starts from a state it can reason about page by page.
 *
 * The state is built, not simulated. Set-up allocations ask for neither kind of reclaim
 * (__GFP_RECLAIM cleared: no direct reclaim, no kswapd wakeup) and carry __GFP_MEMALLOC, so that
 * once the watermarks are passed the slow path's ALLOC_NO_WATERMARKS attempt takes the last free
 * pages without reclaim, compaction, OOM or background threads getting involved. How a page was
 * allocated does not matter afterwards: compaction and reclaim look at its `use` (page-owner.ts).
 *
 * Order of work, for a zone of N pages:
 * 1. N order-0 movable allocations. A fresh zone hands them out in pfn order (__rmqueue_smallest()
 *    takes the list head, expand() puts the upper halves at the head; pcp batch 1), which the
 *    builder checks: allocation i must land on pfn i.
 * 2. The "pgtable" slots are freed, the pcp lists drained, and as many order-0 GFP_KERNEL-type
 *    allocations made: with no UNMOVABLE pageblock anywhere and only these holes free, each one
 *    falls back and steals a hole (__rmqueue_steal(); with at most a quarter of a pageblock free
 *    or unmovable, try_to_claim_block() never takes the block, so every pageblock stays MOVABLE).
 *    The builder checks that every pgtable slot got a page table.
 * 3. The "free" slots are freed and the pcp lists drained, so all free memory is on the buddy
 *    lists, merged as far as its neighbours allow.
 *
 * Zones are built with watermark_boost_factor 0: the set-up's fallbacks would otherwise boost the
 * watermarks (boost_watermark()) and every test would have to carry the boost in its arithmetic.
 */

import { __GFP_MEMALLOC, __GFP_RECLAIM, GFP_HIGHUSER_MOVABLE, GFP_PGTABLE_USER } from "../gfp.js";
import type { KernelOptions } from "../kernel-options.js";
import type { PageUse } from "../page-owner.js";
import { initSystem, type System, step } from "../system.js";

/** What a pfn holds once the zone is built. */
export type Slot = "pgtable" | "pagecache" | "anon" | "free";

/** A movable set-up allocation: no reclaim of either kind, reserves allowed. */
export const SETUP_MOVABLE = (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_MEMALLOC;
/** An unmovable set-up allocation (a page table's migratetype, GFP_PGTABLE_USER's without reclaim). */
export const SETUP_UNMOVABLE = (GFP_PGTABLE_USER & ~__GFP_RECLAIM) | __GFP_MEMALLOC;

export interface LayoutOptions {
  readonly nrPages: number;
  readonly kernelVariant: KernelOptions["kernelVariant"];
  /** What each pfn holds. */
  readonly slot: (pfn: number) => Slot;
  readonly nrCpus?: number;
}

export interface BuiltZone {
  readonly system: System;
  /** Allocation handle by pfn (undefined for free pfns). */
  readonly handles: ReadonlyMap<number, number>;
  readonly counts: Readonly<Record<Slot, number>>;
}

function mustAllocate(system: System, gfp: number, use: PageUse): { system: System; handle: number; pfn: number } {
  const result = step(system, { kind: "alloc", order: 0, gfp, cpu: 0, use });
  if (result.outcome.kind !== "allocated") throw new Error(`set-up allocation failed: ${result.outcome.kind}`);
  return { system: result.system, handle: result.outcome.handle, pfn: result.outcome.pfn };
}

function free(system: System, handle: number): System {
  const result = step(system, { kind: "free", handle, cpu: 0 });
  if (result.outcome.kind !== "freed") throw new Error(`set-up free of #${handle} failed: ${result.outcome.kind}`);
  return result.system;
}

/** Build the zone described by `options.slot`; see the file comment for how. */
export function buildZone(options: LayoutOptions): BuiltZone {
  const { nrPages, kernelVariant, slot } = options;
  let system = initSystem({
    zone: { nrPages, nrCpus: options.nrCpus ?? 2, watermarkBoostFactor: 0 },
    kernel: { kernelVariant },
  });
  const handles = new Map<number, number>();
  const counts: Record<Slot, number> = { pgtable: 0, pagecache: 0, anon: 0, free: 0 };
  for (let pfn = 0; pfn < nrPages; pfn++) {
    const want = slot(pfn);
    counts[want]++;
    const got = mustAllocate(system, SETUP_MOVABLE, want === "pagecache" ? "pagecache" : "anon");
    if (got.pfn !== pfn) throw new Error(`set-up allocation ${pfn} landed on pfn ${got.pfn}`);
    system = got.system;
    handles.set(pfn, got.handle);
  }
  const drainAll = (s: System) => step(s, { kind: "drain", cpu: "all" }).system;
  const pgtableSlots: number[] = [];
  for (let pfn = 0; pfn < nrPages; pfn++) {
    if (slot(pfn) !== "pgtable") continue;
    system = free(system, handles.get(pfn) as number);
    handles.delete(pfn);
    pgtableSlots.push(pfn);
  }
  system = drainAll(system);
  for (const _ of pgtableSlots) {
    const got = mustAllocate(system, SETUP_UNMOVABLE, "pgtable");
    if (slot(got.pfn) !== "pgtable") throw new Error(`page table landed on pfn ${got.pfn}, a ${slot(got.pfn)} slot`);
    system = got.system;
    handles.set(got.pfn, got.handle);
  }
  for (let pfn = 0; pfn < nrPages; pfn++) {
    if (slot(pfn) !== "free") continue;
    system = free(system, handles.get(pfn) as number);
    handles.delete(pfn);
  }
  system = drainAll(system);
  return { system, handles, counts };
}

/**
 * The layout the slow-path tests share. Every aligned group of four pages starts with a page
 * table (pfn 4k), so no free block of order 2 or more exists, and none can be made by
 * compaction, anywhere in the zone: requests of order >= 2 fail for fragmentation however
 * much is free. In group k, pfn 4k+1 is free for k < `free`, pfn 4k+2 is page cache (clean,
 * reclaimable, on the LRU oldest-first by pfn) for k < `pagecache`; every other page is
 * anonymous memory (movable, not reclaimable: no swap). Free pages are therefore order-0
 * singles: 4k+1's buddy 4k is pinned, and 4k+2's buddy 4k+3 is never free.
 */
export function pinnedLayout(free: number, pagecache: number): (pfn: number) => Slot {
  return (pfn) => {
    const group = pfn >> 2;
    switch (pfn & 3) {
      case 0:
        return "pgtable";
      case 1:
        return group < free ? "free" : "anon";
      case 2:
        return group < pagecache ? "pagecache" : "anon";
      default:
        return "anon";
    }
  };
}
