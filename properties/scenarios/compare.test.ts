/** spreadOverSeeds(): one policy's relative throughput across seeds, on hand-made comparisons. */

import { describe, expect, it } from "vitest";
import type { Comparison, PolicyFigures } from "./compare.js";
import { spreadOverSeeds } from "./compare.js";
import { cost, NO_WORK, policyFigures } from "./test-support/figures.js";

function figures(policy: string, relativeThroughput: number, enomem = 0): PolicyFigures {
  const nothing = cost({ copy: 0, folio: 0, freelist: 0, compaction: 0, reclaim: 0, drain: 0, wakeups: 0 });
  return policyFigures(policy, relativeThroughput, 10, nothing, { ...NO_WORK, writes: 1, enomem });
}

function comparison(seed: number, policies: PolicyFigures[], scenario = "s"): Comparison {
  return { scenario, seed, policies };
}

describe("spreadOverSeeds()", () => {
  it("gives each policy its throughput at every seed, the mean to three decimals, the range and the ENOMEM total", () => {
    const spread = spreadOverSeeds([
      comparison(7, [figures("baseline", 1), figures("p", 1.2, 3)]),
      comparison(8, [figures("baseline", 1), figures("p", 0.9)]),
      comparison(9, [figures("baseline", 1), figures("p", 1.35, 1)]),
    ]);
    expect(spread.seeds).toEqual([7, 8, 9]);
    expect(spread.policies).toEqual([
      { policy: "baseline", bySeed: [1, 1, 1], mean: 1, min: 1, max: 1, enomem: 0 },
      // (1.2 + 0.9 + 1.35) / 3 = 1.15
      { policy: "p", bySeed: [1.2, 0.9, 1.35], mean: 1.15, min: 0.9, max: 1.35, enomem: 4 },
    ]);
  });

  it("refuses comparisons of different policies or scenarios", () => {
    const a = comparison(1, [figures("baseline", 1), figures("p", 1.1)]);
    expect(() => spreadOverSeeds([a, comparison(2, [figures("baseline", 1), figures("q", 1.1)])])).toThrow(
      /seed 2 does not compare the same policies as seed 1/,
    );
    expect(() => spreadOverSeeds([a, comparison(2, [figures("baseline", 1)])])).toThrow(/seed 2/);
    expect(() => spreadOverSeeds([a, comparison(2, a.policies as PolicyFigures[], "other")])).toThrow(/seed 2/);
    expect(() => spreadOverSeeds([])).toThrow(/no comparisons/);
  });
});
