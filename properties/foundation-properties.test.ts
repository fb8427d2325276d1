import { describe, expect, it } from "vitest";
import { checkProperty } from "./check-property.js";
import { FOUNDATION_PROPERTIES } from "./property.js";

/** npm test's budget; `gfpcheck check --runs N` runs more. */
const RUNS = 100;
const SEED = 20260503;

describe("the zone model keeps every foundation invariant", () => {
  for (const property of FOUNDATION_PROPERTIES) {
    it(`${property.id} holds, over runs that reach: ${property.situation.description}`, () => {
      const result = checkProperty(property, { seed: SEED, numRuns: RUNS });
      const detail = result.counterexample
        ? `${result.counterexample.violations[0]?.message} after ${result.counterexample.ops.length} ops`
        : `${result.reached}/${result.runs} runs reached the situation`;
      expect(result.verdict, detail).toBe("holds");
    });
  }
});
