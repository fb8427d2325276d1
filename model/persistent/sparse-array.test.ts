import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emptySparseArray,
  type SparseArray,
  sparseDelete,
  sparseEntries,
  sparseForEach,
  sparseForEachInRange,
  sparseGet,
  sparseSet,
} from "./sparse-array.js";

type Cmd =
  | { readonly kind: "set"; readonly index: number; readonly value: number }
  | { readonly kind: "delete"; readonly index: number }
  | { readonly kind: "range"; readonly lo: number; readonly hi: number };

function commands(capacity: number): fc.Arbitrary<Cmd[]> {
  // Indices cluster in a few spots so deletes and overwrites hit entries that exist.
  const index = fc.oneof(fc.nat({ max: Math.min(capacity - 1, 40) }), fc.nat({ max: capacity - 1 }));
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("set" as const), index, value: fc.integer() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), index }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat({ max: capacity }), fc.nat({ max: capacity }))
        .map(([a, b]) => ({ kind: "range" as const, lo: Math.min(a, b), hi: Math.max(a, b) })),
    },
  );
  return fc.array(cmd, { maxLength: 120 });
}

function sortedEntries(model: ReadonlyMap<number, number>): [number, number][] {
  return [...model.entries()].sort((a, b) => a[0] - b[0]);
}

describe("SparseArray against a plain Map", () => {
  // Capacities around the 32-way node boundaries: one leaf, one full leaf, two levels, three levels.
  const capacities = [1, 31, 32, 33, 1024, 1025, 40_000, 1 << 20];

  it("agrees on get / count / entries / ranges after random set and delete", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...capacities).chain((c) => fc.tuple(fc.constant(c), commands(c))),
        ([capacity, cmds]) => {
          let array = emptySparseArray<number>(capacity);
          const model = new Map<number, number>();
          for (const cmd of cmds) {
            if (cmd.kind === "set") {
              array = sparseSet(array, cmd.index, cmd.value);
              model.set(cmd.index, cmd.value);
            } else if (cmd.kind === "delete") {
              array = sparseDelete(array, cmd.index);
              model.delete(cmd.index);
            } else {
              const seen: [number, number][] = [];
              sparseForEachInRange(array, cmd.lo, cmd.hi, (i, v) => {
                seen.push([i, v]);
                return true;
              });
              expect(seen).toEqual(sortedEntries(model).filter(([i]) => i >= cmd.lo && i < cmd.hi));
            }
            expect(array.count).toBe(model.size);
          }
          for (const [i, v] of model) expect(sparseGet(array, i)).toBe(v);
          expect(sparseEntries(array)).toEqual(sortedEntries(model));
          // Deleting everything leaves no nodes behind: "nothing here" has one representation.
          for (const i of model.keys()) array = sparseDelete(array, i);
          expect(array.count).toBe(0);
          expect(array.root).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("leaves every earlier version unchanged (persistence)", () => {
    fc.assert(
      fc.property(commands(2048), (cmds) => {
        const versions: { array: SparseArray<number>; snapshot: [number, number][] }[] = [];
        let array = emptySparseArray<number>(2048);
        const model = new Map<number, number>();
        for (const cmd of cmds) {
          if (cmd.kind === "set") {
            array = sparseSet(array, cmd.index, cmd.value);
            model.set(cmd.index, cmd.value);
          } else if (cmd.kind === "delete") {
            array = sparseDelete(array, cmd.index);
            model.delete(cmd.index);
          }
          versions.push({ array, snapshot: sortedEntries(model) });
        }
        for (const v of versions) {
          expect(sparseEntries(v.array)).toEqual(v.snapshot);
          expect(v.array.count).toBe(v.snapshot.length);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("SparseArray details", () => {
  it("sizes the trie as ceil(log32 capacity) levels", () => {
    // 32^1 = 32, 32^2 = 1024, 32^4 = 2^20: 2^20 pages need 4 levels, one more page needs 5.
    expect(emptySparseArray(1).depth).toBe(1);
    expect(emptySparseArray(32).depth).toBe(1);
    expect(emptySparseArray(33).depth).toBe(2);
    expect(emptySparseArray(1024).depth).toBe(2);
    expect(emptySparseArray(1 << 20).depth).toBe(4);
    expect(emptySparseArray((1 << 20) + 1).depth).toBe(5);
  });

  it("returns the same object when a set changes nothing", () => {
    const a = sparseSet(emptySparseArray<string>(100), 7, "x");
    expect(sparseSet(a, 7, "x")).toBe(a);
    expect(sparseDelete(a, 8)).toBe(a);
    expect(sparseDelete(emptySparseArray<string>(100), 99).count).toBe(0);
  });

  it("shares untouched subtrees with the previous version", () => {
    // Index 0 and index 1000 sit in different level-2 slots (1000 >>> 5 = 31); setting 1000 must
    // copy the root and one leaf and reuse the leaf holding index 0.
    const a = sparseSet(emptySparseArray<number>(1024), 0, 1);
    const b = sparseSet(a, 1000, 2);
    expect(b.root?.[0]).toBe(a.root?.[0]);
    expect(b.root).not.toBe(a.root);
  });

  it("stops a walk when the callback returns false", () => {
    let array = emptySparseArray<number>(5000);
    for (const i of [3, 70, 1500, 4999]) array = sparseSet(array, i, i * 2);
    const seen: number[] = [];
    sparseForEach(array, (i) => {
      seen.push(i);
      return i < 70;
    });
    expect(seen).toEqual([3, 70]);
  });

  it("treats the range as half-open [lo, hi)", () => {
    let array = emptySparseArray<number>(64);
    for (const i of [0, 31, 32, 63]) array = sparseSet(array, i, i);
    const seen: number[] = [];
    sparseForEachInRange(array, 31, 63, (i) => {
      seen.push(i);
      return true;
    });
    expect(seen).toEqual([31, 32]);
  });

  it("rejects bad capacities and out-of-range indices with a RangeError", () => {
    expect(() => emptySparseArray(0)).toThrow(RangeError);
    expect(() => emptySparseArray(1.5)).toThrow(/capacity must be a positive integer/);
    const a = emptySparseArray<number>(10);
    expect(() => sparseSet(a, 10, 1)).toThrow(/index 10 outside \[0, 10\)/);
    expect(() => sparseSet(a, -1, 1)).toThrow(RangeError);
    expect(() => sparseSet(a, 0.5, 1)).toThrow(RangeError);
  });
});
