import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../main.js";
import { captureContext, tempRoots } from "../test-support/capture.js";

const root = tempRoots("gfpcheck-merge-");

/** Two properties, two seeds, three shards: every shard has units of both rows or one. */
const RUN = [
  "--policy",
  "baseline",
  "--property",
  "no-leaks",
  "--property",
  "coalescing",
  "--runs",
  "4",
  "--seeds",
  "2",
];
const RUN_PLANTED = [...RUN, "--plant", "skip-merge"];

let shardDir = "";
let wholeJson = "";
let plantedShardDir = "";
let plantedWholeJson = "";

async function check(dir: string, argv: readonly string[]): Promise<number> {
  return runCli(["check", ...argv], captureContext(dir));
}

beforeAll(async () => {
  shardDir = root();
  for (const k of [1, 2, 3]) expect(await check(shardDir, [...RUN, "--shard", `${k}/3`])).toBe(0);
  const whole = root();
  await check(whole, RUN);
  wholeJson = readFileSync(join(whole, "reports", "check.json"), "utf8");

  plantedShardDir = root();
  for (const k of [1, 2]) await check(plantedShardDir, [...RUN_PLANTED, "--shard", `${k}/2`]);
  const plantedWhole = root();
  await check(plantedWhole, RUN_PLANTED);
  plantedWholeJson = readFileSync(join(plantedWhole, "reports", "check.json"), "utf8");
});

const shardFiles = (count: number) =>
  Array.from({ length: count }, (_, i) => `reports/check-shard-${i + 1}-of-${count}.json`);

describe("gfpcheck merge", () => {
  it("merging all shards gives the unsharded run's report, byte for byte", async () => {
    const ctx = captureContext(shardDir);
    const code = await runCli(["merge", ...shardFiles(3)], ctx);
    expect(code).toBe(1); // 4 runs: inconclusive
    expect(readFileSync(join(shardDir, "reports", "check.json"), "utf8")).toBe(wholeJson);
    expect(existsSync(join(shardDir, "reports", "check.md"))).toBe(true);
    expect(existsSync(join(shardDir, "reports", "check.html"))).toBe(true);
    expect(ctx.captured.out.join("\n")).toMatch(/^policy \\ property/);
  });

  it("keeps the first counterexample by unit order, as the unsharded run does", async () => {
    const ctx = captureContext(plantedShardDir);
    const code = await runCli(["merge", ...shardFiles(2).reverse(), "--json"], ctx);
    expect(code).toBe(0); // planted fault: no expectation, and violated is a verdict
    expect(`${ctx.captured.out.join("\n")}\n`).toBe(plantedWholeJson);
    const merged = JSON.parse(plantedWholeJson);
    const row = merged.results.find((r: { property: string }) => r.property === "coalescing");
    expect(row.verdict).toBe("violated");
    expect(row.counterexample.unit).toBe(2);
  });

  it("skips reports/check.json, its own output, when given with shards (merge reports/*.json)", async () => {
    const ctx = captureContext(shardDir);
    await runCli(["merge", "reports/check.json", ...shardFiles(3)], ctx);
    expect(ctx.captured.progress).toContain("merge: skipping reports/check.json (the file merge writes)");
    expect(readFileSync(join(shardDir, "reports", "check.json"), "utf8")).toBe(wholeJson);
  });

  function badInput(name: string, files: () => string[], named: RegExp, setup?: (dir: string) => void): void {
    it(`${name}: exit 2, one line naming the problem, nothing written`, async () => {
      const dir = root();
      mkdirSync(join(dir, "reports"));
      for (const f of shardFiles(3)) writeFileSync(join(dir, f), readFileSync(join(shardDir, f)));
      setup?.(dir);
      const ctx = captureContext(dir);
      expect(await runCli(["merge", ...files()], ctx)).toBe(2);
      expect(ctx.captured.err).toHaveLength(1);
      expect(ctx.captured.err[0]).toMatch(named);
      expect(existsSync(join(dir, "reports", "check.json"))).toBe(false);
    });
  }

  badInput("no files", () => [], /give the shard reports/);
  badInput("a missing shard", () => shardFiles(3).slice(0, 2), /shard 3\/3 missing \(given: 1\/3, 2\/3\)/);
  badInput("a shard given twice", () => [...shardFiles(3), shardFiles(3)[0] as string], /already given/);
  badInput("no such file", () => ["reports/nope.json"], /reports\/nope\.json: no such file/);
  badInput("a directory", () => ["reports"], /reports: not a file/);
  badInput(
    "truncated JSON",
    () => ["reports/t.json"],
    /reports\/t\.json: not valid JSON/,
    (dir) =>
      writeFileSync(
        join(dir, "reports", "t.json"),
        readFileSync(join(dir, shardFiles(3)[0] as string), "utf8").slice(0, 200),
      ),
  );
  badInput(
    "another schema",
    () => ["reports/o.json"],
    /reports\/o\.json: field "schema"/,
    (dir) => writeFileSync(join(dir, "reports", "o.json"), JSON.stringify({ schema: "gfpcheck-regression/1" })),
  );
  badInput(
    "a shard of another run",
    () => shardFiles(3),
    /check-shard-2-of-3\.json: field "seed": 99, but/,
    (dir) => {
      const file = join(dir, shardFiles(3)[1] as string);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), seed: 99 }));
    },
  );
  badInput(
    "a wrong field type",
    () => shardFiles(3),
    /field "results\[0\]\.runs": expected an integer/,
    (dir) => {
      const file = join(dir, shardFiles(3)[0] as string);
      const json = JSON.parse(readFileSync(file, "utf8"));
      json.results[0].runs = "many";
      writeFileSync(file, JSON.stringify(json));
    },
  );
  badInput(
    "a unit in the wrong shard",
    () => shardFiles(3),
    /field "results\[0\]\.units": unit 1 is not in shard 1\/3/,
    (dir) => {
      const file = join(dir, shardFiles(3)[0] as string);
      const json = JSON.parse(readFileSync(file, "utf8"));
      json.results[0].units = [1];
      writeFileSync(file, JSON.stringify(json));
    },
  );
});
