import { describe, expect, it } from "vitest";
import type { CheckProgress, CheckResultRow, UnitInfo } from "./check-run.js";
import { checkProgress, formatDuration, progressBar, progressLine } from "./progress.js";
import { captureContext } from "./test-support/capture.js";

const unit: UnitInfo = { policy: "baseline", property: "no-leaks", seedIndex: 1, seeds: 4, runs: 25 };
const row = (verdict: CheckResultRow["verdict"]): CheckResultRow => ({
  policy: "baseline",
  property: "no-leaks",
  verdict,
  expected: "holds",
  coverage: {},
  runs: 25,
  reached: 12,
  minRuns: 20,
  situation: "s",
  units: [1],
  counterexample: null,
});

function clock(steps: number[]): () => number {
  let i = 0;
  return () => steps[Math.min(i++, steps.length - 1)] ?? 0;
}

describe("progress", () => {
  it("formats durations", () => {
    expect(formatDuration(1234)).toBe("1.2s");
    expect(formatDuration(125_000)).toBe("2m05s");
  });

  it("draws a bar with what runs and what was found, never wider than the terminal", () => {
    const state = { done: 3, total: 12, running: "baseline × no-leaks", violated: 2, unexpected: 1, elapsedMs: 12_300 };
    expect(progressBar(state)).toBe(
      "[#####...............] 3/12 baseline × no-leaks | found: 2 violated (1 unexpected) | 12.3s",
    );
    expect(progressBar({ ...state, violated: 0, unexpected: 0, running: null })).toContain("found: nothing yet");
    expect(progressBar(state, 40).length).toBeLessThan(40);
  });

  it("plain lines (CI): one per finished unit, then the total time", () => {
    const ctx = captureContext("/nowhere");
    const p = checkProgress(ctx, { interactive: false, now: clock([0, 0, 1500, 2000]) });
    p.update({ kind: "start", index: 0, total: 2, unit });
    p.update({ kind: "done", index: 0, total: 2, unit, row: row("violated"), savedFile: "regressions/x.json" });
    p.finish();
    expect(ctx.captured.progress).toEqual([
      "check [1/2] baseline × no-leaks (seed 2/4): violated (25 runs, 12 reached the situation, 1.5s)",
      "check: new counterexample saved: regressions/x.json",
      "check: finished in 2.0s",
    ]);
    expect(progressLine({ kind: "done", index: 0, total: 1, unit: { ...unit, seeds: 1 }, row: row("holds") }, 10)).toBe(
      "check [1/1] baseline × no-leaks: holds (25 runs, 12 reached the situation, 0.0s)",
    );
  });

  it("on a terminal: the bar is redrawn at each start and end, notes get their own line, the end clears it", () => {
    const ctx = captureContext("/nowhere");
    const p = checkProgress(ctx, { interactive: true, now: clock([0, 100, 200, 300, 400]) });
    const events: CheckProgress[] = [
      { kind: "start", index: 0, total: 2, unit },
      { kind: "done", index: 0, total: 2, unit, row: row("violated"), savedFile: "regressions/x.json" },
      { kind: "start", index: 1, total: 2, unit },
    ];
    for (const e of events) p.update(e);
    p.finish();
    expect(ctx.captured.progress[0]).toMatch(/^\[\.+\] 0\/2 baseline × no-leaks \(seed 2\/4\) \| found: nothing yet/);
    expect(ctx.captured.progress[1]).toMatch(/^\[#{10}\.{10}\] 1\/2 \| found: 1 violated \(1 unexpected\)/);
    expect(ctx.captured.progress[2]).toBe("");
    expect(ctx.captured.err).toEqual(["check: new counterexample saved: regressions/x.json"]);
    expect(ctx.captured.progress.at(-1)).toBe("");
  });
});
