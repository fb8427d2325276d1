/**
 * The progress of `gfpcheck check` on stderr. On a terminal: one line redrawn in place, a bar
 * with what is running and what was found so far. Elsewhere (CI logs): a plain line per unit of
 * work as it finishes. Times appear here only, never in the reports, which must be the same from
 * run to run.
 */

import { type CheckProgress, isUnexpected } from "./check-run.js";
import type { CommandContext } from "./commands/context.js";

export interface ProgressState {
  readonly done: number;
  readonly total: number;
  /** What is running now, e.g. "baseline × no-leaks (seed 2/4)"; null between units. */
  readonly running: string | null;
  readonly violated: number;
  readonly unexpected: number;
  readonly elapsedMs: number;
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

/** One terminal line: `[#####.....] 3/12 baseline × no-leaks (seed 2/4) | found: 1 violated (1 unexpected) | 12.3s`. */
export function progressBar(state: ProgressState, columns = 100): string {
  const width = 20;
  const filled = state.total === 0 ? width : Math.round((state.done / state.total) * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const found =
    state.violated === 0
      ? "found: nothing yet"
      : `found: ${state.violated} violated${state.unexpected > 0 ? ` (${state.unexpected} unexpected)` : ""}`;
  const running = state.running === null ? "" : ` ${state.running}`;
  const line = `${bar} ${state.done}/${state.total}${running} | ${found} | ${formatDuration(state.elapsedMs)}`;
  // A line longer than the terminal wraps, and the redraw would then leave the first half behind.
  return line.length < columns ? line : `${line.slice(0, Math.max(columns - 2, 10))}…`;
}

function unitName(event: CheckProgress): string {
  const u = event.unit;
  return `${u.policy} × ${u.property}${u.seeds > 1 ? ` (seed ${u.seedIndex + 1}/${u.seeds})` : ""}`;
}

/** The plain line for a finished unit, e.g. `check [3/12] baseline × no-leaks: holds (100 runs, 43 reached the situation, 1.2s)`. */
export function progressLine(event: Extract<CheckProgress, { kind: "done" }>, unitMs: number): string {
  const r = event.row;
  return `check [${event.index + 1}/${event.total}] ${unitName(event)}: ${r.verdict} (${r.runs} runs, ${r.reached} reached the situation, ${formatDuration(unitMs)})`;
}

export interface ProgressOptions {
  /** A terminal: redraw one line. Otherwise a line per finished unit. */
  readonly interactive: boolean;
  readonly columns?: number;
  readonly now?: () => number;
}

/** Is the context's progress stream a terminal? Test contexts leave it unset: plain lines. */
export function isInteractive(ctx: CommandContext): boolean {
  return ctx.interactive === true;
}

/** A progress reporter for runCheck's events, writing to ctx.progress. */
export function checkProgress(
  ctx: CommandContext,
  options: ProgressOptions,
): {
  readonly update: (event: CheckProgress) => void;
  readonly note: (line: string) => void;
  readonly finish: () => void;
} {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let unitStarted = started;
  let violated = 0;
  let unexpected = 0;
  let shown = false;
  const redraw = (done: number, total: number, running: string | null) => {
    ctx.progress(
      progressBar({ done, total, running, violated, unexpected, elapsedMs: now() - started }, options.columns ?? 100),
    );
    shown = true;
  };
  const note = (line: string) => {
    if (options.interactive && shown) {
      // Clear the bar, print the note on a line of its own; the next update redraws the bar.
      ctx.progress("");
      ctx.err(`check: ${line}`);
      shown = false;
    } else ctx.progress(`check: ${line}`);
  };
  return {
    note,
    update(event) {
      if (event.kind === "start") {
        unitStarted = now();
        if (options.interactive) redraw(event.index, event.total, unitName(event));
        return;
      }
      if (event.row.verdict === "violated") violated++;
      if (event.row.verdict === "violated" && isUnexpected(event.row)) unexpected++;
      if (options.interactive) redraw(event.index + 1, event.total, null);
      else ctx.progress(progressLine(event, now() - unitStarted));
      if (event.savedFile !== undefined) note(`new counterexample saved: ${event.savedFile}`);
    },
    finish() {
      // Leave the terminal line empty for the matrix that follows.
      if (options.interactive && shown) ctx.progress("");
      else if (!options.interactive) ctx.progress(`check: finished in ${formatDuration(now() - started)}`);
    },
  };
}
