/**
 * The allocator's internal ALLOC_* flags (mm/internal.h) and the functions in mm/page_alloc.c
 * that derive them from a gfp mask.
 *
 * Values are the kernel's, read from mm/internal.h (6.1x through the 2026 mm tree), assuming
 * CONFIG_MMU (so ALLOC_OOM is its own bit, not an alias of ALLOC_NO_WATERMARKS),
 * CONFIG_ZONE_DMA32 (so ALLOC_NOFRAGMENT is not compiled to 0) and CONFIG_CMA.
 */

import {
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGH,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_NOMEMALLOC,
  type GfpMask,
  gfpMigratetype,
} from "./gfp.js";
import { MIGRATE_MOVABLE } from "./migratetype.js";

export type AllocFlags = number;

// The low two bits are not flags but an index into zone->_watermark[] (enum zone_watermarks).
export const ALLOC_WMARK_MIN: AllocFlags = 0; // WMARK_MIN
export const ALLOC_WMARK_LOW: AllocFlags = 1; // WMARK_LOW
export const ALLOC_WMARK_HIGH: AllocFlags = 2; // WMARK_HIGH
export const ALLOC_NO_WATERMARKS: AllocFlags = 0x04;
export const ALLOC_WMARK_MASK: AllocFlags = ALLOC_NO_WATERMARKS - 1;
/** OOM victims may dip into part of the reserves; the OOM reaper frees their memory soon. */
export const ALLOC_OOM: AllocFlags = 0x08;
/**
 * Caller cannot block. __zone_watermark_ok() uses it only inside its ALLOC_MIN_RESERVE branch:
 * another quarter off there (62.5% off the min watermark in all), nothing on its own
 * (mm/internal.h's "25% off" comment does not match the code).
 */
export const ALLOC_NON_BLOCK: AllocFlags = 0x10;
/** __GFP_HIGH (or an RT task): 50% off the min watermark. */
export const ALLOC_MIN_RESERVE: AllocFlags = 0x20;
export const ALLOC_CPUSET: AllocFlags = 0x40;
export const ALLOC_CMA: AllocFlags = 0x80;
/** Avoid mixing pageblock migratetypes: fall back to another zone before stealing a block. */
export const ALLOC_NOFRAGMENT: AllocFlags = 0x100;
/** May take from MIGRATE_HIGHATOMIC pageblocks. */
export const ALLOC_HIGHATOMIC: AllocFlags = 0x200;
/** Only spin_trylock the zone lock (try_alloc_pages / alloc_pages_nolock). */
export const ALLOC_TRYLOCK: AllocFlags = 0x400;
/** May wake kswapd; same bit as __GFP_KSWAPD_RECLAIM so the kernel can copy it without a branch. */
export const ALLOC_KSWAPD: AllocFlags = 0x800;
/** The flags that allow allocating below the min watermark. */
export const ALLOC_RESERVES: AllocFlags = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

const WMARK_NAMES: readonly string[] = ["ALLOC_WMARK_MIN", "ALLOC_WMARK_LOW", "ALLOC_WMARK_HIGH"];

/** The single-bit ALLOC_* flags, in ascending value order (the order formatAllocFlags prints). */
export const ALLOC_FLAG_NAMES: readonly { readonly name: string; readonly flag: AllocFlags }[] = [
  { name: "ALLOC_NO_WATERMARKS", flag: ALLOC_NO_WATERMARKS },
  { name: "ALLOC_OOM", flag: ALLOC_OOM },
  { name: "ALLOC_NON_BLOCK", flag: ALLOC_NON_BLOCK },
  { name: "ALLOC_MIN_RESERVE", flag: ALLOC_MIN_RESERVE },
  { name: "ALLOC_CPUSET", flag: ALLOC_CPUSET },
  { name: "ALLOC_CMA", flag: ALLOC_CMA },
  { name: "ALLOC_NOFRAGMENT", flag: ALLOC_NOFRAGMENT },
  { name: "ALLOC_HIGHATOMIC", flag: ALLOC_HIGHATOMIC },
  { name: "ALLOC_TRYLOCK", flag: ALLOC_TRYLOCK },
  { name: "ALLOC_KSWAPD", flag: ALLOC_KSWAPD },
];

// No kernel counterpart (alloc_flags are never traced): watermark index first, then flags by value
export function formatAllocFlags(flags: AllocFlags): string {
  let rest = flags >>> 0;
  const names: string[] = [];
  const wmark = rest & ALLOC_WMARK_MASK;
  const wmarkName = WMARK_NAMES[wmark];
  // Index 3 (WMARK_PROMO) has no ALLOC_ name; it stays in `rest` and prints as hex.
  if (wmarkName !== undefined) {
    rest &= ~ALLOC_WMARK_MASK;
    // Under ALLOC_NO_WATERMARKS the index is never read, so a zero index is noise.
    if (!(wmark === ALLOC_WMARK_MIN && (rest & ALLOC_NO_WATERMARKS) !== 0)) names.push(wmarkName);
  }
  for (const { name, flag } of ALLOC_FLAG_NAMES) {
    if ((rest & flag) === 0) continue;
    names.push(name);
    rest = (rest & ~flag) >>> 0;
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.join("|");
}

export interface GfpToAllocFlagsOptions {
  /**
   * true: ALLOC_HIGHATOMIC only for __GFP_HIGH, i.e. with ALLOC_MIN_RESERVE (the stable-tagged
   * fix "only set ALLOC_HIGHATOMIC for __GFP_HIGH allocations", 6.15+ and backports).
   * false: 6.1x mainline, where every non-blocking order > 0 request without __GFP_NOMEMALLOC
   * gets it, so GFP_NOWAIT THP attempts could drain the highatomic reserve.
   */
  readonly highatomicNeedsMinReserve: boolean;
  /** rt_or_dl_task(current) && in_task(): RT and deadline tasks that may block get the min reserve. */
  readonly rtTask: boolean;
  /** The vm.defrag_mode sysctl (6.15+): never fragment pageblocks while reclaim/compaction can help. */
  readonly defragMode: boolean;
}

// mm/page_alloc.c gfp_to_alloc_flags()
export function gfpToAllocFlags(gfp: GfpMask, order: number, options: GfpToAllocFlagsOptions): AllocFlags {
  // The slow path starts at the min watermark, not low: it has already woken kswapd.
  let flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  if ((gfp & __GFP_HIGH) !== 0) flags |= ALLOC_MIN_RESERVE;
  if ((gfp & __GFP_KSWAPD_RECLAIM) !== 0) flags |= ALLOC_KSWAPD;

  if ((gfp & __GFP_DIRECT_RECLAIM) === 0) {
    // A caller that cannot sleep cannot wait for reclaim, so it may dig deeper instead,
    // unless it explicitly refused reserves with __GFP_NOMEMALLOC.
    if ((gfp & __GFP_NOMEMALLOC) === 0) {
      flags |= ALLOC_NON_BLOCK;
      const highatomic = !options.highatomicNeedsMinReserve || (flags & ALLOC_MIN_RESERVE) !== 0;
      if (order > 0 && highatomic) flags |= ALLOC_HIGHATOMIC;
    }
    // GFP_ATOMIC ignores cpuset mems rather than fail (see cpuset_current_node_allowed()).
    if ((flags & ALLOC_MIN_RESERVE) !== 0) flags &= ~ALLOC_CPUSET;
  } else if (options.rtTask) {
    flags |= ALLOC_MIN_RESERVE;
  }

  // mm/page_alloc.c gfp_to_alloc_flags_cma(): only movable data may sit in CMA areas.
  if (gfpMigratetype(gfp) === MIGRATE_MOVABLE) flags |= ALLOC_CMA;
  if (options.defragMode) flags |= ALLOC_NOFRAGMENT;
  return flags;
}

// mm/page_alloc.c alloc_flags_nofragment()
export function allocFlagsNofragment(gfp: GfpMask, dma32Populated: boolean, defragMode = false): AllocFlags {
  // `dma32Populated` folds in the kernel's zone checks: the preferred zone is ZONE_NORMAL and
  // the DMA32 zone below it is populated (assumed on UMA). Only then is there a second zone
  // worth falling back to before fragmenting a NORMAL pageblock.
  let flags = (gfp & __GFP_KSWAPD_RECLAIM) !== 0 ? ALLOC_KSWAPD : 0;
  if (defragMode || dma32Populated) flags |= ALLOC_NOFRAGMENT;
  return flags;
}

export interface PfmemallocContext {
  /** current->flags & PF_MEMALLOC: the task is itself reclaiming (kswapd, direct reclaim). */
  readonly pfMemalloc: boolean;
  /** in_interrupt(): hard or soft interrupt context, or bottom halves disabled. */
  readonly inInterrupt: boolean;
  /** tsk_is_oom_victim(current); with CONFIG_MMU that is all oom_reserves_allowed() checks. */
  readonly oomVictim: boolean;
  /** in_serving_softirq(); implies inInterrupt. Absent means false. */
  readonly inServingSoftirq?: boolean;
}

// mm/page_alloc.c __gfp_pfmemalloc_flags()
export function gfpPfmemallocFlags(gfp: GfpMask, ctx: PfmemallocContext): AllocFlags {
  if ((gfp & __GFP_NOMEMALLOC) !== 0) return 0;
  if ((gfp & __GFP_MEMALLOC) !== 0) return ALLOC_NO_WATERMARKS;
  // A softirq runs on whichever task it interrupted; if that task is reclaiming, the softirq
  // work (e.g. swap over network) is part of freeing memory, so it gets the reserves too.
  if (ctx.inServingSoftirq === true && ctx.pfMemalloc) return ALLOC_NO_WATERMARKS;
  if (!ctx.inInterrupt && ctx.inServingSoftirq !== true) {
    if (ctx.pfMemalloc) return ALLOC_NO_WATERMARKS;
    // OOM victims only need enough to exit; the full reserve is kept for reclaimers.
    if (ctx.oomVictim) return ALLOC_OOM;
  }
  return 0;
}
