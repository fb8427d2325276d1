import { describe, expect, it } from "vitest";
import { builtinPolicy } from "../model/policies/index.js";
import { checkProperty } from "./check-property.js";
import { SLOWPATH_PROPERTIES } from "./property.js";

const SEED = 20260503;
/**
 * npm test's budget: enough runs for the situation to be reached at least minRuns times. The
 * classic slow path gives up on a costly NORETRY request as soon as its first compaction is
 * SKIPPED, so failed compaction scans (the situation) are rarer there and it needs more runs.
 */
const RUNS = { v7: 200, classic: 500 } as const;

const boundedCompaction = SLOWPATH_PROPERTIES.find((p) => p.id === "bounded-compaction");

describe("bounded-compaction", () => {
  if (boundedCompaction === undefined) throw new Error("no bounded-compaction property");

  for (const variant of ["classic", "v7"] as const) {
    it(`is violated by baseline (${variant}): async compaction failures never back off`, () => {
      const result = checkProperty(boundedCompaction, {
        seed: SEED,
        numRuns: RUNS[variant],
        system: { ...boundedCompaction.system, kernel: { kernelVariant: variant } },
      });
      expect(result.verdict).toBe("violated");
      const first = result.counterexample?.violations[0];
      expect(first?.invariant).toBe("bounded-compaction/across-calls");
      expect(first?.message).toMatch(/direct compaction scanned again/);
    });

    it(`holds under compact-once (${variant}), over runs that repeat a failed costly compaction`, () => {
      const policy = builtinPolicy("compact-once");
      if (policy === undefined) throw new Error("no compact-once policy");
      const result = checkProperty(boundedCompaction, {
        seed: SEED,
        numRuns: RUNS[variant],
        system: { ...boundedCompaction.system, kernel: { kernelVariant: variant }, policy },
      });
      const detail = result.counterexample?.violations[0]?.message ?? `${result.reached} runs reached the situation`;
      expect(result.verdict, detail).toBe("holds");
    });
  }
});
