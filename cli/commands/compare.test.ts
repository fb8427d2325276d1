import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baseline } from "../../model/policies/baseline.js";
import { compareAtSeeds } from "../../properties/scenarios/compare.js";
import { FULL_SCALE, forkingServerScenario } from "../../properties/scenarios/forking-server-checkpoint.js";
import { runCli } from "../main.js";
import { captureContext, linesOf, runGfpcheck, tempRoots } from "../test-support/capture.js";
import { scaledForkingServer } from "./compare.js";

// A 16 MiB zone: the same workload shape at an eighth of the work, about half a second a policy.
const SMALL = ["--scenario", "forking-server-checkpoint", "--pages", "4096"];
const COUNTER_KEYS = [
  "writes",
  "slowpathEntries",
  "directCompactions",
  "compactPagesScanned",
  "directReclaims",
  "drainAllPages",
  "kswapdWakes",
  "kcompactdWakes",
  "enomem",
  "folioOrders",
];

const root = tempRoots("gfpcheck-compare-");

async function compare(args: readonly string[], dir = root()) {
  const ctx = captureContext(dir);
  const code = await runCli(["compare", ...args], ctx);
  return { code, dir, out: ctx.captured.out.join("\n"), err: linesOf(ctx.captured.err) };
}

describe("gfpcheck compare --json", () => {
  let first: Awaited<ReturnType<typeof compare>>;
  let second: Awaited<ReturnType<typeof compare>>;
  beforeAll(async () => {
    const args = [...SMALL, "--policies", "compact-once,baseline", "--seed", "5", "--json"];
    first = await compare(args);
    second = await compare(args);
  }, 120_000);

  it("prints exactly the contract's keys, baseline first with relative throughput 1", () => {
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.out);
    expect(Object.keys(doc)).toEqual(["scenario", "seed", "policies"]);
    expect(doc.scenario).toBe("forking-server-checkpoint");
    expect(doc.seed).toBe(5);
    expect(doc.policies.map((p: { policy: string }) => p.policy)).toEqual(["baseline", "compact-once"]);
    expect(doc.policies[0].relativeThroughput).toBe(1);
    for (const p of doc.policies) {
      expect(Object.keys(p)).toEqual(["policy", "relativeThroughput", "counters"]);
      expect(typeof p.relativeThroughput).toBe("number");
      expect(Object.keys(p.counters)).toEqual(COUNTER_KEYS);
      for (const key of COUNTER_KEYS.slice(0, -1)) expect(Number.isInteger(p.counters[key]), key).toBe(true);
      for (const [order, count] of Object.entries(p.counters.folioOrders)) {
        expect(order).toMatch(/^-?\d+$/);
        expect(Number.isInteger(count)).toBe(true);
      }
      expect(p.counters.writes).toBeGreaterThan(0);
    }
  });

  it("is byte-identical from run to run with the same seed, reports included", () => {
    expect(second.out).toBe(first.out);
    for (const ext of ["txt", "json", "html"]) {
      const file = join("reports", `compare-forking-server-checkpoint.${ext}`);
      expect(readFileSync(join(second.dir, file), "utf8")).toBe(readFileSync(join(first.dir, file), "utf8"));
    }
    expect(readFileSync(join(first.dir, "reports", "compare-forking-server-checkpoint.json"), "utf8")).toBe(
      `${first.out}\n`,
    );
  });
});

describe("gfpcheck compare --seeds", () => {
  const POLICIES = ["--policies", "compact-once,baseline"];
  let two: Awaited<ReturnType<typeof compare>>;
  let seed5: { policy: string; relativeThroughput: number; counters: { enomem: number } }[];
  let seed6: typeof seed5;
  beforeAll(async () => {
    two = await compare([...SMALL, ...POLICIES, "--seed", "5", "--seeds", "2", "--json"]);
    seed5 = JSON.parse((await compare([...SMALL, ...POLICIES, "--seed", "5", "--json"])).out).policies;
    seed6 = JSON.parse((await compare([...SMALL, ...POLICIES, "--seed", "6", "--json"])).out).policies;
  }, 120_000);

  it("keeps seed S's figures and adds each policy's throughput at S and S+1, as single-seed runs give them", () => {
    expect(two.code).toBe(0);
    const doc = JSON.parse(two.out);
    expect(Object.keys(doc)).toEqual(["scenario", "seed", "policies", "acrossSeeds"]);
    expect(doc.seed).toBe(5);
    expect(doc.policies).toEqual(seed5);
    expect(doc.acrossSeeds.seeds).toEqual([5, 6]);
    const [base, once] = doc.acrossSeeds.policies;
    expect(base).toEqual({ policy: "baseline", bySeed: [1, 1], mean: 1, min: 1, max: 1, enomem: 0 });
    const at5 = seed5[1]?.relativeThroughput as number;
    const at6 = seed6[1]?.relativeThroughput as number;
    expect(once.policy).toBe("compact-once");
    expect(once.bySeed).toEqual([at5, at6]);
    expect(once.mean).toBe(Math.round(((at5 + at6) / 2) * 1000) / 1000);
    expect([once.min, once.max]).toEqual([Math.min(at5, at6), Math.max(at5, at6)]);
    expect(once.enomem).toBe((seed5[1]?.counters.enomem ?? 0) + (seed6[1]?.counters.enomem ?? 0));
  });

  it("prints the spread table after seed S's tables, in the text report too", async () => {
    const { code, dir, out } = await compare([...SMALL, ...POLICIES, "--seed", "5", "--seeds", "2"]);
    expect(code).toBe(0);
    const text = readFileSync(join(dir, "reports", "compare-forking-server-checkpoint.txt"), "utf8");
    expect(out.startsWith(text.trimEnd())).toBe(true);
    expect(text).toContain("Relative throughput over 2 seeds (5, 6); the tables above are for seed 5:");
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("policy") && l.includes("seed 5"));
    expect(lines[header]?.split(/\s{2,}/)).toEqual([
      "policy",
      "seed 5",
      "seed 6",
      "mean",
      "min-max",
      "spread",
      "ENOMEM",
    ]);
    expect(lines[header + 2]).toMatch(/^baseline +1\.000 +1\.000 +1\.000 +1\.000-1\.000 +0\.000 +0$/);
    const [at5, at6] = [seed5[1]?.relativeThroughput as number, seed6[1]?.relativeThroughput as number];
    expect(at5.toFixed(3), "the two seeds must differ for this test to see the column order").not.toBe(at6.toFixed(3));
    expect(lines[header + 3]?.split(/\s+/).slice(0, 3)).toEqual(["compact-once", at5.toFixed(3), at6.toFixed(3)]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe("gfpcheck compare", () => {
  it("prints the table and writes the text, JSON and HTML reports", async () => {
    const { code, dir, out } = await compare([...SMALL, "--policies", "baseline"]);
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe("gfpcheck compare: forking-server-checkpoint, seed 1");
    expect(lines.at(-1)).toBe(
      "reports written: reports/compare-forking-server-checkpoint.txt, " +
        "reports/compare-forking-server-checkpoint.json, reports/compare-forking-server-checkpoint.html",
    );
    const text = readFileSync(join(dir, "reports", "compare-forking-server-checkpoint.txt"), "utf8");
    expect(out.startsWith(text.trimEnd())).toBe(true);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect(text).toContain("Zone: 4096 pages (16 MiB)");
    const html = readFileSync(join(dir, "reports", "compare-forking-server-checkpoint.html"), "utf8");
    expect(html.match(/<svg /g)).toHaveLength(4);
  });

  it("--pages scales the counts of work with the zone, and the default is the full scale", () => {
    expect(scaledForkingServer(FULL_SCALE.nrPages)).toEqual(FULL_SCALE);
    const small = scaledForkingServer(4096);
    expect(small.nrPages).toBe(4096);
    expect(small.checkpointWrites).toBe(FULL_SCALE.checkpointWrites / 8);
    expect(small.checkpoints).toBe(FULL_SCALE.checkpoints);
  });

  it.each([
    [["--scenario", "no-such-scenario"], /unknown scenario "no-such-scenario" \(known: forking-server-checkpoint\)/],
    [[...SMALL, "--policies", "baseline,no-such-policy"], /no-such-policy: unknown policy/],
    [[...SMALL, "--policies", "./missing-policy.ts"], /\.\/missing-policy\.ts: no such file/],
    [[...SMALL, "--policies", "baseline,,compact-once"], /--policies: an empty entry/],
    [[...SMALL, "--policies", "compact-once,compact-once"], /policy "compact-once" given twice/],
    [["--scenario", "forking-server-checkpoint", "--pages", "5000"], /--pages: expected a power of two/],
    [["--scenario", "forking-server-checkpoint", "--pages", "2048"], /--pages: expected an integer in \[4096/],
    [[...SMALL, "--seed", "x"], /--seed: expected an integer/],
    [[...SMALL, "--seeds", "0"], /--seeds: expected an integer in \[1, 20\], got "0"/],
    [[...SMALL, "--seeds", "21"], /--seeds: expected an integer in \[1, 20\], got "21"/],
    [[...SMALL, "--seed", "2147483647", "--seeds", "2"], /--seeds: seed 2147483647 \+ 1 is past 2\^31 - 1/],
    [["--policies", "baseline"], /--scenario is required/],
    [[...SMALL, "--fast"], /unknown option --fast/],
    [[...SMALL, "extra"], /unexpected argument "extra"/],
  ])("bad input %j: one line, exit 2", async (args, message) => {
    const { code, err, out } = await compare(args);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^gfpcheck compare: /);
    expect(err[0]).toMatch(message);
  });

  it("--help describes every option", async () => {
    const { code, out } = await compare(["--help"]);
    expect(code).toBe(0);
    for (const flag of ["--scenario", "--policies", "--seed", "--seeds", "--pages", "--json"])
      expect(out).toContain(flag);
    expect(out).toContain("a smaller zone for a quick look");
  });
});

describe("the gfpcheck executable", () => {
  it("compare --json runs in a directory of its own and writes its reports there", () => {
    const dir = root();
    const result = runGfpcheck(["compare", ...SMALL, "--policies", "baseline,compact-once", "--json"], dir);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.status).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.policies.map((p: { policy: string }) => p.policy)).toEqual(["baseline", "compact-once"]);
    expect(doc.policies[0].relativeThroughput).toBe(1);
    expect(readFileSync(join(dir, "reports", "compare-forking-server-checkpoint.json"), "utf8")).toBe(result.stdout);
  });

  it("an unknown scenario is one line on stderr and exit 2", () => {
    const result = runGfpcheck(["compare", "--scenario", "nope"], root());
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      'gfpcheck compare: unknown scenario "nope" (known: forking-server-checkpoint)',
    ]);
  });
});

describe("compareAtSeeds()", () => {
  it("is the first seed's comparison, with a spread only when more than one seed ran", () => {
    const scenario = forkingServerScenario(scaledForkingServer(4096));
    const told: number[] = [];
    const one = compareAtSeeds(scenario, [baseline], [3], (seed) => told.push(seed));
    expect([one.comparison.seed, one.spread]).toEqual([3, undefined]);
    const two = compareAtSeeds(scenario, [baseline], [3, 4], (seed) => told.push(seed));
    expect(two.comparison).toEqual(one.comparison);
    expect(two.spread?.seeds).toEqual([3, 4]);
    expect(told).toEqual([3, 3, 4]);
  }, 60_000);
});
