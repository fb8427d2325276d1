/**
 * A small seeded generator for scenarios: mulberry32, 32 bits of state. Scenarios are fixed
 * workloads, not searches, so they need reproducibility more than quality; fast-check's own
 * generators stay with the properties that shrink.
 */

export interface SeededRandom {
  /** An integer in [0, bound). */
  int(bound: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    int: (bound) => Math.floor(next() * bound),
    chance: (p) => next() < p,
  };
}
