import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALLOC_CMA,
  ALLOC_CPUSET,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  ALLOC_TRYLOCK,
  ALLOC_WMARK_HIGH,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  allocFlagsNofragment,
  formatAllocFlags,
  type GfpToAllocFlagsOptions,
  gfpPfmemallocFlags,
  gfpToAllocFlags,
} from "./alloc-flags.js";
import {
  __GFP_FS,
  __GFP_HIGH,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  __GFP_WRITE,
  GFP_ATOMIC,
  GFP_FLAGS,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_PGTABLE_USER,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
} from "./gfp.js";

/** 6.1x mainline: HIGHATOMIC for every non-blocking order > 0 request. */
const OLD: GfpToAllocFlagsOptions = { highatomicNeedsMinReserve: false, rtTask: false, defragMode: false };
/** 6.15+ / stable fix: HIGHATOMIC only with __GFP_HIGH. */
const NEW: GfpToAllocFlagsOptions = { highatomicNeedsMinReserve: true, rtTask: false, defragMode: false };

describe("ALLOC_* values (mm/internal.h)", () => {
  it("match the kernel", () => {
    expect([ALLOC_WMARK_MIN, ALLOC_WMARK_LOW, ALLOC_WMARK_HIGH]).toEqual([0, 1, 2]);
    expect(ALLOC_NO_WATERMARKS).toBe(0x04);
    expect(ALLOC_WMARK_MASK).toBe(0x03);
    expect(ALLOC_OOM).toBe(0x08);
    expect(ALLOC_NON_BLOCK).toBe(0x10);
    expect(ALLOC_MIN_RESERVE).toBe(0x20);
    expect(ALLOC_CPUSET).toBe(0x40);
    expect(ALLOC_CMA).toBe(0x80);
    expect(ALLOC_NOFRAGMENT).toBe(0x100);
    expect(ALLOC_HIGHATOMIC).toBe(0x200);
    expect(ALLOC_TRYLOCK).toBe(0x400);
    expect(ALLOC_KSWAPD).toBe(0x800);
    expect(ALLOC_RESERVES).toBe(0x10 | 0x20 | 0x200 | 0x08);
  });

  it("share bits with __GFP_HIGH and __GFP_KSWAPD_RECLAIM (the kernel's BUILD_BUG_ONs)", () => {
    expect(ALLOC_MIN_RESERVE).toBe(__GFP_HIGH);
    expect(ALLOC_KSWAPD).toBe(__GFP_KSWAPD_RECLAIM);
  });
});

describe("formatAllocFlags", () => {
  it("prints the watermark index, then flags by value", () => {
    expect(formatAllocFlags(ALLOC_WMARK_MIN)).toBe("ALLOC_WMARK_MIN");
    expect(formatAllocFlags(ALLOC_WMARK_LOW | ALLOC_CPUSET | ALLOC_KSWAPD)).toBe(
      "ALLOC_WMARK_LOW|ALLOC_CPUSET|ALLOC_KSWAPD",
    );
    expect(formatAllocFlags(ALLOC_WMARK_HIGH | ALLOC_TRYLOCK)).toBe("ALLOC_WMARK_HIGH|ALLOC_TRYLOCK");
    expect(formatAllocFlags(ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK)).toBe(
      "ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_KSWAPD",
    );
  });

  it("drops the unused min index under ALLOC_NO_WATERMARKS", () => {
    expect(formatAllocFlags(ALLOC_NO_WATERMARKS | ALLOC_KSWAPD)).toBe("ALLOC_NO_WATERMARKS|ALLOC_KSWAPD");
    expect(formatAllocFlags(ALLOC_NO_WATERMARKS | ALLOC_WMARK_LOW)).toBe("ALLOC_WMARK_LOW|ALLOC_NO_WATERMARKS");
  });

  it("prints unnamed bits and watermark index 3 as hex", () => {
    expect(formatAllocFlags(3)).toBe("0x3");
    expect(formatAllocFlags(ALLOC_CPUSET | 0x1000)).toBe("ALLOC_WMARK_MIN|ALLOC_CPUSET|0x1000");
  });
});

describe("gfpToAllocFlags (gfp_to_alloc_flags)", () => {
  it("GFP_ATOMIC order 0: min reserve, non-block, kswapd, and no cpuset", () => {
    const flags = gfpToAllocFlags(GFP_ATOMIC, 0, NEW);
    expect(flags).toBe(ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
    expect(formatAllocFlags(flags)).toBe("ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_KSWAPD");
    expect(gfpToAllocFlags(GFP_ATOMIC, 0, OLD)).toBe(flags);
  });

  it("GFP_ATOMIC order > 0 gets ALLOC_HIGHATOMIC under both kernels", () => {
    const expected = ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC;
    expect(gfpToAllocFlags(GFP_ATOMIC, 2, OLD)).toBe(expected);
    expect(gfpToAllocFlags(GFP_ATOMIC, 2, NEW)).toBe(expected);
  });

  it("GFP_NOWAIT order 2: HIGHATOMIC only on the old kernel; cpuset kept without __GFP_HIGH", () => {
    expect(formatAllocFlags(gfpToAllocFlags(GFP_NOWAIT, 2, OLD))).toBe(
      "ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_CPUSET|ALLOC_HIGHATOMIC|ALLOC_KSWAPD",
    );
    expect(formatAllocFlags(gfpToAllocFlags(GFP_NOWAIT, 2, NEW))).toBe(
      "ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_CPUSET|ALLOC_KSWAPD",
    );
  });

  it("GFP_NOWAIT order 0 never gets HIGHATOMIC", () => {
    const expected = ALLOC_NON_BLOCK | ALLOC_CPUSET | ALLOC_KSWAPD;
    expect(gfpToAllocFlags(GFP_NOWAIT, 0, OLD)).toBe(expected);
    expect(gfpToAllocFlags(GFP_NOWAIT, 0, NEW)).toBe(expected);
  });

  it("__GFP_NOMEMALLOC refuses NON_BLOCK and HIGHATOMIC but still drops cpuset for __GFP_HIGH", () => {
    expect(gfpToAllocFlags(GFP_ATOMIC | __GFP_NOMEMALLOC, 3, OLD)).toBe(ALLOC_MIN_RESERVE | ALLOC_KSWAPD);
  });

  it("GFP_KERNEL: cpuset and kswapd only", () => {
    expect(formatAllocFlags(gfpToAllocFlags(GFP_KERNEL, 0, NEW))).toBe("ALLOC_WMARK_MIN|ALLOC_CPUSET|ALLOC_KSWAPD");
    expect(gfpToAllocFlags(GFP_KERNEL, 5, OLD)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD);
    expect(gfpToAllocFlags(GFP_PGTABLE_USER, 0, NEW)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD);
  });

  it("RT tasks that can block get the min reserve and keep the cpuset check", () => {
    const rt = { ...NEW, rtTask: true };
    expect(gfpToAllocFlags(GFP_KERNEL, 0, rt)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_MIN_RESERVE);
    // The RT branch is the else of !DIRECT_RECLAIM: a non-blocking RT caller gets nothing extra.
    expect(gfpToAllocFlags(GFP_NOWAIT, 0, rt)).toBe(gfpToAllocFlags(GFP_NOWAIT, 0, NEW));
  });

  it("movable requests get ALLOC_CMA", () => {
    expect(formatAllocFlags(gfpToAllocFlags(GFP_HIGHUSER_MOVABLE, 0, NEW))).toBe(
      "ALLOC_WMARK_MIN|ALLOC_CPUSET|ALLOC_CMA|ALLOC_KSWAPD",
    );
    expect(gfpToAllocFlags(GFP_KERNEL | __GFP_RECLAIMABLE, 0, NEW) & ALLOC_CMA).toBe(0);
  });

  it("the XFS large-folio mask (order 4) keeps cpuset, kswapd, CMA", () => {
    const gfp = ((GFP_HIGHUSER_MOVABLE & ~__GFP_FS) | __GFP_WRITE | __GFP_NORETRY | __GFP_NOWARN) >>> 0;
    expect(gfpToAllocFlags(gfp, 4, OLD)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_CMA);
  });

  it("THP masks: LIGHT refuses reserves (NOMEMALLOC) and wakes nobody", () => {
    expect(gfpToAllocFlags(GFP_TRANSHUGE_LIGHT, 9, OLD)).toBe(ALLOC_CPUSET | ALLOC_CMA);
    expect(gfpToAllocFlags(GFP_TRANSHUGE, 9, OLD)).toBe(ALLOC_CPUSET | ALLOC_CMA);
  });

  it("vm.defrag_mode adds ALLOC_NOFRAGMENT", () => {
    const defrag = { ...NEW, defragMode: true };
    expect(gfpToAllocFlags(GFP_KERNEL, 0, defrag)).toBe(ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NOFRAGMENT);
    expect(gfpToAllocFlags(GFP_ATOMIC, 1, defrag) & ALLOC_NOFRAGMENT).toBe(ALLOC_NOFRAGMENT);
  });

  it("always uses the min watermark and never sets the pfmemalloc-only bits", () => {
    const gfp = fc.subarray(GFP_FLAGS.map((f) => f.mask)).map((fs) => fs.reduce((a, f) => a | f, 0));
    const options = fc.record({
      highatomicNeedsMinReserve: fc.boolean(),
      rtTask: fc.boolean(),
      defragMode: fc.boolean(),
    });
    fc.assert(
      fc.property(gfp, fc.integer({ min: 0, max: 10 }), options, (g, order, opts) => {
        const flags = gfpToAllocFlags(g, order, opts);
        expect(flags & ALLOC_WMARK_MASK).toBe(ALLOC_WMARK_MIN);
        expect(flags & (ALLOC_NO_WATERMARKS | ALLOC_OOM | ALLOC_TRYLOCK)).toBe(0);
        // HIGHATOMIC implies NON_BLOCK, and with the fix also MIN_RESERVE.
        if (flags & ALLOC_HIGHATOMIC) {
          expect(flags & ALLOC_NON_BLOCK).toBe(ALLOC_NON_BLOCK);
          if (opts.highatomicNeedsMinReserve) expect(flags & ALLOC_MIN_RESERVE).toBe(ALLOC_MIN_RESERVE);
        }
      }),
    );
  });
});

describe("allocFlagsNofragment (alloc_flags_nofragment)", () => {
  it("copies KSWAPD from the gfp and adds NOFRAGMENT only with a populated DMA32 below NORMAL", () => {
    expect(allocFlagsNofragment(GFP_KERNEL, true)).toBe(ALLOC_KSWAPD | ALLOC_NOFRAGMENT);
    expect(allocFlagsNofragment(GFP_KERNEL, false)).toBe(ALLOC_KSWAPD);
    expect(allocFlagsNofragment(GFP_TRANSHUGE_LIGHT, true)).toBe(ALLOC_NOFRAGMENT);
    expect(allocFlagsNofragment(GFP_TRANSHUGE_LIGHT, false)).toBe(0);
  });

  it("defrag_mode forces NOFRAGMENT whatever the zones", () => {
    expect(allocFlagsNofragment(GFP_TRANSHUGE, false, true)).toBe(ALLOC_NOFRAGMENT);
    expect(allocFlagsNofragment(GFP_ATOMIC, false, true)).toBe(ALLOC_KSWAPD | ALLOC_NOFRAGMENT);
  });
});

describe("gfpPfmemallocFlags (__gfp_pfmemalloc_flags)", () => {
  const task = { pfMemalloc: false, inInterrupt: false, oomVictim: false };

  it("__GFP_NOMEMALLOC wins over everything", () => {
    expect(gfpPfmemallocFlags(__GFP_NOMEMALLOC | __GFP_MEMALLOC, { ...task, pfMemalloc: true })).toBe(0);
    expect(gfpPfmemallocFlags(GFP_KERNEL | __GFP_NOMEMALLOC, { ...task, oomVictim: true })).toBe(0);
  });

  it("__GFP_MEMALLOC gives no watermarks, even in interrupts", () => {
    expect(gfpPfmemallocFlags(GFP_ATOMIC | __GFP_MEMALLOC, { ...task, inInterrupt: true })).toBe(ALLOC_NO_WATERMARKS);
  });

  it("PF_MEMALLOC counts in task context and in a softirq, not in a hard interrupt", () => {
    expect(gfpPfmemallocFlags(GFP_KERNEL, { ...task, pfMemalloc: true })).toBe(ALLOC_NO_WATERMARKS);
    expect(gfpPfmemallocFlags(GFP_ATOMIC, { ...task, pfMemalloc: true, inInterrupt: true })).toBe(0);
    expect(
      gfpPfmemallocFlags(GFP_ATOMIC, { ...task, pfMemalloc: true, inInterrupt: true, inServingSoftirq: true }),
    ).toBe(ALLOC_NO_WATERMARKS);
  });

  it("OOM victims get ALLOC_OOM in task context only, and PF_MEMALLOC outranks it", () => {
    expect(gfpPfmemallocFlags(GFP_KERNEL, { ...task, oomVictim: true })).toBe(ALLOC_OOM);
    expect(gfpPfmemallocFlags(GFP_KERNEL, { ...task, oomVictim: true, inInterrupt: true })).toBe(0);
    expect(
      gfpPfmemallocFlags(GFP_KERNEL, { ...task, oomVictim: true, inServingSoftirq: true, inInterrupt: true }),
    ).toBe(0);
    expect(gfpPfmemallocFlags(GFP_KERNEL, { ...task, oomVictim: true, pfMemalloc: true })).toBe(ALLOC_NO_WATERMARKS);
  });

  it("an ordinary task gets nothing", () => {
    expect(gfpPfmemallocFlags(GFP_KERNEL, task)).toBe(0);
    expect(gfpPfmemallocFlags(GFP_ATOMIC, { ...task, inInterrupt: true })).toBe(0);
  });
});
