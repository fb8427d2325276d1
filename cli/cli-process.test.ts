/**
 * The gfpcheck command as a user runs it: `node cli/bin.js ...` in a fresh, empty directory.
 * Small budgets: one policy, one property, a few runs.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGfpcheck, runGfpcheckAsync, tempRoots } from "./test-support/capture.js";
import { checkReportShapeProblems } from "./test-support/report-shape.js";

const emptyDir = tempRoots("gfpcheck-process-");

const SMALL = ["--policy", "baseline", "--property", "no-leaks", "--runs", "5", "--seed", "11"];
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("node cli/bin.js", () => {
  it("check in an empty directory creates reports/ and regressions/, prints the matrix, and repeats byte for byte", () => {
    const dir = emptyDir();
    expect(readdirSync(dir)).toEqual([]);
    const first = runGfpcheck(["check", ...SMALL], dir);
    // Five runs cannot reach no-leaks' situation 20 times: inconclusive, which is never as expected.
    expect(first.status, first.stderr).toBe(1);
    expect(existsSync(join(dir, "regressions"))).toBe(true);
    for (const f of ["check.json", "check.md", "check.html"]) expect(existsSync(join(dir, "reports", f))).toBe(true);
    expect(first.stdout).toMatch(/^policy \\ property\s+no-leaks\nbaseline\s+INCONCLUSIVE!\n/);
    expect(first.stdout).toContain("reports written: reports/check.md, reports/check.json, reports/check.html");
    // Not a terminal: plain progress lines on stderr, times there only.
    expect(first.stderr).toMatch(
      /^check \[1\/1\] baseline × no-leaks: inconclusive \(5 runs, \d+ reached the situation, [\d.]+s\)$/m,
    );
    expect(first.stderr).not.toContain("\r");
    const json = JSON.parse(read(dir, "reports/check.json"));
    expect(checkReportShapeProblems(json)).toEqual([]);
    expect(json).toMatchObject({ seed: 11, results: [{ policy: "baseline", property: "no-leaks", runs: 5 }] });

    const reports = ["reports/check.json", "reports/check.md", "reports/check.html"].map((f) => read(dir, f));
    const again = runGfpcheck(["check", ...SMALL], dir);
    expect(again.stdout).toBe(first.stdout);
    expect(["reports/check.json", "reports/check.md", "reports/check.html"].map((f) => read(dir, f))).toEqual(reports);
    const json2 = runGfpcheck(["check", ...SMALL, "--json"], dir);
    expect(json2.stdout).toBe(reports[0]);
  });

  it("check with a .ts policy file (no package.json around it) saves its counterexample under regressions/<policy-id>/", () => {
    const dir = emptyDir();
    writeFileSync(
      join(dir, "my-policy.ts"),
      [
        'import type { Policy } from "gfpcheck/model/policies/policy.js";',
        'const policy: Policy = { id: "my-policy", title: "as mainline", proposedIn: "nowhere yet" };',
        "export default policy;",
        "",
      ].join("\n"),
    );
    const run = runGfpcheck(
      ["check", "--policy", "my-policy.ts", "--property", "coalescing", "--runs", "5", "--plant", "skip-merge"],
      dir,
    );
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(read(dir, "reports/check.json"));
    const file = json.results[0].counterexample.file as string;
    expect(file).toMatch(/^regressions\/my-policy\/coalescing--[0-9a-f]{12}\.json$/);
    expect(existsSync(join(dir, file))).toBe(true);
    expect(readdirSync(join(dir, "regressions"))).toEqual(["my-policy"]);
    expect(run.stdout).toContain(`-> ${file}`);
    expect(run.stderr).toContain(`check: new counterexample saved: ${file}`);
  });

  it("two shards, then merge: the report of the unsharded run", async () => {
    const run = ["--policy", "baseline", "--property", "no-leaks", "--runs", "6", "--seeds", "2", "--seed", "4"];
    const dir = emptyDir();
    const whole = emptyDir();
    // Two machines of a CI matrix, and the unsharded run to compare with, side by side.
    const [shard1, shard2, wholeRun] = await Promise.all([
      runGfpcheckAsync(["check", ...run, "--shard", "1/2"], dir),
      runGfpcheckAsync(["check", ...run, "--shard", "2/2"], dir),
      runGfpcheckAsync(["check", ...run], whole),
    ]);
    expect([shard1.status, shard2.status, wholeRun.status]).toEqual([0, 0, 1]);
    expect(readdirSync(join(dir, "reports")).sort()).toEqual(["check-shard-1-of-2.json", "check-shard-2-of-2.json"]);
    const merged = runGfpcheck(["merge", "reports/check-shard-1-of-2.json", "reports/check-shard-2-of-2.json"], dir);
    expect(merged.status, merged.stderr).toBe(1); // 6 runs: inconclusive
    expect(merged.stdout).toMatch(/^policy \\ property/);
    expect(merged.stdout).toContain("merged 2 report(s)");

    for (const f of ["reports/check.json", "reports/check.md", "reports/check.html"])
      expect(read(dir, f), f).toBe(read(whole, f));
  });

  it("bad input: exit 2, one line on stderr, no stack trace, nothing written", async () => {
    const dir = emptyDir();
    const [bad, help] = await Promise.all([
      runGfpcheckAsync(["check", "--shard", "4/3"], dir),
      runGfpcheckAsync(["merge", "--help"], dir),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('gfpcheck check: --shard: expected K/N with 1 <= K <= N <= 100000 (e.g. 2/5), got "4/3"\n');
    expect(bad.stdout).toBe("");
    expect(readdirSync(dir)).toEqual([]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: gfpcheck merge FILE...");
  });
});
