/**
 * A replay of a saved case as data: the verdict and violations from the regression store's own
 * replay (so `gfpcheck replay` and `npm test` can never disagree), and, step by step, the op, its
 * outcome, its trace events and the zone afterwards (buddyinfo / pagetypeinfo, counters, what
 * changed, the memory map). The text, HTML and JSON forms are drawn from this.
 */

import { match } from "ts-pattern";
import type { TraceEvent } from "../../model/events.js";
import { formatEvent } from "../../model/events-format.js";
import { type Migratetype, migratetypeName } from "../../model/migratetype.js";
import { sparseForEach, sparseGet } from "../../model/persistent/sparse-array.js";
import type { Policy } from "../../model/policies/policy.js";
import { initSystem, type Op, type Outcome, type System, step } from "../../model/system.js";
import { buddyinfo, pagetypeinfo } from "../../model/vmstat.js";
import { freeAreaNrFree, nrPageblocks, zonePcpPages } from "../../model/zone.js";
import type { Violation } from "../../properties/invariants/invariant.js";
import { describeOp, type OpJson, opToJson } from "../../properties/op-codec.js";
import type { ExpectedVerdict, RegressionCase } from "../../properties/regression-file.js";
import { replayRegression } from "../../properties/regression-store.js";
import { changedCells, hexPfn, type MemoryMap, memoryMap } from "./memory-map.js";

/** The zone after a step, in the shapes a kernel developer reads. */
export interface StateView {
  /** The /proc/buddyinfo line, without its newline. */
  readonly buddyinfo: string;
  /** /proc/pagetypeinfo's free-pages table: the header with the orders, then a row per migratetype. */
  readonly pagetypeinfo: readonly string[];
  /** NR_FREE_PAGES, pcp pages per CPU, allocated pages, watermarks. */
  readonly counters: string;
  readonly freePages: number;
  readonly pcpPages: number;
  readonly map: MemoryMap;
}

export interface ReplayStep {
  /** 0-based, as regression files and violations count steps. */
  readonly index: number;
  readonly op: Op;
  /** Undefined when the model hit an internal inconsistency on this op (see `failure`). */
  readonly outcome: Outcome | undefined;
  readonly failure: string | undefined;
  readonly events: readonly TraceEvent[];
  /** The events as ftrace lines. */
  readonly eventLines: readonly string[];
  readonly after: StateView;
  /** What the step changed, one short phrase each; empty when nothing did. */
  readonly changes: readonly string[];
}

export interface Replay {
  /** The regression file as the user named it. */
  readonly file: string;
  readonly regression: RegressionCase;
  /** The policy the ops were replayed under. */
  readonly policy: string;
  /** Replayed under the file's own policy (no --policy, or --policy naming that same policy). */
  readonly ownPolicy: boolean;
  readonly verdict: ExpectedVerdict;
  readonly violations: readonly Violation[];
  /** Index of the failing step, -1 for the end-of-run check, undefined if nothing failed. */
  readonly failedAt: number | undefined;
  readonly initial: StateView;
  readonly steps: readonly ReplayStep[];
  /** Ops of the file not run because an earlier step failed. */
  readonly notRun: number;
  readonly pageblockOrder: number;
  /**
   * Under the file's own policy: does the replay give the file's expected verdict (and, for a
   * violation, break the recorded invariant)? Null under another policy.
   */
  readonly reproduces: boolean | null;
}

function allocated(system: System): { pages: number; allocations: number } {
  let pages = 0;
  let allocations = 0;
  sparseForEach(system.owners.byHandle, (_handle, alloc) => {
    pages += 2 ** alloc.order;
    allocations++;
    return true;
  });
  return { pages, allocations };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function stateView(system: System): StateView {
  const zone = system.zone;
  // /proc/pagetypeinfo without the pageblock order and size (said once per replay) and blank lines:
  // the free-blocks table (the orders, a row per migratetype), then the pageblocks per migratetype.
  const table = pagetypeinfo(zone)
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("Page block order") && !line.startsWith("Pages per block"))
    .map((line) => line.trimEnd());
  const pcp = zonePcpPages(system.zone);
  const used = allocated(system);
  const { min, low, high } = zone.watermark;
  const boost = zone.watermarkBoost > 0 ? ` (+${zone.watermarkBoost} boost)` : "";
  const highatomic = zone.nrReservedHighatomic > 0 ? `, nr_reserved_highatomic ${zone.nrReservedHighatomic}` : "";
  // pcp->high only where it moves: a zone whose high was set by hand keeps it at pcpHighMin.
  const tuned = zone.config.pcpHighMin !== zone.config.pcpHighMax;
  const perCpu = zone.pcp.map((p, cpu) => (tuned ? `cpu${cpu} ${p.count}/high ${p.high}` : `cpu${cpu} ${p.count}`));
  const belowHigh = zone.belowHigh ? ", ZONE_BELOW_HIGH" : "";
  const counters =
    `NR_FREE_PAGES ${zone.nrFreePages}, pcp ${pcp} (${perCpu.join(", ")}), ` +
    `allocated ${plural(used.pages, "page")} in ${plural(used.allocations, "allocation")}; ` +
    `watermarks min ${min} low ${low} high ${high}${boost}${highatomic}${belowHigh}`;
  return {
    buddyinfo: buddyinfo(zone).trimEnd(),
    pagetypeinfo: table,
    counters,
    freePages: zone.nrFreePages,
    pcpPages: pcp,
    map: memoryMap(zone, system.owners),
  };
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

/** Ranges of retyped pageblocks listed up to this many; the rest are counted. */
const MAX_PAGEBLOCK_CHANGES = 8;

/** What changed from one state to the next, one phrase each. */
export function describeChanges(before: System, after: System, mapBefore: MemoryMap, mapAfter: MemoryMap): string[] {
  const a = before.zone;
  const b = after.zone;
  const out: string[] = [];
  if (a.nrFreePages !== b.nrFreePages) {
    out.push(`NR_FREE_PAGES ${a.nrFreePages} -> ${b.nrFreePages} (${signed(b.nrFreePages - a.nrFreePages)})`);
  }
  const orders: string[] = [];
  for (let order = 0; order <= b.config.maxPageOrder; order++) {
    const delta = freeAreaNrFree(b, order) - freeAreaNrFree(a, order);
    if (delta !== 0) orders.push(`order ${order} ${signed(delta)}`);
  }
  if (orders.length > 0) out.push(`nr_free ${orders.join(", ")}`);
  const pcpA = zonePcpPages(before.zone);
  const pcpB = zonePcpPages(after.zone);
  if (pcpA !== pcpB) out.push(`pcp ${pcpA} -> ${pcpB} (${signed(pcpB - pcpA)})`);
  const highs = b.pcp.flatMap((p, cpu) => {
    const was = a.pcp[cpu]?.high ?? 0;
    return p.high === was ? [] : [`cpu${cpu} ${was} -> ${p.high}`];
  });
  if (highs.length > 0) out.push(`pcp->high ${highs.join(", ")}`);
  if (a.belowHigh !== b.belowHigh) out.push(`ZONE_BELOW_HIGH ${b.belowHigh ? "set" : "cleared"}`);
  // Retyped pageblocks, consecutive ones with the same change as one range.
  const retyped: string[] = [];
  const name = (mt: Migratetype | undefined) => (mt === undefined ? "none" : migratetypeName(mt));
  const pbOrder = b.config.pageblockOrder;
  let runs = 0;
  for (let pb = 0; pb < nrPageblocks(b.config); pb++) {
    const mtA = sparseGet(a.pageblockMt, pb);
    const mtB = sparseGet(b.pageblockMt, pb);
    if (mtA === mtB) continue;
    let last = pb;
    while (
      last + 1 < nrPageblocks(b.config) &&
      sparseGet(a.pageblockMt, last + 1) === mtA &&
      sparseGet(b.pageblockMt, last + 1) === mtB
    )
      last++;
    runs++;
    if (retyped.length < MAX_PAGEBLOCK_CHANGES) {
      const which =
        last === pb
          ? `pageblock ${pb} (pfn ${hexPfn(pb << pbOrder)})`
          : `pageblocks ${pb}-${last} (pfns ${hexPfn(pb << pbOrder)}-${hexPfn(((last + 1) << pbOrder) - 1)})`;
      retyped.push(`${which} ${name(mtA)} -> ${name(mtB)}`);
    }
    pb = last;
  }
  out.push(...retyped);
  if (runs > retyped.length) out.push(`${runs - retyped.length} more pageblock ranges retyped`);
  if (a.watermarkBoost !== b.watermarkBoost) out.push(`watermark_boost ${a.watermarkBoost} -> ${b.watermarkBoost}`);
  if (a.nrReservedHighatomic !== b.nrReservedHighatomic) {
    out.push(`nr_reserved_highatomic ${a.nrReservedHighatomic} -> ${b.nrReservedHighatomic}`);
  }
  const cells = changedCells(mapBefore, mapAfter);
  if (cells > 0) out.push(`${plural(cells, "map cell")} changed`);
  return out;
}

/** One line for what an op achieved. */
export function describeOutcome(outcome: Outcome): string {
  return match(outcome)
    .with({ kind: "allocated" }, (o) => `allocated #${o.handle}: pfn ${hexPfn(o.pfn)} order ${o.order}`)
    .with({ kind: "alloc-failed" }, (o) => `allocation failed (order ${o.order})`)
    .with({ kind: "freed" }, (o) => `freed #${o.handle}: pfn ${hexPfn(o.pfn)} order ${o.order}`)
    .with({ kind: "drained" }, (o) => `drained ${plural(o.pages, "page")} from pcp lists`)
    .with(
      { kind: "ticked" },
      (o) =>
        `kswapd ${o.kswapdRan ? "ran" : "slept"}, kcompactd ${o.kcompactdRan ? "ran" : "slept"}, ` +
        `${plural(o.cleaned, "page")} written back`,
    )
    .with({ kind: "forked" }, (o) => `forked pid ${o.pid}`)
    .with({ kind: "fork-failed" }, (o) => `fork of pid ${o.parent} failed`)
    .with({ kind: "exited" }, (o) => `pid ${o.pid} exited, ${plural(o.freed, "page")} freed`)
    .with(
      { kind: "touched" },
      (o) =>
        `pid ${o.pid}: ${plural(o.ptePages, "page-table page")}, ${plural(o.dataPages, "data page")}` +
        (o.failed ? ", a fault failed" : ""),
    )
    .with(
      { kind: "written" },
      (o) => `file ${o.file}: ${plural(o.written, "page")} written${o.enomem ? ", -ENOMEM" : ""}`,
    )
    .with({ kind: "read" }, (o) => `file ${o.file}: ${plural(o.read, "page")} read`)
    .with({ kind: "truncated" }, (o) => `file ${o.file} truncated, ${plural(o.freed, "page")} freed`)
    .with({ kind: "rejected" }, (o) => `rejected: ${o.reason}`)
    .exhaustive();
}

/** Does the replay give what the file recorded? */
function reproducesRecord(c: RegressionCase, verdict: ExpectedVerdict, violations: readonly Violation[]): boolean {
  if (verdict !== c.expected) return false;
  if (verdict === "violated" && c.violation !== null) {
    return violations.some((v) => v.invariant === c.violation?.invariant);
  }
  return true;
}

/**
 * Replays a case under `policy`. `ownPolicy` says whether that is the file's own policy (its
 * verdict is then compared with the file's `expected`).
 */
export function replayCase(file: string, c: RegressionCase, policy: Policy, ownPolicy: boolean): Replay {
  const result = replayRegression(c, { policy });
  let system = initSystem({ ...c.config, policy });
  const initial = stateView(system);
  const pageblockOrder = system.zone.config.pageblockOrder;
  let view = initial;
  const steps: ReplayStep[] = [];
  result.run.ops.forEach((op, index) => {
    let next: System = system;
    let outcome: Outcome | undefined;
    let failure: string | undefined;
    let events: readonly TraceEvent[] = [];
    try {
      const stepped = step(system, op);
      next = stepped.system;
      outcome = stepped.outcome;
      events = stepped.events;
    } catch (error) {
      // The regression store's replay reports this as a model-bug violation at this step.
      failure = error instanceof Error ? error.message : String(error);
    }
    const after = next === system ? view : stateView(next);
    steps.push({
      index,
      op,
      outcome,
      failure,
      events,
      eventLines: events.map((e) => formatEvent(e, { pageblockOrder })),
      after,
      changes: describeChanges(system, next, view.map, after.map),
    });
    system = next;
    view = after;
  });
  return {
    file,
    regression: c,
    policy: policy.id,
    ownPolicy,
    verdict: result.verdict,
    violations: result.violations,
    failedAt: result.run.failedAt,
    initial,
    steps,
    notRun: c.ops.length - result.run.ops.length,
    pageblockOrder,
    reproduces: ownPolicy ? reproducesRecord(c, result.verdict, result.violations) : null,
  };
}

export interface ReplayJson {
  readonly file: string;
  readonly name: string;
  readonly property: string;
  readonly policy: string;
  readonly filePolicy: string;
  readonly expected: ExpectedVerdict;
  readonly verdict: ExpectedVerdict;
  readonly reproduces: boolean | null;
  readonly steps: readonly {
    readonly step: number;
    readonly op: OpJson;
    readonly description: string;
    readonly outcome: Outcome | { readonly kind: "model-bug"; readonly message: string };
    readonly events: readonly string[];
    readonly buddyinfo: string;
    readonly freePages: number;
    readonly pcpPages: number;
    readonly changes: readonly string[];
  }[];
  readonly notRun: number;
  readonly failedAt: number | null;
  readonly violations: readonly Violation[];
}

/** The --json form: plain data, in a fixed key order. */
export function replayJson(replay: Replay): ReplayJson {
  return {
    file: replay.file,
    name: replay.regression.name,
    property: replay.regression.property,
    policy: replay.policy,
    filePolicy: replay.regression.policy,
    expected: replay.regression.expected,
    verdict: replay.verdict,
    reproduces: replay.reproduces,
    steps: replay.steps.map((s) => ({
      step: s.index,
      op: opToJson(s.op),
      description: describeOp(s.op),
      outcome: s.outcome ?? { kind: "model-bug", message: s.failure ?? "" },
      events: s.eventLines,
      buddyinfo: s.after.buddyinfo,
      freePages: s.after.freePages,
      pcpPages: s.after.pcpPages,
      changes: s.changes,
    })),
    notRun: replay.notRun,
    failedAt: replay.failedAt ?? null,
    violations: replay.violations,
  };
}
