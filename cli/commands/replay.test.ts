import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../main.js";
import { captureContext, REPO_ROOT, runGfpcheck, tempRoots } from "../test-support/capture.js";
import { REPLAY_HELP, replayCommand } from "./replay.js";

const root = tempRoots("gfpcheck-replay-");

const BOUNDED = "bounded-compaction--1725036e1650.json";
/** A planted-fault case: skip-merge, caught by coalescing at step 2 of 3. */
const COALESCING = "coalescing--4107910c352c.json";

function savedCase(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, "regressions", name), "utf8")) as Record<string, unknown>;
}

/** A temporary project holding a copy of regressions/<name>, or of a changed version of it. */
function projectWith(name: string, change?: (json: Record<string, unknown>) => Record<string, unknown>): string {
  const dir = root();
  const target = join(dir, name);
  if (change === undefined) copyFileSync(join(REPO_ROOT, "regressions", name), target);
  else writeFileSync(target, `${JSON.stringify(change(savedCase(name)), null, 2)}\n`);
  return dir;
}

async function replay(args: string[], dir = REPO_ROOT) {
  const ctx = captureContext(dir);
  const code = await replayCommand(args, ctx);
  return { code, out: ctx.captured.out, err: ctx.captured.err, text: ctx.captured.out.join("\n") };
}

/** Bad input through the real dispatcher: exit 2, one line on stderr, nothing on stdout, no stack. */
async function badInput(args: string[], dir: string) {
  const ctx = captureContext(dir);
  const code = await runCli(["replay", ...args], ctx);
  expect(code).toBe(2);
  expect(ctx.captured.out).toEqual([]);
  expect(ctx.captured.err).toHaveLength(1);
  const line = ctx.captured.err[0] ?? "";
  expect(line).not.toContain("\n");
  expect(line).not.toMatch(/\bat .*:\d+:\d+/);
  expect(line.startsWith("gfpcheck replay: ")).toBe(true);
  return line;
}

describe("gfpcheck replay", () => {
  it("replays every step of a saved counterexample and ends with the violated invariant", async () => {
    const { code, text, err } = await replay([join("regressions", BOUNDED)]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    const ops = (savedCase(BOUNDED).ops as unknown[]).length;
    const steps = text.match(/^step \d+: .*$/gm) ?? [];
    expect(steps).toHaveLength(ops);
    expect(steps[0]).toBe("step 0: alloc order=0 gfp=GFP_HIGHUSER_MOVABLE cpu=0 use=pagecache");
    expect(steps[ops - 1]).toBe(`step ${ops - 1}: alloc order=7 gfp=GFP_HIGHUSER_MOVABLE cpu=0 use=pagecache`);
    // Per step: events as ftrace lines, buddyinfo, what changed, the memory map with its legend.
    expect(text).toContain("    mm_page_alloc: pfn=0x0 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE");
    // The initial state, then the state after each step.
    expect(text.match(/^ {2}buddyinfo: Node 0, zone {3}Normal /gm)).toHaveLength(ops + 1);
    expect(text.match(/^ {2}changed: /gm)).toHaveLength(ops);
    expect(text.match(/^ {4}legend: /gm)).toHaveLength(ops + 1);
    expect(text).toMatch(/… \d+ more events \(--events N shows more\)/);
    const tail = text.split("\n").slice(-6).join("\n");
    expect(tail).toContain("violated invariant: bounded-compaction/across-calls");
    expect(tail).toContain("expected: no rescan until 128 pages are freed");
    expect(tail.endsWith("as expected: bounded-compaction/across-calls still breaks under baseline")).toBe(true);
  });

  it("is byte-identical from run to run", async () => {
    const a = await replay([join("regressions", BOUNDED)]);
    const b = await replay([join("regressions", BOUNDED)]);
    expect(b.text).toBe(a.text);
  });

  it("marks a planted fault's evidence on the memory map", async () => {
    const { code, text } = await replay([join("regressions", COALESCING), "--events", "3"]);
    expect(code).toBe(0);
    expect(text.match(/^step \d+: /gm)).toHaveLength(3);
    expect(text).toContain("violated invariant: coalescing");
    expect(text).toContain("  coalescing at step 2: order-2 buddies at pfn 8 and 12 are both free but not merged");
    expect(text).toContain("    pages:    0x8, 0xc");
    // Both buddies marked under the one line of the map that holds them, in the failing step and the verdict.
    const line = `  0x0 M...MMMM${".".repeat(56)}  mmmmmmmm`;
    const marks = `${" ".repeat(14)}^   ^`;
    expect(text).toContain(`\n    ${line}\n    ${marks}\n`);
    expect(text).toContain(`marked ^ (only the lines holding it):\n    ${line}\n    ${marks}\nas expected`);
    expect(text).toMatch(/… \d+ more events/);
    expect(text.split("\n").at(-1)).toBe("as expected: coalescing still breaks under baseline");
  });

  it("--json prints the replay as JSON", async () => {
    const { code, text } = await replay([join("regressions", COALESCING), "--json"]);
    expect(code).toBe(0);
    const json = JSON.parse(text);
    expect(json).toMatchObject({
      file: join("regressions", COALESCING),
      policy: "baseline",
      expected: "violated",
      verdict: "violated",
    });
    expect(json.steps).toHaveLength(3);
    expect(json.steps[0]).toMatchObject({
      op: { op: "alloc", order: 0, gfp: "GFP_HIGHUSER_MOVABLE", cpu: 0 },
      outcome: { kind: "allocated" },
    });
    expect(typeof json.steps[0].buddyinfo).toBe("string");
    expect(typeof json.steps[0].freePages).toBe("number");
    expect(json.steps[2].events.every((e: unknown) => typeof e === "string")).toBe(true);
    expect(json.violations[0]).toMatchObject({ invariant: "coalescing", step: 2, pages: [8, 12] });
  });

  it("--html writes reports/replay-<name>.html in the project, byte-identical from run to run", async () => {
    const dir = projectWith(COALESCING);
    const first = await replay([COALESCING, "--html"], dir);
    expect(first.code).toBe(0);
    expect(first.out.at(-1)).toBe(`report written: ${join("reports", "replay-coalescing--4107910c352c.html")}`);
    const file = join(dir, "reports", "replay-coalescing--4107910c352c.html");
    const html = readFileSync(file, "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('type="range"');
    await replay([COALESCING, "--html"], dir);
    expect(readFileSync(file, "utf8")).toBe(html);
    expect(readdirSync(join(dir, "reports"))).toEqual(["replay-coalescing--4107910c352c.html"]);
    // With --json, stdout stays JSON; the file written is said on stderr.
    const json = await replay([COALESCING, "--html", "--json"], dir);
    expect(() => JSON.parse(json.text)).not.toThrow();
    expect(json.err).toEqual([`report written: ${join("reports", "replay-coalescing--4107910c352c.html")}`]);
  });

  it("--policy replays the same ops under another policy and says whether it holds", async () => {
    const fixed = await replay([join("regressions", BOUNDED), "--policy", "compact-once", "--events", "0"]);
    expect(fixed.code).toBe(0);
    expect(fixed.text).toContain("property bounded-compaction, policy compact-once (the file's is baseline)");
    expect(fixed.text.split("\n").at(-1)).toBe(
      "holds under compact-once: no invariant of bounded-compaction breaks (the file's policy baseline expected violated)",
    );
    const still = await replay([join("regressions", COALESCING), "--policy", "compact-once"]);
    expect(still.code).toBe(0);
    expect(still.text.split("\n").at(-1)).toBe(
      "still violated under compact-once: coalescing breaks (the file's policy baseline expected violated)",
    );
  });

  it("exits 1 when the file's own policy no longer gives its expected verdict", async () => {
    const dir = projectWith(COALESCING, (json) => ({ ...json, expected: "holds", violation: null }));
    const { code, text } = await replay([COALESCING], dir);
    expect(code).toBe(1);
    expect(text.split("\n").at(-1)).toBe(
      "UNEXPECTED: the file expects coalescing to hold under baseline, but coalescing breaks",
    );
  });

  it("a case saved for a policy file needs that file: without it, one line saying so; with it, a replay", async () => {
    const dir = projectWith(COALESCING, (json) => ({ ...json, policy: "my-policy" }));
    const line = await badInput([COALESCING], dir);
    expect(line).toContain(`${COALESCING}: field "policy": "my-policy" is not a built-in policy`);
    expect(line).toContain("--policy");
    writeFileSync(
      join(dir, "my-policy.ts"),
      'export default { id: "my-policy", title: "a test policy", proposedIn: "replay.test.ts" };\n',
    );
    const { code, text } = await replay([COALESCING, "--policy", "my-policy.ts"], dir);
    expect(code).toBe(0);
    expect(text.split("\n").at(-1)).toBe("as expected: coalescing still breaks under my-policy");
  });

  it("bad input: one line naming the problem, exit 2", async () => {
    const dir = projectWith(COALESCING);
    expect(await badInput(["missing.json"], dir)).toBe("gfpcheck replay: missing.json: no such file");
    expect(await badInput([], dir)).toContain("no regression file given");
    expect(await badInput([COALESCING, "other.json"], dir)).toContain('unexpected argument "other.json"');
    expect(await badInput([COALESCING, "--bogus"], dir)).toContain("unknown option --bogus");
    expect(await badInput([COALESCING, "--events", "many"], dir)).toContain("--events");
    expect(await badInput([COALESCING, "--policy", "no-such-policy"], dir)).toContain("no-such-policy: unknown policy");
    const text = readFileSync(join(dir, COALESCING), "utf8");
    writeFileSync(join(dir, "truncated.json"), text.slice(0, Math.floor(text.length / 2)));
    expect(await badInput(["truncated.json"], dir)).toMatch(/^gfpcheck replay: truncated\.json: not valid JSON/);
    // A stray character: V8 quotes the text around it, newlines included; still one line.
    writeFileSync(join(dir, "stray.json"), `@${text}`);
    expect(await badInput(["stray.json"], dir)).toMatch(
      /^gfpcheck replay: stray\.json: not valid JSON \(Unexpected token/,
    );
    const bad = projectWith(COALESCING, (json) => ({
      ...json,
      ops: [{ op: "alloc", order: 0, gfp: "GFP_BOGUS", cpu: 0 }],
    }));
    expect(await badInput([COALESCING], bad)).toContain(`${COALESCING}: field "ops[0].gfp"`);
    writeFileSync(join(dir, "syntax.ts"), "export default { id: \n");
    expect(await badInput([COALESCING, "--policy", "syntax.ts"], dir)).toContain("syntax.ts: cannot load the module");
    writeFileSync(join(dir, "no-export.ts"), "export const nothing = 1;\n");
    expect(await badInput([COALESCING, "--policy", "no-export.ts"], dir)).toContain("no-export.ts: no policy exported");
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });

  it("--help documents the options and the exit codes", async () => {
    const ctx = captureContext(root());
    expect(await runCli(["replay", "--help"], ctx)).toBe(0);
    expect(ctx.captured.out).toEqual([REPLAY_HELP]);
    for (const flag of ["--policy", "--events", "--color", "--html", "--json"]) expect(REPLAY_HELP).toContain(flag);
    expect(REPLAY_HELP).toMatch(/Exit code: 0 .*1 .*2 bad input/s);
  });

  it("runs from the real entry point", () => {
    const dir = projectWith(COALESCING);
    const ok = runGfpcheck(["replay", COALESCING], dir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("violated invariant: coalescing");
    expect(ok.stdout.trimEnd().split("\n").at(-1)).toBe("as expected: coalescing still breaks under baseline");
    expect(ok.stderr).toBe("");
    const bad = runGfpcheck(["replay", "missing.json"], dir);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toBe("gfpcheck replay: missing.json: no such file\n");
  });
});
