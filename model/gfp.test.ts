import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  __GFP_ACCOUNT,
  __GFP_BITS_MASK,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_DMA,
  __GFP_DMA32,
  __GFP_FS,
  __GFP_HARDWALL,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MOVABLE,
  __GFP_NO_OBJ_EXT,
  __GFP_NOFAIL,
  __GFP_NOLOCKDEP,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_RECLAIMABLE,
  __GFP_SKIP_KASAN,
  __GFP_SKIP_ZERO,
  __GFP_WRITE,
  __GFP_ZERO,
  __GFP_ZEROTAGS,
  formatGfp,
  GFP_ATOMIC,
  GFP_COMPOSITES,
  GFP_DMA,
  GFP_DMA32,
  GFP_FLAGS,
  GFP_HIGHUSER,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT,
  GFP_NOFS,
  GFP_NOIO,
  GFP_NOWAIT,
  GFP_PGTABLE_KERNEL,
  GFP_PGTABLE_USER,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  GFP_USER,
  GfpParseError,
  gfpCompactionAllowed,
  gfpflagsAllowBlocking,
  gfpMigratetype,
  gfpMobilityConflict,
  parseGfp,
  SHOW_GFP_FLAGS_TABLE,
} from "./gfp.js";
import { MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE } from "./migratetype.js";

function parseError(text: string): GfpParseError {
  try {
    parseGfp(text);
  } catch (e) {
    if (e instanceof GfpParseError) return e;
    throw e;
  }
  throw new Error(`parseGfp(${JSON.stringify(text)}) did not throw`);
}

describe("GFP bit values", () => {
  it("follow the gfp_types.h enum order with every config flag on", () => {
    // Well-known values from traces of any kernel: the low 24 bits do not depend on config.
    expect(GFP_KERNEL).toBe(0xcc0);
    expect(GFP_KERNEL_ACCOUNT).toBe(0x400cc0);
    expect(GFP_NOFS).toBe(0xc40);
    expect(GFP_USER).toBe(0x100cc0);
    expect(GFP_HIGHUSER).toBe(0x100cc2);
    expect(GFP_ATOMIC).toBe(0x820);
    expect(GFP_NOWAIT).toBe(0x2800);
    expect(__GFP_ZEROTAGS).toBe(0x800000);
    // Config-dependent tail: KASAN_HW_TAGS, LOCKDEP, SLAB_OBJ_EXT all on.
    expect(__GFP_SKIP_ZERO).toBe(0x1000000);
    expect(__GFP_SKIP_KASAN).toBe(0x2000000);
    expect(__GFP_NOLOCKDEP).toBe(0x4000000);
    expect(__GFP_NO_OBJ_EXT).toBe(0x8000000);
    expect(GFP_HIGHUSER_MOVABLE).toBe(0x2100cca);
    expect(__GFP_BITS_MASK).toBe(0xfffffff);
  });

  it("gives every single flag its own bit and leaves bit 9 unused", () => {
    const all = GFP_FLAGS.reduce((acc, f) => acc | f.mask, 0);
    expect(GFP_FLAGS).toHaveLength(27);
    for (const f of GFP_FLAGS) expect(f.mask & (f.mask - 1)).toBe(0);
    expect(all).toBe(__GFP_BITS_MASK & ~0x200);
  });

  it("builds the composites as gfp_types.h and pgalloc.h define them", () => {
    expect(__GFP_RECLAIM).toBe(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM);
    expect(GFP_NOIO).toBe(__GFP_RECLAIM);
    expect(GFP_DMA).toBe(__GFP_DMA);
    expect(GFP_DMA32).toBe(__GFP_DMA32);
    expect(GFP_TRANSHUGE_LIGHT).toBe(
      __GFP_IO |
        __GFP_FS |
        __GFP_HARDWALL |
        __GFP_HIGHMEM |
        __GFP_MOVABLE |
        __GFP_SKIP_KASAN |
        __GFP_COMP |
        __GFP_NOMEMALLOC |
        __GFP_NOWARN,
    );
    expect(GFP_TRANSHUGE).toBe(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM);
    expect(GFP_PGTABLE_KERNEL).toBe(GFP_KERNEL | __GFP_ZERO);
    expect(GFP_PGTABLE_USER).toBe(GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT);
  });
});

describe("formatGfp (show_gfp_flags)", () => {
  // Expected strings worked out by hand from mmflags.h __def_gfpflag_names: walk the table,
  // take an entry when all its bits are still set, remove them.
  const golden: [string, number, string][] = [
    ["GFP_TRANSHUGE", GFP_TRANSHUGE, "GFP_TRANSHUGE"],
    ["GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"],
    ["GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"],
    ["GFP_HIGHUSER", GFP_HIGHUSER, "GFP_HIGHUSER"],
    ["GFP_USER", GFP_USER, "GFP_USER"],
    ["GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"],
    ["GFP_KERNEL", GFP_KERNEL, "GFP_KERNEL"],
    ["GFP_NOFS", GFP_NOFS, "GFP_NOFS"],
    ["GFP_ATOMIC", GFP_ATOMIC, "GFP_ATOMIC"],
    ["GFP_NOIO", GFP_NOIO, "GFP_NOIO"],
    ["GFP_NOWAIT", GFP_NOWAIT, "GFP_NOWAIT"],
    ["GFP_DMA", GFP_DMA, "GFP_DMA"],
    ["GFP_DMA32", GFP_DMA32, "GFP_DMA32"],
    // Same mask as GFP_NOIO, which the table lists first.
    ["__GFP_RECLAIM", __GFP_RECLAIM, "GFP_NOIO"],
    // Not in the table: the nearest composite plus the rest.
    ["GFP_PGTABLE_KERNEL", GFP_PGTABLE_KERNEL, "GFP_KERNEL|__GFP_ZERO"],
    ["GFP_PGTABLE_USER", GFP_PGTABLE_USER, "GFP_KERNEL_ACCOUNT|__GFP_ZERO"],
  ];
  it.each(golden)("prints %s as the kernel does", (_name, mask, printed) => {
    expect(formatGfp(mask)).toBe(printed);
  });

  it("covers every composite in the golden table", () => {
    expect(golden.map(([name]) => name).sort()).toEqual(GFP_COMPOSITES.map((c) => c.name).sort());
  });

  it("prints trailing single flags in enum bit order", () => {
    expect(formatGfp(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN)).toBe(
      "GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|__GFP_NORETRY",
    );
    expect(formatGfp(GFP_HIGHUSER_MOVABLE | __GFP_COMP)).toBe("GFP_HIGHUSER_MOVABLE|__GFP_COMP");
    expect(formatGfp(__GFP_NOFAIL | GFP_KERNEL | __GFP_ZERO)).toBe("GFP_KERNEL|__GFP_ZERO|__GFP_NOFAIL");
  });

  it("prints the XFS buffered-write folio mask (FS cleared, WRITE, NORETRY|NOWARN)", () => {
    const gfp = ((GFP_HIGHUSER_MOVABLE & ~__GFP_FS) | __GFP_WRITE | __GFP_NORETRY | __GFP_NOWARN) >>> 0;
    expect(formatGfp(gfp)).toBe(
      "GFP_NOFS|__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_WRITE|__GFP_NOWARN|__GFP_NORETRY|__GFP_HARDWALL|__GFP_SKIP_KASAN",
    );
  });

  it("lets an earlier composite win over a later one that also fits", () => {
    // GFP_NOWAIT|__GFP_HIGH is the same mask; GFP_ATOMIC comes first and takes KSWAPD_RECLAIM.
    expect(formatGfp(GFP_NOWAIT | __GFP_HIGH)).toBe("GFP_ATOMIC|__GFP_NOWARN");
    expect(formatGfp(GFP_TRANSHUGE_LIGHT | __GFP_RECLAIM)).toBe("GFP_TRANSHUGE|__GFP_KSWAPD_RECLAIM");
    expect(formatGfp(__GFP_DMA | __GFP_RECLAIMABLE)).toBe("GFP_DMA|__GFP_RECLAIMABLE");
    expect(formatGfp(__GFP_KSWAPD_RECLAIM)).toBe("__GFP_KSWAPD_RECLAIM");
    expect(formatGfp(__GFP_DIRECT_RECLAIM | __GFP_IO)).toBe("__GFP_IO|__GFP_DIRECT_RECLAIM");
  });

  it("prints the config-dependent flags after ZEROTAGS", () => {
    expect(formatGfp(__GFP_NO_OBJ_EXT | __GFP_NOLOCKDEP | __GFP_SKIP_ZERO | __GFP_ZEROTAGS)).toBe(
      "__GFP_ZEROTAGS|__GFP_SKIP_ZERO|__GFP_NOLOCKDEP|__GFP_NO_OBJ_EXT",
    );
  });

  it('prints 0 as "none" and unnamed bits as lowercase hex', () => {
    expect(formatGfp(0)).toBe("none");
    expect(formatGfp(0x200)).toBe("0x200");
    expect(formatGfp(GFP_KERNEL | 0x200)).toBe("GFP_KERNEL|0x200");
    expect(formatGfp(0xf0000000)).toBe("0xf0000000");
    expect(formatGfp((GFP_ATOMIC | 0x80000200) >>> 0)).toBe("GFP_ATOMIC|0x80000200");
  });

  it("has the composites ahead of the single flags, as mmflags.h does", () => {
    expect(SHOW_GFP_FLAGS_TABLE.slice(0, 14).map((e) => e.name)).toEqual([
      "GFP_TRANSHUGE",
      "GFP_TRANSHUGE_LIGHT",
      "GFP_HIGHUSER_MOVABLE",
      "GFP_HIGHUSER",
      "GFP_USER",
      "GFP_KERNEL_ACCOUNT",
      "GFP_KERNEL",
      "GFP_NOFS",
      "GFP_ATOMIC",
      "GFP_NOIO",
      "GFP_NOWAIT",
      "GFP_DMA",
      "GFP_DMA32",
      "__GFP_RECLAIM",
    ]);
  });
});

describe("parseGfp", () => {
  it("reads single flags, composites, hex and none", () => {
    expect(parseGfp("__GFP_NORETRY")).toBe(__GFP_NORETRY);
    expect(parseGfp("GFP_PGTABLE_USER")).toBe(GFP_PGTABLE_USER);
    expect(parseGfp("__GFP_RECLAIM")).toBe(__GFP_RECLAIM);
    expect(parseGfp("0x200")).toBe(0x200);
    expect(parseGfp("0XCC0")).toBe(GFP_KERNEL);
    expect(parseGfp("none")).toBe(0);
    expect(parseGfp("0x0")).toBe(0);
  });

  it("ORs tokens and tolerates spaces around names", () => {
    expect(parseGfp(" GFP_HIGHUSER_MOVABLE | __GFP_NOWARN|__GFP_NORETRY ")).toBe(
      GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | __GFP_NORETRY,
    );
    expect(parseGfp("GFP_KERNEL|__GFP_IO")).toBe(GFP_KERNEL);
    expect(parseGfp("GFP_ATOMIC|0x80000200")).toBe(0x80000a20);
  });

  it("names the bad token and suggests the close name", () => {
    const e = parseError("GFP_KERNEL|__GFP_NORETYR");
    expect(e.message).toBe('unknown GFP flag "__GFP_NORETYR" (did you mean __GFP_NORETRY?)');
    expect(e.token).toBe("__GFP_NORETYR");
    expect(e.suggestions).toEqual(["__GFP_NORETRY"]);
    expect(e.input).toBe("GFP_KERNEL|__GFP_NORETYR");
    expect(e.name).toBe("GfpParseError");
    expect(e).toBeInstanceOf(Error);
  });

  it("suggests the right spelling for a wrong prefix or case", () => {
    expect(parseError("GFP_NORETRY").message).toBe('unknown GFP flag "GFP_NORETRY" (did you mean __GFP_NORETRY?)');
    expect(parseError("__GFP_KERNEL").message).toBe('unknown GFP flag "__GFP_KERNEL" (did you mean GFP_KERNEL?)');
    expect(parseError("gfp_kernel").message).toBe('unknown GFP flag "gfp_kernel" (did you mean GFP_KERNEL?)');
    expect(parseError("NOWARN").message).toBe('unknown GFP flag "NOWARN" (did you mean __GFP_NOWARN?)');
  });

  it("lists several close matches, best first", () => {
    expect(parseError("GFP_DMA31").message).toBe(
      'unknown GFP flag "GFP_DMA31" (did you mean __GFP_DMA32 or GFP_DMA32?)',
    );
    expect(parseError("GFP_NOI0").message).toBe('unknown GFP flag "GFP_NOI0" (did you mean GFP_NOIO?)');
  });

  it("omits the hint when nothing is close", () => {
    const e = parseError("GFP_WHATEVER");
    expect(e.message).toBe('unknown GFP flag "GFP_WHATEVER"');
    expect(e.suggestions).toEqual([]);
  });

  it("rejects empty masks and empty tokens", () => {
    expect(parseError("").message).toBe(
      'empty GFP mask (expected flag names joined by "|", a 0x hex value, or "none")',
    );
    expect(parseError("   ").message).toBe(
      'empty GFP mask (expected flag names joined by "|", a 0x hex value, or "none")',
    );
    expect(parseError("GFP_KERNEL||__GFP_ZERO").message).toBe(
      'empty GFP flag name in "GFP_KERNEL||__GFP_ZERO" (token 2 of 3)',
    );
    expect(parseError("|GFP_KERNEL").message).toBe('empty GFP flag name in "|GFP_KERNEL" (token 1 of 2)');
    expect(parseError("GFP_KERNEL| ").message).toBe('empty GFP flag name in "GFP_KERNEL| " (token 2 of 2)');
  });

  it("rejects bad and oversized hex", () => {
    expect(parseError("0x").message).toBe('bad hex value "0x" in GFP mask (expected 0x followed by hex digits)');
    expect(parseError("GFP_KERNEL|0xZZ").message).toBe(
      'bad hex value "0xZZ" in GFP mask (expected 0x followed by hex digits)',
    );
    expect(parseError("0x12g").message).toBe('bad hex value "0x12g" in GFP mask (expected 0x followed by hex digits)');
    expect(parseError("0x100000000").message).toBe('hex value "0x100000000" does not fit in a 32-bit gfp_t');
  });

  it('rejects "none" combined with other flags', () => {
    expect(parseError("none|GFP_KERNEL").message).toBe(
      '"none" is the empty mask and cannot be combined with other flags in "none|GFP_KERNEL"',
    );
  });

  it("round-trips random flag sets through formatGfp", () => {
    const singleFlags = GFP_FLAGS.map((f) => f.mask);
    const flagSet = fc
      .subarray(singleFlags)
      .map((flags) => flags.reduce((acc, f) => acc | f, 0))
      .chain((mask) => fc.oneof(fc.constant(mask), fc.constant((mask | 0x200) >>> 0)));
    fc.assert(
      fc.property(flagSet, (mask) => {
        expect(parseGfp(formatGfp(mask))).toBe(mask);
      }),
    );
  });

  it("round-trips any 32-bit value, composites included", () => {
    const composite = fc.constantFrom(...GFP_COMPOSITES.map((c) => c.mask));
    const mask = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.tuple(composite, fc.integer({ min: 0, max: 0xffffffff })).map(([c, x]) => (c | (x & 0x3f2000)) >>> 0),
    );
    fc.assert(
      fc.property(mask, (m) => {
        expect(parseGfp(formatGfp(m))).toBe(m);
      }),
    );
  });
});

describe("gfp.h helpers", () => {
  it("gfpMigratetype reads the two mobility bits", () => {
    expect(gfpMigratetype(GFP_KERNEL)).toBe(MIGRATE_UNMOVABLE);
    expect(gfpMigratetype(GFP_PGTABLE_USER)).toBe(MIGRATE_UNMOVABLE);
    expect(gfpMigratetype(GFP_HIGHUSER_MOVABLE)).toBe(MIGRATE_MOVABLE);
    expect(gfpMigratetype(GFP_TRANSHUGE_LIGHT)).toBe(MIGRATE_MOVABLE);
    expect(gfpMigratetype(GFP_KERNEL | __GFP_RECLAIMABLE)).toBe(MIGRATE_RECLAIMABLE);
    // HIGHMEM alone is a zone modifier, not mobility.
    expect(gfpMigratetype(GFP_HIGHUSER)).toBe(MIGRATE_UNMOVABLE);
  });

  it("gfpMigratetype with both bits is the kernel's WARN case and yields MIGRATE_HIGHATOMIC", () => {
    const both = GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE;
    expect(gfpMobilityConflict(both)).toBe(true);
    expect(gfpMobilityConflict(GFP_HIGHUSER_MOVABLE)).toBe(false);
    expect(gfpMigratetype(both)).toBe(MIGRATE_HIGHATOMIC);
  });

  it("gfpMigratetype is UNMOVABLE when page_group_by_mobility_disabled", () => {
    expect(gfpMigratetype(GFP_HIGHUSER_MOVABLE, true)).toBe(MIGRATE_UNMOVABLE);
    expect(gfpMigratetype(__GFP_RECLAIMABLE, true)).toBe(MIGRATE_UNMOVABLE);
  });

  it("gfpflagsAllowBlocking is DIRECT_RECLAIM", () => {
    expect(gfpflagsAllowBlocking(GFP_KERNEL)).toBe(true);
    expect(gfpflagsAllowBlocking(GFP_NOIO)).toBe(true);
    expect(gfpflagsAllowBlocking(GFP_TRANSHUGE)).toBe(true);
    expect(gfpflagsAllowBlocking(GFP_ATOMIC)).toBe(false);
    expect(gfpflagsAllowBlocking(GFP_NOWAIT)).toBe(false);
    expect(gfpflagsAllowBlocking(GFP_TRANSHUGE_LIGHT)).toBe(false);
  });

  it("gfpCompactionAllowed needs __GFP_IO", () => {
    expect(gfpCompactionAllowed(GFP_KERNEL)).toBe(true);
    expect(gfpCompactionAllowed(GFP_NOFS)).toBe(true);
    expect(gfpCompactionAllowed(GFP_TRANSHUGE_LIGHT)).toBe(true);
    expect(gfpCompactionAllowed(GFP_NOIO)).toBe(false);
    expect(gfpCompactionAllowed(GFP_ATOMIC)).toBe(false);
  });
});
