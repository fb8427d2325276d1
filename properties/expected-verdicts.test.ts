/**
 * The checked-in expected-verdict matrix, asserted: every built-in policy against every
 * property, with a fixed seed and budget. A "violated" entry passes only when the suite finds a
 * counterexample, shrinks it, saves it, and the saved file replays to the same violation; a
 * "holds" entry only when nothing is found and enough runs reached the property's situation.
 * Any surprise fails with the counterexample in the message.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_POLICIES } from "../model/policies/index.js";
import { checkProperty } from "./check-property.js";
import { counterexampleCase } from "./counterexample-case.js";
import { loadExpectedVerdicts } from "./expected-verdicts.js";
import { describeOp } from "./op-codec.js";
import { ALL_PROPERTIES } from "./registry.js";
import { loadRegression, replayRegression, saveRegression } from "./regression-store.js";

/**
 * npm test's budget; `gfpcheck check --runs N` and `npm start` can run more. 150: once filemap
 * allocated folios that overlap cached pages and let -EEXIST refuse them (as the kernel does),
 * the first counterexample of iomap-clear-direct-reclaim's min-order-fallback at this seed
 * became run 118; more runs also make every "holds" entry stronger evidence.
 */
const RUNS = 150;
const SEED = 20260503;

const matrix = loadExpectedVerdicts();
const saveDir = mkdtempSync(join(tmpdir(), "gfpcheck-matrix-"));
afterAll(() => rmSync(saveDir, { recursive: true, force: true }));

describe("the expected-verdict matrix", () => {
  it("has an entry for every built-in policy and every property, and nothing else", () => {
    const expectedKeys = Object.fromEntries(
      BUILTIN_POLICIES.map((p) => [p.id, ALL_PROPERTIES.map((q) => q.id).sort()]),
    );
    const actualKeys = Object.fromEntries(Object.entries(matrix).map(([p, row]) => [p, Object.keys(row).sort()]));
    expect(actualKeys).toEqual(expectedKeys);
  });
});

for (const policy of BUILTIN_POLICIES) {
  describe(`policy ${policy.id}`, () => {
    for (const property of ALL_PROPERTIES) {
      const expected = matrix[policy.id]?.[property.id];
      it(`${property.id} is ${expected}`, () => {
        const config = { ...property.system, policy };
        const result = checkProperty(property, { seed: SEED, numRuns: RUNS, system: config });
        const cx = result.counterexample;
        const detail = cx
          ? `${cx.violations[0]?.message}\n  after ${cx.ops.length} ops:\n  ${cx.ops.map(describeOp).join("\n  ")}`
          : `${result.reached}/${result.runs} runs reached: ${property.situation.description}`;
        expect(result.verdict, detail).toBe(expected);
        if (expected !== "violated" || cx === null) return;

        // Shrunk: no longer than what fast-check found, and it still fails the same invariant.
        expect(cx.ops.length).toBeLessThanOrEqual(cx.foundLength);
        const saved = counterexampleCase(result, policy.id, config, RUNS);
        if (saved === undefined) throw new Error("a violated verdict without a case to save");
        const file = saveRegression(join(saveDir, policy.id), saved).file;
        const replayed = replayRegression(loadRegression(file));
        expect(replayed.verdict).toBe("violated");
        expect(replayed.violations[0]?.invariant).toBe(cx.violations[0]?.invariant);
      });
    }
  });
}
