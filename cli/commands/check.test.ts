import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../main.js";
import { captureContext, linesOf, tempRoots } from "../test-support/capture.js";
import { checkReportShapeProblems } from "../test-support/report-shape.js";

const root = tempRoots("gfpcheck-check-cmd-");

const SMALL = ["--policy", "baseline", "--property", "no-leaks", "--runs", "3"];
const REPORTS = ["check.json", "check.md", "check.html"];

function readReports(dir: string): string[] {
  return REPORTS.map((f) => readFileSync(join(dir, "reports", f), "utf8"));
}

describe("gfpcheck check", () => {
  it("--help describes every option and the exit codes", async () => {
    const ctx = captureContext(root());
    expect(await runCli(["check", "--help"], ctx)).toBe(0);
    const help = ctx.captured.out.join("\n");
    for (const flag of [
      "--policy",
      "--property",
      "--runs",
      "--seeds",
      "--shard",
      "--time",
      "--seed",
      "--json",
      "--plant",
    ])
      expect(help).toContain(flag);
    expect(help).toMatch(/Exit code: 0 .* 1 .* 2 bad input/s);
  });

  it("--json prints the file's JSON; reports are byte-identical from run to run with --seed", async () => {
    const a = root();
    const b = root();
    const ctxA = captureContext(a);
    const code = await runCli(["check", ...SMALL, "--seed", "5", "--json"], ctxA);
    expect(code).toBe(1); // 3 runs cannot reach no-leaks' situation 20 times: inconclusive, never holds
    const printed = ctxA.captured.out.join("\n");
    const file = readFileSync(join(a, "reports", "check.json"), "utf8");
    expect(`${printed}\n`).toBe(file);
    expect(checkReportShapeProblems(JSON.parse(printed))).toEqual([]);
    expect(ctxA.captured.err).toEqual([]);
    expect(ctxA.captured.progress.some((l) => l.startsWith("check [1/1] baseline × no-leaks: inconclusive"))).toBe(
      true,
    );

    const ctxB = captureContext(b);
    await runCli(["check", ...SMALL, "--seed", "5", "--json"], ctxB);
    expect(readReports(b)).toEqual(readReports(a));
    expect(ctxB.captured.out).toEqual(ctxA.captured.out);
    // The same directory again (files now there) changes nothing either.
    const ctxA2 = captureContext(a);
    await runCli(["check", ...SMALL, "--seed", "5", "--json"], ctxA2);
    expect(readReports(a)).toEqual(readReports(b));
    for (const text of readReports(a)) expect(text).not.toMatch(/\d\d:\d\d:\d\d|\d+(\.\d+)?\s?ms\b/);
  });

  it("prints the matrix and the files written", async () => {
    const ctx = captureContext(root());
    await runCli(["check", ...SMALL], ctx);
    const out = linesOf(ctx.captured.out);
    expect(out[0]).toMatch(/^policy \\ property\s+no-leaks$/);
    expect(out[1]).toMatch(/^baseline\s+INCONCLUSIVE!$/);
    expect(out.at(-1)).toBe("reports written: reports/check.md, reports/check.json, reports/check.html");
  });

  it("with a policy file: its counterexamples go to regressions/<id>/ and the report says so", async () => {
    const dir = root();
    writeFileSync(join(dir, "mine.ts"), `export default { id: "mine", title: "my policy", proposedIn: "a test" };\n`);
    const ctx = captureContext(dir);
    const code = await runCli(
      ["check", "--policy", "./mine.ts", "--property", "coalescing", "--runs", "5", "--plant", "skip-merge", "--json"],
      ctx,
    );
    expect(code).toBe(0);
    const report = JSON.parse(ctx.captured.out.join("\n"));
    const file = report.results[0].counterexample.file as string;
    expect(file).toMatch(/^regressions\/mine\/coalescing--[0-9a-f]{12}\.json$/);
    expect(existsSync(join(dir, file))).toBe(true);
    expect(ctx.captured.progress).toContain(`check: new counterexample saved: ${file}`);
  });

  it("a shard writes reports/check-shard-K-of-N.json only and exits 0 on partial verdicts", async () => {
    const dir = root();
    const ctx = captureContext(dir);
    const code = await runCli(["check", ...SMALL, "--shard", "1/2"], ctx);
    expect(code).toBe(0);
    expect(existsSync(join(dir, "reports", "check-shard-1-of-2.json"))).toBe(true);
    expect(existsSync(join(dir, "reports", "check.json"))).toBe(false);
    expect(ctx.captured.out.join("\n")).toContain("gfpcheck merge reports/check-shard-*.json");
  });

  it.each([
    [["--shard", "0/3"], "--shard"],
    [["--shard", "4/3"], "--shard"],
    [["--shard", "a/b"], "--shard"],
    [["--shard", "1/0"], "--shard"],
    [["--seeds", "9"], "--seeds"],
    [["--runs", "0"], "--runs"],
    [["--runs", "3", "--runs", "4"], "--runs"],
    [["--seed", "1.5"], "--seed"],
    [["--time", "-1"], "--time"],
    [["--property", "no-such"], "no-such"],
    [["--policy", "no-such"], "no-such"],
    [["--policy", "./missing.ts"], "./missing.ts"],
    [["--plant", "nope"], "--plant"],
    [["--property", "coalescing", "--property", "coalescing"], "coalescing"],
    [["stray"], "stray"],
  ])("bad input %j: exit 2, one line naming %s, nothing written", async (extra, named) => {
    const dir = root();
    const ctx = captureContext(dir);
    const argv = ["check", ...extra, ...(extra.includes("--runs") ? [] : ["--runs", "3"])];
    expect(await runCli(argv, ctx)).toBe(2);
    expect(ctx.captured.err).toHaveLength(1);
    expect(ctx.captured.err[0]).toContain(named);
    expect(ctx.captured.err[0]).not.toContain("\n");
    expect(existsSync(join(dir, "reports"))).toBe(false);
    expect(existsSync(join(dir, "regressions"))).toBe(false);
  });
});
