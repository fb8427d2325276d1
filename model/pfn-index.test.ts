import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from "./migratetype.js";
import {
  allocationAt,
  emptyPageOwners,
  forEachAllocationInRange,
  handleAt,
  moveAllocation,
  type PageOwners,
  recordAllocation,
  releaseAllocation,
  setDirty,
} from "./page-owner.js";
import { sparseEntries, sparseForEach } from "./persistent/sparse-array.js";
import { type PfnIndexEntry, pfnIndex } from "./pfn-index.js";

const NR_PAGES = 4096;

/** The index built from nothing: every live allocation's handle at its head pfn, ascending. */
function indexFromScratch(owners: PageOwners): [number, PfnIndexEntry][] {
  const byPfn = new Map<number, number[]>();
  sparseForEach(owners.byHandle, (handle, alloc) => {
    byPfn.set(alloc.pfn, [...(byPfn.get(alloc.pfn) ?? []), handle]);
    return true;
  });
  return [...byPfn.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([pfn, handles]) => [pfn, handles.length === 1 ? (handles[0] as number) : handles]);
}

function record(owners: PageOwners, pfn: number, order: number): PageOwners {
  return recordAllocation(owners, { pfn, order, gfp: 0, migratetype: MIGRATE_MOVABLE, use: "pagecache" }).owners;
}

/** What a step does to the owner table; `pick` chooses among the live handles. */
type OwnerOp =
  | { readonly kind: "record"; readonly pfn: number }
  | { readonly kind: "release"; readonly pick: number }
  | { readonly kind: "move"; readonly pick: number; readonly pfn: number }
  | { readonly kind: "dirty"; readonly pick: number };

const ownerOp: fc.Arbitrary<OwnerOp> = fc.oneof(
  // Few distinct pfns, so heads are reused after frees and, now and then, claimed twice.
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("record" as const), pfn: fc.nat({ max: 63 }).map((p) => p * 64) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), pfn: fc.nat({ max: NR_PAGES - 1 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("dirty" as const), pick: fc.nat() }) },
);

function liveHandles(owners: PageOwners): number[] {
  return sparseEntries(owners.byHandle).map(([handle]) => handle);
}

function applyOp(owners: PageOwners, op: OwnerOp): PageOwners {
  if (op.kind === "record") return record(owners, op.pfn, 0);
  const live = liveHandles(owners);
  if (live.length === 0) return owners;
  const handle = live[op.pick % live.length] as number;
  if (op.kind === "release") return releaseAllocation(owners, handle);
  if (op.kind === "move") return moveAllocation(owners, handle, op.pfn);
  return setDirty(owners, handle, true);
}

describe("pfnIndex", () => {
  it("equals the index built from nothing, for every version, whatever was indexed before", () => {
    fc.assert(
      fc.property(
        // Each new version grows from a random earlier one: a tree of versions, as shrinking and
        // forked runs make, not one line.
        fc.array(fc.tuple(fc.nat(), ownerOp), { maxLength: 80 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        (growth, queries) => {
          const versions: PageOwners[] = [emptyPageOwners(NR_PAGES)];
          for (const [parent, op] of growth) {
            versions.push(applyOp(versions[parent % versions.length] as PageOwners, op));
          }
          for (const q of queries) {
            const owners = versions[q % versions.length] as PageOwners;
            expect(sparseEntries(pfnIndex(owners.byHandle, NR_PAGES))).toEqual(indexFromScratch(owners));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("answers for the zone it is asked about", () => {
    const small = record(emptyPageOwners(1024), 512, 0);
    const big = record(emptyPageOwners(NR_PAGES), 3000, 0);
    expect(pfnIndex(small.byHandle, 1024).capacity).toBe(1024);
    expect(pfnIndex(small.byHandle, NR_PAGES).capacity).toBe(NR_PAGES);
    expect(handleAt(big, 3000)).toBe(1);
    expect(handleAt(small, 512)).toBe(1);
    expect(handleAt(small, 3000 % 1024)).toBeUndefined();
  });
});

describe("what page-owner reads through it", () => {
  it("finds allocations by head pfn, following frees and migrations", () => {
    let owners = record(emptyPageOwners(NR_PAGES), 64, 2);
    owners = recordAllocation(owners, {
      pfn: 8,
      order: 3,
      gfp: 0,
      migratetype: MIGRATE_UNMOVABLE,
      use: "kernel",
    }).owners;
    expect(allocationAt(owners, 64)?.handle).toBe(1);
    expect(allocationAt(owners, 8)?.use).toBe("kernel");
    expect(allocationAt(owners, 65)).toBeUndefined();
    const moved = moveAllocation(owners, 1, 128);
    expect(allocationAt(moved, 64)).toBeUndefined();
    expect(allocationAt(moved, 128)?.handle).toBe(1);
    // The older version still says what it said.
    expect(allocationAt(owners, 64)?.handle).toBe(1);
    const freed = releaseAllocation(moved, 2);
    const seen: [number, number][] = [];
    forEachAllocationInRange(freed, 0, NR_PAGES, (alloc, pfn) => seen.push([pfn, alloc.handle]));
    expect(seen).toEqual([[128, 1]]);
  });

  it("reports the newest of two live allocations on one head pfn, and the other once that one goes", () => {
    // Only a broken model hands one block out twice; the index must still not depend on history.
    const twice = record(record(emptyPageOwners(NR_PAGES), 256, 0), 256, 0);
    expect(sparseEntries(pfnIndex(twice.byHandle, NR_PAGES))).toEqual([[256, [1, 2]]]);
    expect(handleAt(twice, 256)).toBe(2);
    const seen: number[] = [];
    forEachAllocationInRange(twice, 0, NR_PAGES, (alloc) => seen.push(alloc.handle));
    expect(seen).toEqual([2]);
    expect(handleAt(releaseAllocation(twice, 2), 256)).toBe(1);
    expect(handleAt(releaseAllocation(twice, 1), 256)).toBe(2);
  });
});
