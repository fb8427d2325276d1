/**
 * A scenario: a fixed, seeded workload run under each policy to compare what the policies cost,
 * not to search for a counterexample. The same plan runs under every policy; ops that name a
 * process or an allocation are resolved against that policy's own state as they come, because
 * the states drift apart (a fork fails under one policy, a folio comes out smaller under another).
 */

import { type AllocCounters, addCounters, allocCounters, ZERO_ALLOC_COUNTERS } from "../../model/alloc-counters.js";
import type { Policy } from "../../model/policies/policy.js";
import { initSystem, type Op, type StepResult, type System, type SystemConfig, step } from "../../model/system.js";
import type { PlannedOp } from "../arbitraries.js";
import { concretize, livePids } from "../run-ops.js";

/** Page faults by the most recently forked live process: a backend warming up after fork. */
export interface TouchNewest {
  readonly kind: "touch-newest";
  readonly region: "shared" | "private";
  readonly offset: number;
  readonly pages: number;
  readonly cpu: number;
}

export type ScenarioOp = PlannedOp | TouchNewest;

/** Which part of the workload an op belongs to; the per-write figures cover `measured` windows. */
export type WindowKind = "startup" | "transactions" | "checkpoint";

export interface ScenarioStep {
  readonly op: ScenarioOp;
  readonly window: WindowKind;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** What the workload does and why, for reports. */
  readonly description: string;
  readonly system: Omit<SystemConfig, "policy">;
  /** The windows whose writes the per-write figures and the cost model cover. */
  readonly measured: WindowKind;
  readonly plan: (seed: number) => readonly ScenarioStep[];
}

/** One buffered write of a measured window and what it cost. */
export interface WriteRecord {
  /** Index of the write among the scenario's steps. */
  readonly step: number;
  readonly pages: number;
  readonly written: number;
  readonly enomem: boolean;
  /** Order of every folio the write created (-1 for the one whose every order failed). */
  readonly folioOrders: readonly number[];
  readonly counters: AllocCounters;
}

/** Counters over a stretch of the run, for time-series charts. */
export interface WindowSample {
  readonly window: WindowKind;
  readonly firstStep: number;
  readonly counters: AllocCounters;
}

export interface ScenarioRun {
  readonly scenario: string;
  readonly policy: string;
  readonly seed: number;
  readonly writes: readonly WriteRecord[];
  /** Everything else done in the measured windows: kswapd and kcompactd in ticks, faults, reads. */
  readonly backgroundInMeasured: AllocCounters;
  /** Counters per window, in order. */
  readonly timeline: readonly WindowSample[];
  readonly final: System;
}

function resolve(system: System, op: ScenarioOp): Op | undefined {
  if (op.kind !== "touch-newest") return concretize(system, op);
  const pid = livePids(system, true).at(-1);
  if (pid === undefined) return undefined;
  const { kind: _kind, ...rest } = op;
  return { kind: "touch", pid, ...rest };
}

function folioOrdersOf(result: StepResult): number[] {
  return result.events.flatMap((e) => (e.name === "filemap_get_folio" ? [e.order] : []));
}

export function runScenario(scenario: Scenario, policy: Policy, seed: number): ScenarioRun {
  let system = initSystem({ ...scenario.system, policy });
  const writes: WriteRecord[] = [];
  const timeline: WindowSample[] = [];
  let background = ZERO_ALLOC_COUNTERS;
  const plan = scenario.plan(seed);
  plan.forEach(({ op: planned, window }, index) => {
    const op = resolve(system, planned);
    if (op === undefined) return;
    const result = step(system, op);
    system = result.system;
    const counters = allocCounters(result.events);
    const last = timeline.at(-1);
    if (last === undefined || last.window !== window) timeline.push({ window, firstStep: index, counters });
    else timeline[timeline.length - 1] = { ...last, counters: addCounters(last.counters, counters) };
    if (window !== scenario.measured) return;
    if (op.kind === "write" && result.outcome.kind === "written") {
      const { written, enomem } = result.outcome;
      writes.push({ step: index, pages: op.pages, written, enomem, folioOrders: folioOrdersOf(result), counters });
    } else {
      background = addCounters(background, counters);
    }
  });
  return {
    scenario: scenario.id,
    policy: policy.id,
    seed,
    writes,
    backgroundInMeasured: background,
    timeline,
    final: system,
  };
}
