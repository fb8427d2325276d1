import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emptyGrowingSparseArray,
  emptySparseArray,
  type SparseArray,
  sparseDelete,
  sparseDiff,
  sparseEdit,
  sparseEditDone,
  sparseEditRemove,
  sparseEditSet,
  sparseEditUpdate,
  sparseEntries,
  sparseForEach,
  sparseForEachInRange,
  sparseGet,
  sparseSet,
  sparseTrieShape,
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

describe("sparseDiff", () => {
  /** Applies `cmds` (sets and deletes; ranges ignored) to `array`, each set making a new version. */
  function apply(array: SparseArray<number>, cmds: readonly Cmd[]): SparseArray<number> {
    let a = array;
    for (const cmd of cmds) {
      if (cmd.kind === "set") a = sparseSet(a, cmd.index, cmd.value);
      else if (cmd.kind === "delete") a = sparseDelete(a, cmd.index);
    }
    return a;
  }

  /** Every index whose entries differ, from the entry lists: what sparseDiff must report. */
  function expectedDiff(
    a: SparseArray<number>,
    b: SparseArray<number>,
  ): [number, number | undefined, number | undefined][] {
    const before = new Map(sparseEntries(a));
    const after = new Map(sparseEntries(b));
    const indices = [...new Set([...before.keys(), ...after.keys()])].sort((x, y) => x - y);
    return indices.filter((i) => before.get(i) !== after.get(i)).map((i) => [i, before.get(i), after.get(i)]);
  }

  function diff(a: SparseArray<number>, b: SparseArray<number>) {
    const seen: [number, number | undefined, number | undefined][] = [];
    sparseDiff(a, b, (i, x, y) => seen.push([i, x, y]));
    return seen;
  }

  it("reports exactly the entries that differ, in index order, between related and unrelated versions", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(33, 1024, 40_000).chain((c) => fc.tuple(fc.constant(c), commands(c), commands(c), commands(c))),
        ([capacity, common, left, right]) => {
          const ancestor = apply(emptySparseArray(capacity), common);
          const a = apply(ancestor, left);
          const b = apply(ancestor, right);
          const unrelated = apply(emptySparseArray(capacity), right);
          for (const [x, y] of [
            [ancestor, a],
            [a, ancestor],
            [a, b],
            [a, unrelated],
            [a, a],
          ] as const) {
            expect(diff(x, y)).toEqual(expectedDiff(x, y));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("compares growing arrays of different depths", () => {
    let small = emptyGrowingSparseArray<number>(1 << 30);
    small = sparseSet(small, 3, 30);
    let big = sparseSet(small, 5000, 50);
    big = sparseDelete(big, 3);
    expect(big.depth).toBeGreaterThan(small.depth);
    expect(diff(small, big)).toEqual([
      [3, 30, undefined],
      [5000, undefined, 50],
    ]);
    expect(diff(big, small)).toEqual([
      [3, undefined, 30],
      [5000, 50, undefined],
    ]);
  });

  it("does not look inside subtrees the two versions share", () => {
    let array = emptySparseArray<number>(1 << 20);
    for (let i = 0; i < 1 << 20; i += 97) array = sparseSet(array, i, i);
    // 600_000 is under the root's slot 18; slot 0 (pfns 0..32767) stays shared, and is watched.
    const next = sparseSet(array, 600_000, -1);
    const root = array.root as readonly unknown[];
    expect((next.root as readonly unknown[])[0]).toBe(root[0]);
    let reads = 0;
    const watched = new Proxy(root[0] as unknown[], {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const withWatched = (a: SparseArray<number>): SparseArray<number> => {
      const copy = (a.root as readonly unknown[]).slice();
      copy[0] = watched;
      return { ...a, root: copy };
    };
    const seen = diff(withWatched(array), withWatched(next));
    expect(seen).toEqual([[600_000, undefined, -1]]);
    expect(reads).toBe(0);
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

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}

describe("SparseArray edit sessions (transients)", () => {
  const capacities = [1, 31, 32, 33, 1024, 1025, 40_000, 1 << 20];

  it("build the same array as sparseSet, session after session, and never write to the input", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...capacities).chain((c) => fc.tuple(fc.constant(c), commands(c), fc.nat({ max: 7 }))),
        ([capacity, cmds, sessionLength]) => {
          let persistent = emptySparseArray<number>(capacity);
          let edited = persistent;
          let base = deepFreeze(edited);
          let before = sparseEntries(base);
          let editor = sparseEdit(base);
          let inSession = 0;
          for (const cmd of cmds) {
            if (cmd.kind === "range") continue;
            const value = cmd.kind === "set" ? cmd.value : undefined;
            persistent = sparseSet(persistent, cmd.index, value);
            sparseEditSet(editor, cmd.index, value);
            // Reads during the session see the writes so far.
            expect(sparseGet(editor.array, cmd.index)).toBe(value);
            expect(editor.array.count).toBe(persistent.count);
            if (++inSession > sessionLength) {
              edited = sparseEditDone(editor, base);
              expect(sparseEntries(base)).toEqual(before);
              expect(sparseTrieShape(edited)).toEqual(sparseTrieShape(persistent));
              base = deepFreeze(edited);
              before = sparseEntries(base);
              editor = sparseEdit(base);
              inSession = 0;
            }
          }
          edited = sparseEditDone(editor, base);
          expect(sparseEntries(base)).toEqual(before);
          // Same entries, same nodes, same pruning: the trie itself is equal, not just its contents.
          expect(sparseTrieShape(edited)).toEqual(sparseTrieShape(persistent));
          if (persistent.count === 0) expect(edited.root).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("returns what sparseEditRemove and sparseEditUpdate found", () => {
    const base = deepFreeze(sparseSet(sparseSet(emptySparseArray<number>(5000), 7, 70), 4000, 400));
    const editor = sparseEdit(base);
    expect(sparseEditRemove(editor, 8)).toBeUndefined();
    expect(sparseEditUpdate(editor, 9, (old, add: number) => old + add, 1, 0, 0)).toBeUndefined();
    expect(sparseEditUpdate(editor, 7, (old, add: number) => old + add, 1, 0, 0)).toBe(70);
    expect(sparseEditRemove(editor, 4000)).toBe(400);
    const done = sparseEditDone(editor, base);
    expect(sparseEntries(done)).toEqual([[7, 71]]);
    expect(sparseEntries(base)).toEqual([
      [7, 70],
      [4000, 400],
    ]);
  });

  it("gives back the input when nothing was written, and refuses writes once closed", () => {
    const base = sparseSet(emptySparseArray<string>(100), 3, "x");
    const idle = sparseEdit(base);
    expect(sparseEditDone(idle, base)).toBe(base);
    // Deleting what is not there leaves the same contents (the path to it may have been copied).
    const editor = sparseEdit(base);
    sparseEditSet(editor, 50, undefined);
    expect(sparseTrieShape(sparseEditDone(editor, base))).toEqual(sparseTrieShape(base));
    expect(() => sparseEditSet(editor, 4, "y")).toThrow(/closed/);
  });
});

describe("growing SparseArrays", () => {
  it("agree with a plain Map and with a fixed-depth array, growing only as far as the indices go", () => {
    fc.assert(
      fc.property(commands(1 << 30), (cmds) => {
        let growing = emptyGrowingSparseArray<number>(1 << 30);
        let fixed = emptySparseArray<number>(1 << 30);
        const model = new Map<number, number>();
        let largestSet = 0;
        for (const cmd of cmds) {
          if (cmd.kind === "range") continue;
          const value = cmd.kind === "set" ? cmd.value : undefined;
          if (value !== undefined) largestSet = Math.max(largestSet, cmd.index);
          growing = sparseSet(growing, cmd.index, value);
          fixed = sparseSet(fixed, cmd.index, value);
          if (value === undefined) model.delete(cmd.index);
          else model.set(cmd.index, value);
          for (const i of [cmd.index, cmd.index + 1, (1 << 30) - 1]) expect(sparseGet(growing, i)).toBe(model.get(i));
        }
        expect(sparseEntries(growing)).toEqual(sparseEntries(fixed));
        expect(growing.count).toBe(model.size);
        // As deep as the largest index ever set needs (32^depth > index), no deeper.
        let needed = 1;
        while (32 ** needed <= largestSet) needed++;
        expect(growing.depth).toBe(needed);
      }),
      { numRuns: 100 },
    );
  });

  it("start one level deep and add a level above the root as handles grow", () => {
    let a = emptyGrowingSparseArray<number>(1 << 30);
    expect(a.depth).toBe(1);
    a = sparseSet(a, 31, 1);
    expect(a.depth).toBe(1);
    a = sparseSet(a, 32, 2);
    expect(a.depth).toBe(2);
    expect(sparseGet(a, 31)).toBe(1);
    a = sparseSet(a, 40_000, 3);
    expect(a.depth).toBe(4);
    expect(sparseEntries(a)).toEqual([
      [31, 1],
      [32, 2],
      [40_000, 3],
    ]);
    // Beyond the span reached so far there is nothing, and nothing wraps around.
    expect(sparseGet(a, 32 ** 4 + 31)).toBeUndefined();
    a = sparseSet(a, 32 ** 4 - 1, 4);
    expect(sparseGet(a, -1)).toBeUndefined();
  });
});
