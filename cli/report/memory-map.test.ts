import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "../../model/gfp.js";
import { MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from "../../model/migratetype.js";
import { recordAllocation } from "../../model/page-owner.js";
import { initSystem, type Op, type System, step } from "../../model/system.js";
import { setPageblockMigratetype } from "../../model/zone.js";
import {
  type CellClass,
  changedCells,
  dominantClass,
  memoryMap,
  memoryMapLegend,
  memoryMapSvg,
  memoryMapText,
} from "./memory-map.js";

/** 64 pages, pageblocks of 8: one cell per page, the whole zone on one line of the strip. */
const SMALL = { nrPages: 64, maxPageOrder: 3, pageblockOrder: 3, nrCpus: 2, pcpBatch: 4, pcpHigh: 16 } as const;

function run(system: System, ...ops: Op[]): System {
  let next = system;
  for (const op of ops) next = step(next, op).system;
  return next;
}

function classes(system: System): CellClass[] {
  return memoryMap(system.zone, system.owners).cells.map((c) => c.cls);
}

/**
 * An unmovable order-0 allocation on cpu 0 (rmqueue_bulk() takes a batch of 4: one allocated,
 * three left on the pcp list, claiming pageblock 0 for UNMOVABLE), then a movable order-1 one on
 * cpu 1 (a batch of two order-1 blocks: one allocated, one on the pcp list).
 */
function twoAllocations(config: typeof SMALL | (typeof SMALL & { faults: ["lose-expand-remainder"] }) = SMALL) {
  return run(
    initSystem({ zone: config }),
    { kind: "alloc", order: 0, gfp: GFP_KERNEL, cpu: 0 },
    { kind: "alloc", order: 1, gfp: GFP_HIGHUSER_MOVABLE, cpu: 1 },
  );
}

describe("memoryMap: one cell per page on a small zone", () => {
  it("a fresh zone is free pages in MOVABLE pageblocks", () => {
    const system = initSystem({ zone: SMALL });
    const map = memoryMap(system.zone, system.owners);
    expect(map.unit).toBe("page");
    expect(map.cells).toHaveLength(64);
    expect(map.cells.every((c) => c.cls === "free" && c.pageblockMt === MIGRATE_MOVABLE)).toBe(true);
    expect(map.cells[5]?.title).toBe(
      "pfn 0x5: free, order-3 block (pfns 0x0-0x7) on the Movable list; pageblock 0 Movable",
    );
  });

  it("tells an allocated page from a pcp page from a free one, with the pageblock's type", () => {
    const system = twoAllocations();
    const map = memoryMap(system.zone, system.owners);
    expect(classes(system).slice(0, 12)).toEqual([
      "unmovable",
      "pcp",
      "pcp",
      "pcp",
      "free",
      "free",
      "free",
      "free",
      "movable",
      "movable",
      "pcp",
      "pcp",
    ]);
    expect(map.cells[0]?.pageblockMt).toBe(MIGRATE_UNMOVABLE);
    expect(map.cells[8]?.pageblockMt).toBe(MIGRATE_MOVABLE);
    expect(map.cells[0]?.title).toBe(
      "pfn 0x0: allocation #1 (kernel), order-0 block (pfn 0x0), GFP_KERNEL, Unmovable; pageblock 0 Unmovable",
    );
    expect(map.cells[2]?.title).toBe("pfn 0x2: on cpu 0's pcp list 0, order-0 block (pfn 0x2); pageblock 0 Unmovable");
    expect(map.cells[9]?.title).toContain("allocation #2 (anon), order-1 block (pfns 0x8-0x9), GFP_HIGHUSER_MOVABLE");
  });

  it("a page table is pgtable whatever its migratetype", () => {
    const system = run(initSystem({ zone: SMALL }), {
      kind: "alloc",
      order: 0,
      gfp: GFP_HIGHUSER_MOVABLE,
      cpu: 0,
      use: "pgtable",
    });
    expect(classes(system)[0]).toBe("pgtable");
  });

  it("an allocation in a HIGHATOMIC pageblock is highatomic", () => {
    const system = twoAllocations();
    const zone = setPageblockMigratetype(system.zone, 8, MIGRATE_HIGHATOMIC);
    const cells = memoryMap(zone, system.owners).cells;
    expect(cells[8]?.cls).toBe("highatomic");
    expect(cells[8]?.pageblockMt).toBe(MIGRATE_HIGHATOMIC);
  });

  it("pages nowhere are lost, pages in two places are a conflict", () => {
    // lose-expand-remainder: expand() drops the smallest split-off half of each split.
    const leaky = twoAllocations({ ...SMALL, faults: ["lose-expand-remainder"] });
    expect(classes(leaky).slice(0, 8)).toEqual(["unmovable", "lost", "pcp", "lost", "pcp", "lost", "pcp", "lost"]);
    const system = twoAllocations();
    // Record an allocation over free pfn 4 behind the allocator's back.
    const owners = recordAllocation(system.owners, {
      pfn: 4,
      order: 1,
      gfp: GFP_KERNEL,
      migratetype: 0,
      use: "kernel",
    });
    const cells = memoryMap(system.zone, owners.owners).cells;
    expect(cells.slice(3, 7).map((c) => c.cls)).toEqual(["pcp", "conflict", "conflict", "free"]);
    expect(cells[4]?.title).toContain(
      "in two places: free, order-2 block (pfns 0x4-0x7) on the Unmovable list and allocation #3",
    );
  });

  it("prints one character per page, 64 a line, the pageblocks' types after it, marks below", () => {
    const system = twoAllocations();
    const map = memoryMap(system.zone, system.owners);
    expect(memoryMapText(map, { marks: [1, 9] })).toEqual([
      " 0x0 Uppp....MMpp....................................................  ummmmmmm",
      "      ^       ^",
    ]);
    expect(memoryMapText(map, { color: true }).join("")).toContain("\x1b[31mU\x1b[0m");
    const legend = memoryMapLegend(map).join("\n");
    for (const word of ["free", "pcp", "movable", "unmovable", "reclaimable", "highatomic", "page table", "lost"]) {
      expect(legend).toContain(word);
    }
  });

  it("draws an SVG rect with a title per cell, a band per pageblock and a legend", () => {
    const system = twoAllocations();
    const map = memoryMap(system.zone, system.owners);
    const svg = memoryMapSvg(map, { marks: [0] });
    const cellRects = svg.match(/<rect [^>]*height="10"[^/]*?><title>pfn /g) ?? [];
    expect(cellRects).toHaveLength(64);
    expect(svg.match(/<title>pageblock \d+ \(pfns/g)).toHaveLength(8);
    expect(svg).toContain("page table</text>");
    expect(svg.match(/stroke-width="2"/g)).toHaveLength(1);
    expect(memoryMapSvg(map, { marks: [0] })).toBe(svg);
  });

  it("counts the cells a step changed", () => {
    const before = initSystem({ zone: SMALL });
    const after = twoAllocations();
    const a = memoryMap(before.zone, before.owners);
    const b = memoryMap(after.zone, after.owners);
    // Every cell of pageblock 0 (retyped UNMOVABLE), and pfns 8-11 (allocated or on a pcp list).
    expect(changedCells(a, a)).toBe(0);
    expect(changedCells(a, b)).toBe(8 + 4);
  });
});

describe("memoryMap: one cell per pageblock on a larger zone", () => {
  const LARGE = { nrPages: 2048, maxPageOrder: 6, pageblockOrder: 3, nrCpus: 2, pcpBatch: 4, pcpHigh: 16 } as const;

  it("shows the dominant class, upper case when half the pageblock or more is allocated", () => {
    const system = run(
      initSystem({ zone: LARGE }),
      { kind: "alloc", order: 3, gfp: GFP_KERNEL, cpu: 0 },
      { kind: "alloc", order: 0, gfp: GFP_HIGHUSER_MOVABLE, cpu: 0 },
    );
    const map = memoryMap(system.zone, system.owners);
    expect(map.unit).toBe("pageblock");
    expect(map.cells).toHaveLength(256);
    expect(map.cells[0]).toMatchObject({ cls: "unmovable", used: 8, pages: 8, counts: { unmovable: 8 } });
    expect(map.cells[8]).toMatchObject({ cls: "movable", used: 1, counts: { free: 4, pcp: 3, movable: 1 } });
    expect(map.cells[8]?.title).toBe("pageblock 8 (pfns 0x40-0x47) Movable: 4 free, 3 pcp, 1 movable");
    const lines = memoryMapText(map);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toBe(`  0x0 Up......m${".".repeat(55)}`);
    expect(lines[1]).toBe(`      ${"u".repeat(8)}${"m".repeat(56)}`);
    expect(memoryMapSvg(map)).toContain('fill-opacity="0.39"');
  });

  it("dominantClass: anomalies first, then the largest allocated class, then free or pcp", () => {
    expect(dominantClass({ free: 500, lost: 1 })).toBe("lost");
    expect(dominantClass({ lost: 3, conflict: 1 })).toBe("conflict");
    expect(dominantClass({ free: 500, unmovable: 1, movable: 2 })).toBe("movable");
    expect(dominantClass({ free: 2, pcp: 3 })).toBe("pcp");
    expect(dominantClass({ free: 3, pcp: 3 })).toBe("free");
  });
});
