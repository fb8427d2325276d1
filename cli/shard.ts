/**
 * Spreading one check over many machines, with no scheduler of our own.
 *
 * The unit of work is (policy, property, seed index). `--seeds M` splits each property's run
 * budget over M seeds: seed index 0 is the `--seed` itself, index i > 0 a seed derived from it,
 * and unit i gets floor(runs / M) runs, plus one while i < runs mod M, so the M units add up to
 * the budget. Units are numbered policy-major, then property, then seed index:
 *
 *   unit = (policyIndex * properties + propertyIndex) * seeds + seedIndex
 *
 * `--shard K/N` takes the units whose number is K-1 modulo N (round-robin), so N machines
 * given the same arguments and K = 1..N do every unit exactly once between them.
 *
 * Combining (inside one run with --seeds, and across shards in `gfpcheck merge`) joins the
 * partial results of one (policy, property): runs, reached and coverage are summed; the verdict
 * is violated if any part was violated, keeping the counterexample of the lowest unit; otherwise
 * holds only if the summed reached count meets the property's situation minRuns, else
 * inconclusive. So a sharded run, merged, gives the report an unsharded run with the same
 * arguments gives, byte for byte.
 */

import { UsageError } from "./args.js";
import type { CheckResultRow } from "./check-run.js";

/** K of N, 1-based. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const MAX_SHARDS = 100_000;
/** At most this many seeds per (policy, property). */
export const MAX_SEEDS = 10_000;

/** `--shard K/N`: 1 <= K <= N. */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(
      `--shard: expected K/N with 1 <= K <= N <= ${MAX_SHARDS} (e.g. 2/5), got ${JSON.stringify(text)}`,
    );
  }
  return { index, count };
}

export interface WorkUnit {
  readonly unit: number;
  readonly policyIndex: number;
  readonly propertyIndex: number;
  readonly seedIndex: number;
  /** The fast-check seed of this unit. */
  readonly seed: number;
  /** The unit's share of the run budget. */
  readonly runs: number;
}

/** A 32-bit mix (murmur3's finalizer), so derived seeds are spread out and stay integers. */
function mix32(value: number): number {
  let x = value | 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/** Seed index 0 is the seed given; the others are derived from it (the same for every policy and property). */
export function derivedSeed(seed: number, seedIndex: number): number {
  return seedIndex === 0 ? seed : mix32(seed + Math.imul(seedIndex, 0x9e3779b9));
}

/** Unit i's share of `runs` split over `seeds`: the shares add up to `runs`. */
export function unitRuns(runs: number, seeds: number, seedIndex: number): number {
  return Math.floor(runs / seeds) + (seedIndex < runs % seeds ? 1 : 0);
}

/** Every unit of a check, in unit order. */
export function workUnits(
  policies: number,
  properties: number,
  seeds: number,
  seed: number,
  runs: number,
): readonly WorkUnit[] {
  const units: WorkUnit[] = [];
  for (let policyIndex = 0; policyIndex < policies; policyIndex++) {
    for (let propertyIndex = 0; propertyIndex < properties; propertyIndex++) {
      for (let seedIndex = 0; seedIndex < seeds; seedIndex++) {
        units.push({
          unit: units.length,
          policyIndex,
          propertyIndex,
          seedIndex,
          seed: derivedSeed(seed, seedIndex),
          runs: unitRuns(runs, seeds, seedIndex),
        });
      }
    }
  }
  return units;
}

/** The shard's units: round-robin by unit number. */
export function shardUnits(units: readonly WorkUnit[], shard: Shard | null): readonly WorkUnit[] {
  if (shard === null) return units;
  return units.filter((u) => u.unit % shard.count === shard.index - 1);
}

/** Which (policy, property, seed) a unit number stands for. */
export function unitPosition(
  unit: number,
  properties: number,
  seeds: number,
): { policyIndex: number; propertyIndex: number; seedIndex: number } {
  return {
    policyIndex: Math.floor(unit / (properties * seeds)),
    propertyIndex: Math.floor(unit / seeds) % properties,
    seedIndex: unit % seeds,
  };
}

/** Label order of coverage records: the one properties/check-property.ts uses. */
export function sortedCoverage(coverage: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...coverage.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Joins partial results of one (policy, property) — units of one run, or rows of several shard
 * reports — into one row. `minRuns` is the property's situation minRuns.
 */
export function combineRows(parts: readonly CheckResultRow[], minRuns: number): CheckResultRow {
  const first = parts[0];
  if (first === undefined) throw new Error("combineRows: nothing to combine");
  const coverage = new Map<string, number>();
  let runs = 0;
  let reached = 0;
  for (const part of parts) {
    runs += part.runs;
    reached += part.reached;
    for (const [label, n] of Object.entries(part.coverage)) coverage.set(label, (coverage.get(label) ?? 0) + n);
  }
  const violated = parts.some((p) => p.verdict === "violated");
  let counterexample: CheckResultRow["counterexample"] = null;
  for (const part of parts) {
    const cx = part.counterexample;
    if (cx !== null && (counterexample === null || cx.unit < counterexample.unit)) counterexample = cx;
  }
  return {
    policy: first.policy,
    property: first.property,
    verdict: violated ? "violated" : reached >= minRuns ? "holds" : "inconclusive",
    expected: first.expected,
    coverage: sortedCoverage(coverage),
    runs,
    reached,
    minRuns,
    situation: first.situation,
    units: parts.flatMap((p) => p.units).sort((a, b) => a - b),
    counterexample,
  };
}

/**
 * Groups partial rows by (policy, property), combines each group, and orders the rows by their
 * first unit: policy-major, then property, as an unsharded run lists them.
 */
export function combineAll(
  parts: readonly CheckResultRow[],
  minRunsOf: (property: string) => number,
): CheckResultRow[] {
  const groups = new Map<string, CheckResultRow[]>();
  for (const part of parts) {
    const key = JSON.stringify([part.policy, part.property]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [part]);
    else group.push(part);
  }
  const rows = [...groups.values()].map((group) => combineRows(group, minRunsOf(group[0]?.property ?? "")));
  return rows.sort((a, b) => (a.units[0] ?? 0) - (b.units[0] ?? 0));
}
