/**
 * Replays every saved counterexample and checks it still gives its recorded verdict. A case
 * whose bug was fixed stays, with its expected verdict changed to "holds": it is a regression
 * test from then on. Files are never pruned.
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRegression, regressionFiles, replayRegression } from "../properties/regression-store.js";

const DIR = dirname(fileURLToPath(import.meta.url));
const files = regressionFiles(DIR);

describe("saved regressions replay to their recorded verdict", () => {
  it("there are saved regressions to replay", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file.replace(/^.*[\\/]/, ""), () => {
      const saved = loadRegression(file);
      const replay = replayRegression(saved);
      expect(replay.verdict, replay.violations[0]?.message ?? "no violation").toBe(saved.expected);
      if (saved.expected === "violated" && saved.violation !== null) {
        expect(replay.violations.map((v) => v.invariant)).toContain(saved.violation.invariant);
      }
    });
  }
});
