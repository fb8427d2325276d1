/**
 * Shrinking op sequences. fast-check finds a failing sequence; this makes it small:
 *
 * 1. ddmin (Zeller and Hildebrandt's delta debugging): delete chunks of ops, then single ops,
 *    as long as the sequence still fails. O(n log n) runs where a generic shrinker spends
 *    thousands nudging the fields of every op of a long sequence.
 * 2. Simplifications the domain provides (merge two order-k allocations into one order-k+1,
 *    move an op to CPU 0, ...), each accepted only if the sequence still fails, then ddmin again.
 *
 * Every accepted step makes the sequence shorter, or equally long and simpler by the domain's
 * measure, so the loop ends; a budget of predicate calls bounds it anyway.
 */

export interface Simplifier<T> {
  /** Candidate sequences that change the item at `index` (and may drop a later one), each shorter or simpler. */
  candidatesAt(items: readonly T[], index: number): Iterable<T[]>;
}

export const SHRINK_RUN_BUDGET = 20_000;

export function ddmin<T>(items: readonly T[], fails: (candidate: readonly T[]) => boolean): T[] {
  let current = [...items];
  let granularity = 2;
  while (current.length >= 2) {
    const chunkSize = Math.ceil(current.length / granularity);
    let reduced = false;
    for (let start = 0; start < current.length; start += chunkSize) {
      const complement = [...current.slice(0, start), ...current.slice(start + chunkSize)];
      if (complement.length > 0 && fails(complement)) {
        current = complement;
        granularity = Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (granularity >= current.length) break;
      granularity = Math.min(granularity * 2, current.length);
    }
  }
  return current;
}

export function shrinkSequence<T>(
  items: readonly T[],
  fails: (candidate: readonly T[]) => boolean,
  simplifier?: Simplifier<T>,
): T[] {
  let calls = 0;
  const budgeted = (candidate: readonly T[]) => calls++ < SHRINK_RUN_BUDGET && fails(candidate);
  let current = removePairs(ddmin(items, budgeted), budgeted);
  if (simplifier === undefined) return current;
  // Passes of simplification over every position, with ddmin between passes: running ddmin
  // after each accepted simplification would cost O(n log n) runs per change.
  for (let changed = true; changed && calls < SHRINK_RUN_BUDGET; ) {
    changed = false;
    for (let index = 0; index < current.length; index++) {
      for (const candidate of simplifier.candidatesAt(current, index)) {
        if (budgeted(candidate)) {
          current = candidate;
          changed = true;
          break;
        }
      }
    }
    if (changed) current = removePairs(ddmin(current, budgeted), budgeted);
  }
  return current;
}

/** Longest sequence removePairs() works on: it tries n²/2 candidates. */
export const PAIR_REMOVAL_LIMIT = 60;

/**
 * ddmin leaves a sequence from which no single op can go; two can, often: an allocation and
 * the free that gives it back, a fill and the allocation that only mattered because of it.
 * Try every pair, and start over (with ddmin) after each success.
 */
function removePairs<T>(items: T[], fails: (candidate: readonly T[]) => boolean): T[] {
  let current = items;
  let improved = true;
  while (improved && current.length <= PAIR_REMOVAL_LIMIT) {
    improved = false;
    outer: for (let i = 0; i < current.length; i++) {
      for (let j = i + 1; j < current.length; j++) {
        const candidate = current.filter((_, k) => k !== i && k !== j);
        if (candidate.length > 0 && fails(candidate)) {
          current = ddmin(candidate, fails);
          improved = true;
          break outer;
        }
      }
    }
  }
  return current;
}
