import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "./args.js";
import type { CheckResultRow } from "./check-run.js";
import {
  combineAll,
  combineRows,
  derivedSeed,
  parseShard,
  shardUnits,
  unitPosition,
  unitRuns,
  workUnits,
} from "./shard.js";

function row(overrides: Partial<CheckResultRow>): CheckResultRow {
  return {
    policy: "baseline",
    property: "no-leaks",
    verdict: "inconclusive",
    expected: "holds",
    coverage: {},
    runs: 10,
    reached: 5,
    minRuns: 20,
    situation: "s",
    units: [0],
    counterexample: null,
    ...overrides,
  };
}

describe("parseShard", () => {
  it("reads K/N", () => {
    expect(parseShard("1/1")).toEqual({ index: 1, count: 1 });
    expect(parseShard("3/7")).toEqual({ index: 3, count: 7 });
  });
  it.each(["0/3", "4/3", "a/b", "1/0", "", "1", "1/", "/3", "-1/3", "1/3/5", " 1/3", "1.0/3", "1/3 ", "2/1"])(
    "refuses %j naming --shard",
    (text) => {
      expect(() => parseShard(text)).toThrow(UsageError);
      expect(() => parseShard(text)).toThrow(/^--shard: /);
    },
  );
});

describe("work units", () => {
  it("seed index 0 is the seed itself; derived seeds are 32-bit integers and differ", () => {
    expect(derivedSeed(42, 0)).toBe(42);
    const seeds = new Set([0, 1, 2, 3, 4, 5].map((i) => derivedSeed(42, i)));
    expect(seeds.size).toBe(6);
    for (const s of seeds) expect(Number.isInteger(s) && s >= -(2 ** 31) && s < 2 ** 31).toBe(true);
  });

  it("the seeds' shares add up to the run budget", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), (runs, seeds) => {
        fc.pre(seeds <= runs);
        const shares = Array.from({ length: seeds }, (_, i) => unitRuns(runs, seeds, i));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(runs);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("shards partition the units, round-robin, and unitPosition inverts the numbering", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        (policies, properties, seeds, count) => {
          const all = workUnits(policies, properties, seeds, 7, 40);
          expect(all.map((u) => u.unit)).toEqual(all.map((_, i) => i));
          for (const u of all) {
            expect(unitPosition(u.unit, properties, seeds)).toEqual({
              policyIndex: u.policyIndex,
              propertyIndex: u.propertyIndex,
              seedIndex: u.seedIndex,
            });
          }
          const taken = Array.from({ length: count }, (_, k) =>
            shardUnits(all, { index: k + 1, count }).map((u) => u.unit),
          );
          expect(taken.flat().sort((a, b) => a - b)).toEqual(all.map((u) => u.unit));
          taken.forEach((units, k) => {
            for (const u of units) expect(u % count).toBe(k);
          });
        },
      ),
    );
  });
});

describe("combining partial results", () => {
  it("sums runs, reached and coverage; holds once the summed reached meets minRuns", () => {
    const a = row({ runs: 10, reached: 12, coverage: { b: 1, a: 2 }, units: [2] });
    const b = row({ runs: 10, reached: 9, coverage: { a: 3, c: 1 }, units: [0] });
    const joined = combineRows([a, b], 20);
    expect(joined).toMatchObject({ verdict: "holds", runs: 20, reached: 21, units: [0, 2], minRuns: 20 });
    expect(joined.coverage).toEqual({ a: 5, b: 1, c: 1 });
    expect(Object.keys(joined.coverage)).toEqual(["a", "b", "c"]);
    expect(combineRows([a, b], 22).verdict).toBe("inconclusive");
  });

  it("is violated if any part was, keeping the counterexample of the lowest unit", () => {
    const cx = (unit: number) => ({ file: `regressions/x-${unit}.json`, unit, violation: "v", ops: [] });
    const parts = [
      row({ units: [1], verdict: "holds" }),
      row({ units: [5], verdict: "violated", counterexample: cx(5) }),
      row({ units: [3], verdict: "violated", counterexample: cx(3) }),
    ];
    const joined = combineRows(parts, 1);
    expect(joined.verdict).toBe("violated");
    expect(joined.counterexample?.file).toBe("regressions/x-3.json");
  });

  it("groups by (policy, property) and orders rows by their first unit", () => {
    const rows = combineAll(
      [
        row({ property: "coalescing", units: [3] }),
        row({ property: "no-leaks", units: [1] }),
        row({ property: "coalescing", units: [2] }),
        row({ property: "no-leaks", units: [0] }),
      ],
      () => 1,
    );
    expect(rows.map((r) => [r.property, r.units])).toEqual([
      ["no-leaks", [0, 1]],
      ["coalescing", [2, 3]],
    ]);
  });

  it("joining in any order gives the same row", () => {
    const parts = [0, 1, 2, 3].map((u) => row({ units: [u], runs: u + 1, reached: u, coverage: { [`l${u % 2}`]: u } }));
    fc.assert(
      fc.property(fc.shuffledSubarray(parts, { minLength: 4, maxLength: 4 }), (shuffled) => {
        expect(combineRows(shuffled, 3)).toEqual(combineRows(parts, 3));
      }),
    );
  });
});
