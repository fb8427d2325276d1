/**
 * One deterministic op trace for the benchmarks, generated from a seeded PRNG, in two parts:
 * a prefill that allocates about half the zone (so every zone size starts equally busy) and a
 * steady part of a fixed number of ops that keeps the live set near half the zone.
 *
 * The mix is a server's: mostly order-0..3 allocations and frees spread over the CPUs (pcp
 * refills and spills), some higher orders up to the THP/pageblock order and beyond, a few drains.
 * Costly orders are asked for the way THP faults ask by default (GFP_TRANSHUGE_LIGHT: no direct
 * reclaim or compaction), so a failure costs one slow-path attempt in the model as in the
 * reference, and both sides do the same work at every zone size.
 * A free names "the k-th live allocation" (k is resolved modulo the live count, swap-remove), so
 * the trace means the same thing to every implementation that agrees on which allocations
 * succeed.
 */

import {
  __GFP_RECLAIMABLE,
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_TRANSHUGE_LIGHT,
  type GfpMask,
} from "../model/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../model/migratetype.js";

export type BenchOp =
  | { readonly kind: "alloc"; readonly order: number; readonly gfp: GfpMask; readonly cpu: number }
  | { readonly kind: "free"; readonly pick: number; readonly cpu: number }
  | { readonly kind: "drain"; readonly cpu: number | "all" };

export interface Trace {
  readonly prefill: readonly BenchOp[];
  readonly steady: readonly BenchOp[];
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same trace. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative weights: order 0 most, 1..3 often (pcp orders), 4..8 rarely, 9 (THP) and 10 seldom. */
const ORDER_WEIGHTS: readonly (readonly [number, number])[] = [
  [0, 62],
  [1, 12],
  [2, 9],
  [3, 9],
  [4, 2],
  [5, 1.5],
  [6, 1],
  [7, 0.8],
  [8, 0.7],
  [9, 1.5],
  [10, 0.5],
];

const GFP_WEIGHTS: readonly (readonly [GfpMask, number])[] = [
  [GFP_HIGHUSER_MOVABLE, 70],
  [GFP_KERNEL, 20],
  [GFP_KERNEL | __GFP_RECLAIMABLE, 6],
  [GFP_ATOMIC, 4],
];

function weighted<T>(table: readonly (readonly [T, number])[], r: number): T {
  const total = table.reduce((n, [, w]) => n + w, 0);
  let point = r * total;
  for (const [value, w] of table) {
    if (point < w) return value;
    point -= w;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
}

export interface TraceShape {
  readonly nrPages: number;
  readonly nrCpus: number;
  readonly maxPageOrder: number;
  readonly steadyOps: number;
  readonly seed: number;
}

export function makeTrace(shape: TraceShape): Trace {
  const random = mulberry32(shape.seed);
  const target = shape.nrPages / 2;
  // The generator's view of the live set (orders), kept with the same swap-remove as the replay.
  const live: number[] = [];
  let livePages = 0;
  const cpu = () => Math.floor(random() * shape.nrCpus);
  const alloc = (): BenchOp => {
    const order = Math.min(shape.maxPageOrder, weighted(ORDER_WEIGHTS, random()));
    const small = weighted(GFP_WEIGHTS, random());
    const gfp = order > PAGE_ALLOC_COSTLY_ORDER ? GFP_TRANSHUGE_LIGHT : small;
    live.push(order);
    livePages += 1 << order;
    return { kind: "alloc", order, gfp, cpu: cpu() };
  };
  const free = (): BenchOp => {
    const pick = Math.floor(random() * 2 ** 31);
    const k = pick % live.length;
    livePages -= 1 << (live[k] as number);
    live[k] = live[live.length - 1] as number;
    live.pop();
    return { kind: "free", pick, cpu: cpu() };
  };

  const prefill: BenchOp[] = [];
  while (livePages < target) prefill.push(random() < 0.9 || live.length === 0 ? alloc() : free());

  const steady: BenchOp[] = [];
  for (let i = 0; i < shape.steadyOps; i++) {
    const r = random();
    if (r < 0.002) steady.push({ kind: "drain", cpu: cpu() });
    else if (r < 0.0025) steady.push({ kind: "drain", cpu: "all" });
    else if (live.length === 0 || random() < (livePages < target ? 0.56 : 0.44)) steady.push(alloc());
    else steady.push(free());
  }
  return { prefill, steady };
}

/** The live allocations of one replay: ids (handle or pfn) with their orders, swap-removed on free. */
export class LiveSet {
  private constructor(
    private readonly ids: number[],
    private readonly orders: number[],
  ) {}

  static empty(): LiveSet {
    return new LiveSet([], []);
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: number, order: number): void {
    this.ids.push(id);
    this.orders.push(order);
  }

  /** Removes and returns the pick-th live allocation, or undefined when nothing is live. */
  take(pick: number): { id: number; order: number } | undefined {
    const n = this.ids.length;
    if (n === 0) return undefined;
    const k = pick % n;
    const id = this.ids[k] as number;
    const order = this.orders[k] as number;
    this.ids[k] = this.ids[n - 1] as number;
    this.orders[k] = this.orders[n - 1] as number;
    this.ids.pop();
    this.orders.pop();
    return { id, order };
  }

  clone(): LiveSet {
    return new LiveSet(this.ids.slice(), this.orders.slice());
  }
}
