import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseline } from "../model/policies/baseline.js";
import type { Policy } from "../model/policies/policy.js";
import { propertyById } from "../properties/registry.js";
import { checkReportJson, isUnexpected, regressionDir, reportExitCode, runCheck } from "./check-run.js";
import { tempRoots } from "./test-support/capture.js";
import { checkReportShapeProblems } from "./test-support/report-shape.js";

const root = tempRoots("gfpcheck-check-run-");

const noLeaks = propertyById("no-leaks");
const coalescing = propertyById("coalescing");
if (noLeaks === undefined || coalescing === undefined) throw new Error("properties missing");

/** A user's policy: not built in, so no expectation and its own regressions/ folder. */
const mine: Policy = { ...baseline, id: "my-policy", title: "a copy of baseline", proposedIn: "this test" };

describe("runCheck", () => {
  it("emits the report shape of the issue, with both directories created", () => {
    const dir = root();
    const report = runCheck({ properties: [noLeaks], policies: [baseline], seed: 3, runs: 4, root: dir });
    expect(checkReportShapeProblems(JSON.parse(checkReportJson(report)))).toEqual([]);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ policy: "baseline", property: "no-leaks", expected: "holds", runs: 4 });
    expect(existsSync(join(dir, "regressions"))).toBe(true);
    expect(existsSync(join(dir, "reports"))).toBe(true);
  });

  it("a policy that is not built in saves its counterexamples under regressions/<policy-id>/", () => {
    const dir = root();
    const request = {
      properties: [coalescing],
      policies: [mine],
      seed: 1,
      runs: 5,
      plant: "skip-merge" as const,
      root: dir,
    };
    const report = runCheck(request);
    const row = report.results[0];
    expect(row?.verdict).toBe("violated");
    expect(row?.expected).toBeNull();
    const file = row?.counterexample?.file ?? "";
    expect(file).toMatch(/^regressions\/my-policy\/coalescing--[0-9a-f]{12}\.json$/);
    expect(existsSync(join(dir, file))).toBe(true);
    expect(readdirSync(join(dir, "regressions")).filter((f) => f.endsWith(".json"))).toEqual([]);
    expect(regressionDir(dir, mine)).toBe(join(dir, "regressions", "my-policy"));
    expect(regressionDir(dir, baseline)).toBe(join(dir, "regressions"));

    // Again: the file is already there and left alone, and the report is byte-identical.
    const before = readFileSync(join(dir, file), "utf8");
    const saved: string[] = [];
    const again = runCheck(request, (e) => {
      if (e.kind === "done" && e.savedFile) saved.push(e.savedFile);
    });
    expect(saved).toEqual([]);
    expect(checkReportJson(again)).toBe(checkReportJson(report));
    expect(readFileSync(join(dir, file), "utf8")).toBe(before);
  });

  it("reports progress: a start and a done event per unit, with the new file named once", () => {
    const dir = root();
    const events: string[] = [];
    runCheck(
      { properties: [coalescing], policies: [baseline], seed: 1, runs: 4, seeds: 2, plant: "skip-merge", root: dir },
      (e) =>
        events.push(
          `${e.kind} ${e.index}/${e.total} ${e.unit.seedIndex}${e.kind === "done" && e.savedFile ? " saved" : ""}`,
        ),
    );
    expect(events.filter((e) => e.startsWith("start"))).toEqual(["start 0/2 0", "start 1/2 1"]);
    expect(events.filter((e) => e.startsWith("done"))).toHaveLength(2);
    expect(events.some((e) => e.endsWith("saved"))).toBe(true);
  });

  it("--seeds splits the budget: runs add up over the seed units of one row", () => {
    const dir = root();
    const report = runCheck({ properties: [noLeaks], policies: [baseline], seed: 9, runs: 5, seeds: 2, root: dir });
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ runs: 5, units: [0, 1] });
  });

  it("a shard runs only its units and says which shard it is", () => {
    const dir = root();
    const report = runCheck({
      properties: [noLeaks, coalescing],
      policies: [baseline],
      seed: 1,
      runs: 2,
      shard: { index: 2, count: 2 },
      root: dir,
    });
    expect(report.shard).toEqual({ index: 2, count: 2 });
    expect(report.results.map((r) => [r.property, r.units])).toEqual([["coalescing", [1]]]);
    expect(report.properties).toEqual(["no-leaks", "coalescing"]);
  });

  it("exit codes: inconclusive is unexpected in a whole run, only an unexpected violation in a shard", () => {
    const dir = root();
    const report = runCheck({ properties: [noLeaks], policies: [baseline], seed: 1, runs: 2, root: dir });
    expect(report.results[0]?.verdict).toBe("inconclusive");
    expect(isUnexpected(report.results[0] as never)).toBe(true);
    expect(reportExitCode(report)).toBe(1);
    expect(reportExitCode({ ...report, shard: { index: 1, count: 2 } })).toBe(0);
  });
});
