/**
 * A scenario's per-policy figures: the counters of §7 over the measured writes, and throughput
 * relative to baseline from the cost model. Baseline always runs, first, because every other
 * figure is read against it.
 */

import { type AllocCounters, addCounters, ZERO_ALLOC_COUNTERS } from "../../model/alloc-counters.js";
import { baseline } from "../../model/policies/baseline.js";
import type { Policy } from "../../model/policies/policy.js";
import { type CostBreakdown, costOf } from "./cost-model.js";
import { runScenario, type Scenario, type ScenarioRun, type WindowSample } from "./scenario.js";

/** The counters of the `compare --json` contract, summed over the measured writes. */
export interface ComparisonCounters {
  readonly writes: number;
  readonly slowpathEntries: number;
  readonly directCompactions: number;
  readonly compactPagesScanned: number;
  readonly directReclaims: number;
  readonly drainAllPages: number;
  readonly kswapdWakes: number;
  readonly kcompactdWakes: number;
  readonly enomem: number;
  /** Folios created by the writes, by order ("-1": a folio whose every order failed). */
  readonly folioOrders: Readonly<Record<string, number>>;
}

export interface PolicyFigures {
  readonly policy: string;
  readonly relativeThroughput: number;
  readonly counters: ComparisonCounters;
  readonly pagesRequested: number;
  readonly pagesWritten: number;
  /** CPU time of the measured windows (the writes and the background work around them). */
  readonly cost: CostBreakdown;
  readonly costPerPageWrittenNs: number;
  /** Every counter of the writes, for reports that want more than the contract's few. */
  readonly writeCounters: AllocCounters;
  readonly timeline: readonly WindowSample[];
}

export interface Comparison {
  readonly scenario: string;
  readonly seed: number;
  readonly policies: readonly PolicyFigures[];
}

function folioOrders(run: ScenarioRun): Record<string, number> {
  const orders: Record<string, number> = {};
  for (const write of run.writes) for (const order of write.folioOrders) orders[order] = (orders[order] ?? 0) + 1;
  // Keys in numeric order, so the JSON reads like a histogram and is stable byte for byte.
  return Object.fromEntries(Object.entries(orders).sort(([a], [b]) => Number(a) - Number(b)));
}

function figuresOf(run: ScenarioRun): Omit<PolicyFigures, "relativeThroughput"> {
  const writeCounters = run.writes.reduce((sum, w) => addCounters(sum, w.counters), ZERO_ALLOC_COUNTERS);
  const pagesWritten = run.writes.reduce((n, w) => n + w.written, 0);
  const pagesRequested = run.writes.reduce((n, w) => n + w.pages, 0);
  const cost = costOf(addCounters(writeCounters, run.backgroundInMeasured), pagesWritten, run.final.zone.config.nrCpus);
  const c = writeCounters;
  return {
    policy: run.policy,
    counters: {
      writes: run.writes.length,
      slowpathEntries: c.slowpathEntries,
      directCompactions: c.directCompactions,
      compactPagesScanned: c.directCompactMigrateScanned + c.directCompactFreeScanned,
      directReclaims: c.directReclaims,
      drainAllPages: c.drainAllPagesCalls,
      kswapdWakes: c.kswapdWakeups,
      kcompactdWakes: c.kcompactdWakeups,
      enomem: run.writes.filter((w) => w.enomem).length,
      folioOrders: folioOrders(run),
    },
    pagesRequested,
    pagesWritten,
    cost,
    costPerPageWrittenNs: pagesWritten === 0 ? Number.POSITIVE_INFINITY : cost.total / pagesWritten,
    writeCounters,
    timeline: run.timeline,
  };
}

/** Ratios printed and stored with three decimals: more would claim a precision the model lacks. */
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function compareScenario(scenario: Scenario, policies: readonly Policy[], seed: number): Comparison {
  const others = policies.filter((p) => p.id !== baseline.id);
  const base = figuresOf(runScenario(scenario, baseline, seed));
  const rest = others.map((policy) => figuresOf(runScenario(scenario, policy, seed)));
  const relative = (f: Omit<PolicyFigures, "relativeThroughput">) =>
    f.pagesWritten === 0 ? 0 : round3(base.costPerPageWrittenNs / f.costPerPageWrittenNs);
  return {
    scenario: scenario.id,
    seed,
    policies: [base, ...rest].map((f) => ({ ...f, relativeThroughput: relative(f) })),
  };
}

/** The `compare --json` document: the contract's fields only. */
export function comparisonJson(comparison: Comparison) {
  return {
    scenario: comparison.scenario,
    seed: comparison.seed,
    policies: comparison.policies.map((p) => ({
      policy: p.policy,
      relativeThroughput: p.relativeThroughput,
      counters: p.counters,
    })),
  };
}

/** One policy's relative throughput at each seed of a multi-seed comparison, and its spread. */
export interface SeedSpread {
  readonly policy: string;
  /** relativeThroughput at each seed, in the order of SeedComparison.seeds. */
  readonly bySeed: readonly number[];
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Measured writes that got -ENOMEM, over all seeds. */
  readonly enomem: number;
}

/** The same scenario and policies at several seeds: how much of a difference is the workload's luck. */
export interface SeedComparison {
  readonly scenario: string;
  readonly seeds: readonly number[];
  readonly policies: readonly SeedSpread[];
}

/**
 * Model plumbing: each policy's relative throughput across comparisons of one scenario at
 * different seeds. The comparisons must list the same policies in the same order.
 */
export function spreadOverSeeds(comparisons: readonly Comparison[]): SeedComparison {
  const first = comparisons[0];
  if (first === undefined) throw new Error("spreadOverSeeds: no comparisons");
  const policies = first.policies.map((p, i) => {
    const figures = comparisons.map((c) => {
      const f = c.policies[i];
      if (c.scenario !== first.scenario || f === undefined || f.policy !== p.policy)
        throw new Error(`spreadOverSeeds: seed ${c.seed} does not compare the same policies as seed ${first.seed}`);
      return f;
    });
    const bySeed = figures.map((f) => f.relativeThroughput);
    return {
      policy: p.policy,
      bySeed,
      mean: round3(bySeed.reduce((sum, x) => sum + x, 0) / bySeed.length),
      min: Math.min(...bySeed),
      max: Math.max(...bySeed),
      enomem: figures.reduce((n, f) => n + f.counters.enomem, 0),
    };
  });
  return { scenario: first.scenario, seeds: comparisons.map((c) => c.seed), policies };
}

/**
 * Model plumbing: the scenario at each of `seeds` (`onSeed` is told before each), as the first
 * seed's comparison and, when more than one seed ran, the spread over all of them.
 */
export function compareAtSeeds(
  scenario: Scenario,
  policies: readonly Policy[],
  seeds: readonly number[],
  onSeed: (seed: number) => void = () => {},
): { comparison: Comparison; spread: SeedComparison | undefined } {
  const comparisons = seeds.map((seed) => {
    onSeed(seed);
    return compareScenario(scenario, policies, seed);
  });
  const comparison = comparisons[0];
  if (comparison === undefined) throw new Error("compareAtSeeds: no seeds");
  return { comparison, spread: comparisons.length > 1 ? spreadOverSeeds(comparisons) : undefined };
}
