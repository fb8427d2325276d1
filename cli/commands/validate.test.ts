import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { builtinPolicy } from "../../model/policies/index.js";
import { runCli } from "../main.js";
import { captureContext, linesOf, REPO_ROOT, tempRoots } from "../test-support/capture.js";

const EXAMPLE = join(REPO_ROOT, "cli", "examples", "wake-kcompactd-above-costly.ts");
// A small budget: a few runs per property and the scenarios on a 16 MiB zone.
const QUICK = ["--runs", "5", "--pages", "4096"];

const root = tempRoots("gfpcheck-validate-");

async function validate(args: readonly string[], dir = root()) {
  const ctx = captureContext(dir);
  const code = await runCli(["validate", ...args], ctx);
  return { code, dir, out: ctx.captured.out.join("\n"), err: linesOf(ctx.captured.err) };
}

describe("gfpcheck validate on the example policy", () => {
  let run: Awaited<ReturnType<typeof validate>>;
  beforeAll(async () => {
    // Two scenario seeds: one run checks the report and the spread table after it (a second run
    // without --seeds would cost npm test another ~20 s; compare.test.ts covers one seed).
    run = await validate([EXAMPLE, ...QUICK, "--seeds", "2"]);
  }, 120_000);

  it("is an example of a user's own policy, not a built-in", async () => {
    const module = (await import(EXAMPLE)) as { default: { id: string } };
    expect(builtinPolicy(module.default.id)).toBeUndefined();
    // About twenty lines, and no import that would need resolving at run time.
    const source = readFileSync(EXAMPLE, "utf8");
    expect(source.split("\n").length).toBeLessThanOrEqual(30);
    expect(source.match(/^import .*$/gm)).toEqual(['import type { Policy } from "../../model/policies/policy.js";']);
  });

  it("exits 1 exactly when a property is violated", () => {
    const verdicts = [...run.out.matchAll(/^([a-z-]+) {2,}(holds|violated|inconclusive) /gm)].map((m) => m[2]);
    expect(verdicts.length).toBeGreaterThanOrEqual(5);
    expect(run.code).toBe(verdicts.includes("violated") ? 1 : 0);
    expect(run.err).toEqual([]);
  });

  it("writes the text report it prints, and an HTML version with the charts", () => {
    const base = join(run.dir, "reports", "validate-wake-kcompactd-above-costly");
    const text = readFileSync(`${base}.txt`, "utf8");
    expect(run.out).toBe(
      `${text.trimEnd()}\n\nreports written: reports/validate-wake-kcompactd-above-costly.txt, reports/validate-wake-kcompactd-above-costly.html`,
    );
    expect(text.split("\n")[0]).toBe("gfpcheck validate: wake-kcompactd-above-costly");
    expect(text).toContain(`\nFile: ${EXAMPLE}\n`);
    expect(text).toContain("Properties (seed 1, up to 5 runs each):");
    expect(text).toMatch(/^Result: /m);
    // The comparison: baseline first, then the user's policy, then the other built-ins.
    expect(text).toContain("gfpcheck compare: forking-server-checkpoint, seed 1");
    const rows = [...text.matchAll(/^(\S+) +\d\.\d{3} +\d+ /gm)].map((m) => m[1]);
    expect(rows.slice(0, 2)).toEqual(["baseline", "wake-kcompactd-above-costly"]);
    expect(rows).toHaveLength(9);
    for (const line of text.split("\n")) expect(line, "printable ASCII").toMatch(/^[\x20-\x7e]*$/);
    const html = readFileSync(`${base}.html`, "utf8");
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain("<th>verdict</th>");
  });

  it("--seeds adds, after each scenario's tables, every policy's throughput at each seed, in text and HTML", () => {
    const { dir, out } = run;
    const base = join(dir, "reports", "validate-wake-kcompactd-above-costly");
    const text = readFileSync(`${base}.txt`, "utf8");
    expect(out.startsWith(text.trimEnd())).toBe(true);
    // The properties and the tables stay those of seed 1; the spread follows them.
    expect(text).toContain("Properties (seed 1, up to 5 runs each):");
    expect(text).toContain("gfpcheck compare: forking-server-checkpoint, seed 1");
    expect(text).toContain("Relative throughput over 2 seeds (1, 2); the tables above are for seed 1:");
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("policy") && l.includes("seed 2"));
    const rows = lines.slice(header + 2, header + 11).map((l) => l.split(/\s+/)[0]);
    expect(rows.slice(0, 2)).toEqual(["baseline", "wake-kcompactd-above-costly"]);
    expect(rows).toHaveLength(9);
    expect(lines[header + 2]).toMatch(/^baseline +1\.000 +1\.000 +1\.000 +1\.000-1\.000 +0\.000 +0$/);
    const html = readFileSync(`${base}.html`, "utf8");
    expect(html).toContain("Relative throughput over 2 seeds (1, 2)");
  });
});

describe("gfpcheck validate on bad input", () => {
  it.each([
    ["syntax-error.ts", 'export default { id: "oops", title: "t",, };\n', /cannot load the module/],
    ["no-export.ts", "export const helper = 1;\n", /no policy exported.*found exports: helper/],
    ["numeric-id.ts", 'export default { id: 42, title: "t", proposedIn: "p" };\n', /: id: expected .* got number 42/],
    [
      "string-gfp.ts",
      'export default { id: "string-gfp", title: "t", proposedIn: "p", folioGfp: () => "GFP_KERNEL" };\n',
      /: folioGfp returned the string "GFP_KERNEL", expected a gfp mask/,
    ],
  ])("%s: one line naming the file and the problem, exit 2, no report", async (name, source, message) => {
    const dir = root();
    writeFileSync(join(dir, name), source);
    const { code, err, out } = await validate([`./${name}`, ...QUICK], dir);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`^gfpcheck validate: \\./${name.replace(".", "\\.")}: `));
    expect(err[0]).toMatch(message);
    expect(err[0]).not.toMatch(/\bat .*:\d+:\d+/);
    expect(existsSync(join(dir, "reports", "validate-string-gfp.txt"))).toBe(false);
  });

  it.each([
    [[], /expected a policy file/],
    [["a.ts", "b.ts"], /expected one policy file, got 2/],
    [[EXAMPLE, "--pages", "3000"], /--pages: expected an integer in \[4096/],
    [[EXAMPLE, "--runs", "0"], /--runs: expected an integer/],
    [[EXAMPLE, "--seeds", "0"], /--seeds: expected an integer in \[1, 20\]/],
    [[EXAMPLE, "--policies", "baseline"], /unknown option --policies/],
    [["no-such-policy"], /no-such-policy: unknown policy/],
  ])("usage %j: one line, exit 2", async (args, message) => {
    const { code, err } = await validate(args);
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  it("--help says a policy proposed upstream should hold every property", async () => {
    const { code, out } = await validate(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("should hold every property");
    for (const flag of ["--runs", "--time", "--seed", "--seeds", "--pages"]) expect(out).toContain(flag);
  });
});
