/**
 * `gfpcheck replay` as text: the case, the initial zone, then per step the op, its outcome, its
 * events as ftrace lines, the zone afterwards (buddyinfo, pagetypeinfo, counters), what changed
 * and the memory map; at the end the verdict and the violated invariant with its evidence,
 * marked on the memory map.
 */

import type { Violation } from "../../properties/invariants/invariant.js";
import { describeOp } from "../../properties/op-codec.js";
import { type MapTextOptions, memoryMapLegend, memoryMapText } from "./memory-map.js";
import { describeOutcome, type Replay, type StateView } from "./replay-model.js";

export interface ReplayTextOptions {
  /** Event lines shown per step; the rest are counted. */
  readonly eventsPerStep: number;
  readonly color?: boolean;
}

const INDENT = "  ";

function paint(text: string, sgr: string, color: boolean): string {
  return color ? `\x1b[${sgr}m${text}\x1b[0m` : text;
}

function indent(lines: readonly string[], depth = 1): string[] {
  const lead = INDENT.repeat(depth);
  return lines.map((line) => (line === "" ? "" : `${lead}${line}`));
}

/** Zone geometry and anything configured away from the defaults, in one line. */
function zoneLine(replay: Replay): string {
  const zone = replay.regression.config.zone ?? {};
  const parts = Object.entries(zone)
    .filter(([key]) => key !== "faults")
    .map(([key, value]) => `${key} ${JSON.stringify(value)}`);
  const faults = zone.faults ?? [];
  return `zone: ${parts.join(", ")}${faults.length > 0 ? `; planted faults: ${faults.join(", ")}` : ""}`;
}

function kernelLine(replay: Replay): string | undefined {
  const kernel = Object.entries(replay.regression.config.kernel ?? {});
  if (kernel.length === 0) return undefined;
  return `kernel options: ${kernel.map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(", ")}`;
}

function stateLines(state: StateView, mapOptions: MapTextOptions, color: boolean): string[] {
  return [
    `buddyinfo: ${state.buddyinfo}`,
    "pagetypeinfo:",
    ...indent(state.pagetypeinfo),
    state.counters,
    "memory map:",
    ...indent(memoryMapText(state.map, mapOptions)),
    ...indent(memoryMapLegend(state.map, { color })),
  ];
}

/** Longest rendering of `expected` / `seen` evidence values. */
const MAX_EVIDENCE_CHARS = 400;
/** Evidence pfns listed up to this many. */
const MAX_EVIDENCE_PAGES = 32;

function evidenceValue(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_EVIDENCE_CHARS ? `${text.slice(0, MAX_EVIDENCE_CHARS)}… (${text.length} chars)` : text;
}

/** "0x1, 0x3-0x5" for a list of pfns, the first MAX_EVIDENCE_PAGES of them. */
export function pfnList(pfns: readonly number[]): string {
  const sorted = [...new Set(pfns)].sort((x, y) => x - y);
  const shown = sorted.slice(0, MAX_EVIDENCE_PAGES);
  const parts: string[] = [];
  for (let i = 0; i < shown.length; ) {
    let j = i;
    while (j + 1 < shown.length && shown[j + 1] === (shown[j] ?? 0) + 1) j++;
    const a = `0x${(shown[i] ?? 0).toString(16)}`;
    const b = `0x${(shown[j] ?? 0).toString(16)}`;
    parts.push(i === j ? a : `${a}-${b}`);
    i = j + 1;
  }
  const more = sorted.length - shown.length;
  return `${parts.join(", ")}${more > 0 ? `, and ${more} more` : ""}`;
}

/**
 * At most `limit` event lines: all of them if they fit, else the first three quarters and the last
 * quarter of the limit (where an allocation's end, success or failure, is) around a count of the rest.
 */
export function cutEvents(lines: readonly string[], limit: number): string[] {
  if (lines.length <= limit) return [...lines];
  const tail = Math.floor(limit / 4);
  const head = limit - tail;
  const hidden = lines.length - limit;
  return [
    ...lines.slice(0, head),
    `… ${hidden} more event${hidden === 1 ? "" : "s"} (--events N shows more)`,
    ...lines.slice(lines.length - tail),
  ];
}

function where(step: number): string {
  return step === -1 ? "at the end of the run" : `at step ${step}`;
}

export function violationLines(v: Violation): string[] {
  const lines = [`${v.invariant} ${where(v.step)}: ${v.message}`];
  if (v.expected !== undefined) lines.push(`${INDENT}expected: ${evidenceValue(v.expected)}`);
  if (v.seen !== undefined) lines.push(`${INDENT}seen:     ${evidenceValue(v.seen)}`);
  if (v.pages.length > 0) lines.push(`${INDENT}pages:    ${pfnList(v.pages)}`);
  return lines;
}

/** The closing sentence: what the replay shows, and whether that was expected. */
export function conclusion(replay: Replay): string {
  const c = replay.regression;
  const invariant = replay.violations[0]?.invariant ?? c.property;
  if (replay.reproduces === null) {
    return replay.verdict === "violated"
      ? `still violated under ${replay.policy}: ${invariant} breaks (the file's policy ${c.policy} expected ${c.expected})`
      : `holds under ${replay.policy}: no invariant of ${c.property} breaks (the file's policy ${c.policy} expected ${c.expected})`;
  }
  if (replay.reproduces) {
    return replay.verdict === "violated"
      ? `as expected: ${invariant} still breaks under ${replay.policy}`
      : `as expected: ${c.property} holds under ${replay.policy}`;
  }
  if (replay.verdict === "holds") {
    return (
      `UNEXPECTED: the file expects ${c.violation?.invariant ?? c.property} to break under ${replay.policy}, but it holds; ` +
      `if the bug was fixed, change the file's "expected" to "holds" and keep it as a regression test`
    );
  }
  if (c.expected === "violated") {
    return `UNEXPECTED: the file expects ${c.violation?.invariant ?? c.property} to break, but ${invariant} broke instead under ${replay.policy}`;
  }
  return `UNEXPECTED: the file expects ${c.property} to hold under ${replay.policy}, but ${invariant} breaks`;
}

export function replayText(replay: Replay, options: ReplayTextOptions): string[] {
  const color = options.color ?? false;
  const c = replay.regression;
  const out: string[] = [];
  out.push(paint(`replay ${replay.file}`, "1", color));
  const policyNote = replay.ownPolicy ? "the file's own" : `the file's is ${c.policy}`;
  out.push(
    ...indent([
      c.name,
      c.description,
      `property ${c.property}, policy ${replay.policy} (${policyNote}), expected ${c.expected}, ${c.ops.length} ops`,
      zoneLine(replay),
      ...[kernelLine(replay)].filter((line): line is string => line !== undefined),
      `pageblock order ${replay.pageblockOrder} (${2 ** replay.pageblockOrder} pages); events ${options.eventsPerStep === 0 ? "hidden" : `shown up to ${options.eventsPerStep} a step`}`,
    ]),
  );
  out.push("");
  out.push(paint("initial state", "1", color));
  out.push(...indent(stateLines(replay.initial, { color }, color)));
  for (const s of replay.steps) {
    out.push("");
    out.push(paint(`step ${s.index}: ${describeOp(s.op)}`, "1", color));
    const body: string[] = [];
    body.push(
      s.outcome === undefined
        ? `outcome: the model hit an internal inconsistency: ${s.failure ?? ""}`
        : `outcome: ${describeOutcome(s.outcome)}`,
    );
    body.push(s.eventLines.length === 0 ? "events: none" : `events (${s.eventLines.length}):`);
    body.push(...indent(cutEvents(s.eventLines, options.eventsPerStep)));
    body.push(`changed: ${s.changes.length === 0 ? "nothing" : s.changes.join("; ")}`);
    const failing = replay.failedAt === s.index;
    const marks = failing ? replay.violations.flatMap((v) => v.pages) : [];
    body.push(...stateLines(s.after, { color, marks }, color));
    if (failing) {
      const invariants = [...new Set(replay.violations.map((v) => v.invariant))];
      body.push(paint(`violated here: ${invariants.join(", ")}`, "1;31", color));
    }
    out.push(...indent(body));
  }
  out.push("");
  if (replay.notRun > 0) {
    out.push(`${replay.notRun} later op(s) of the file not run: the replay stops at the first violation`);
    out.push("");
  }
  out.push(...verdictLines(replay, color));
  return out;
}

function verdictLines(replay: Replay, color: boolean): string[] {
  const out: string[] = [];
  const good = replay.reproduces !== false;
  out.push(
    paint(
      `verdict: ${replay.verdict}${replay.ownPolicy ? ` (expected ${replay.regression.expected})` : ` under ${replay.policy}`}`,
      good ? "1" : "1;31",
      color,
    ),
  );
  if (replay.violations.length > 0) {
    const last = replay.steps[replay.steps.length - 1];
    const invariants = [...new Set(replay.violations.map((v) => v.invariant))];
    out.push(paint(`violated invariant${invariants.length > 1 ? "s" : ""}: ${invariants.join(", ")}`, "1;31", color));
    out.push(...indent(replay.violations.flatMap(violationLines)));
    const marks = replay.violations.flatMap((v) => v.pages);
    if (marks.length > 0) {
      const state = last?.after ?? replay.initial;
      const at = last === undefined ? "the initial state" : `after step ${last.index}`;
      out.push(`${INDENT}evidence on the memory map ${at}, marked ^ (only the lines holding it):`);
      if (replay.failedAt === -1) {
        out.push(
          `${INDENT}(the end-of-run check first frees every allocation and drains the pcp lists: the pages refer to that state)`,
        );
      }
      out.push(...indent(memoryMapText(state.map, { color, marks, onlyMarked: true }), 2));
    }
  }
  out.push(paint(conclusion(replay), good ? "1;32" : "1;31", color));
  return out;
}
