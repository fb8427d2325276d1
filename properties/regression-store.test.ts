import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../model/gfp.js";
import type { RegressionCase } from "./regression-file.js";
import { loadRegression, regressionFiles, replayRegression, saveRegression } from "./regression-store.js";

const CASE: RegressionCase = {
  name: "coalescing with planted fault skip-merge",
  description: "two free order-0 buddies are not merged",
  property: "coalescing",
  policy: "baseline",
  config: { zone: { nrPages: 1024, maxPageOrder: 6, pageblockOrder: 3, nrCpus: 2, faults: ["skip-merge"] } },
  expected: "violated",
  violation: null,
  provenance: null,
  ops: [
    { kind: "alloc", order: 0, gfp: GFP_KERNEL, cpu: 0 },
    { kind: "free", handle: 1, cpu: 0 },
    { kind: "drain", cpu: "all" },
  ],
};

describe("the regression store", () => {
  it("saves a case once and never overwrites an existing file", () => {
    const dir = mkdtempSync(join(tmpdir(), "gfpcheck-"));
    const first = saveRegression(dir, CASE);
    expect(first.created).toBe(true);
    // Someone edited the saved file by hand (say, to flip the verdict after a fix): saving the
    // same case again must leave their edit alone.
    writeFileSync(first.file, readFileSync(first.file, "utf8").replace('"violated"', '"holds"'));
    const again = saveRegression(dir, { ...CASE, name: "found again" });
    expect(again).toEqual({ file: first.file, created: false });
    expect(readFileSync(first.file, "utf8")).toContain('"holds"');
    expect(readdirSync(dir)).toEqual([first.file.replace(/^.*[\\/]/, "")]);
  });

  it("loads what it saved and replays it to its verdict", () => {
    const dir = mkdtempSync(join(tmpdir(), "gfpcheck-"));
    saveRegression(dir, CASE);
    const [file] = regressionFiles(dir);
    if (file === undefined) throw new Error("nothing saved");
    const loaded = loadRegression(file);
    expect(loaded.ops).toEqual(CASE.ops);
    const replay = replayRegression(loaded);
    expect(replay.verdict).toBe("violated");
    expect(replay.violations[0]?.invariant).toBe("coalescing");
    // The same ops without the planted fault: the invariant holds.
    expect(replayRegression({ ...loaded, config: { zone: { ...loaded.config.zone, faults: [] } } }).verdict).toBe(
      "holds",
    );
  });
});
