/**
 * fast-check arbitraries for op sequences.
 *
 * A sequence is a few *phases*, each with its own mix of op kinds: a phase that fills memory
 * with movable pages, one that frees some of them, one of page-table allocations... That is how
 * fragmentation arises in practice (and how a fallback ends up stealing from a polluted block),
 * and uniform interleavings almost never get there.
 *
 * A generated op may name "the k-th live allocation" instead of a handle (`pick`), so that
 * shrinking can delete any op without breaking the ones after it; run-ops.ts turns picks into
 * handles as it runs.
 */

import fc from "fast-check";
import {
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_PGTABLE_USER,
  type GfpMask,
} from "../model/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../model/migratetype.js";
import { type Op, SERVER_PID } from "../model/system.js";

export type PlannedOp =
  | Exclude<Op, { kind: "free" | "exit" | "touch" }>
  | Extract<Op, { kind: "exit" | "touch" }>
  | { readonly kind: "free"; readonly pick: number; readonly cpu: number }
  /** exit() of the pick-th live process other than the server. */
  | { readonly kind: "exit"; readonly pick: number; readonly cpu: number }
  /** Page faults by the pick-th live process. */
  | {
      readonly kind: "touch";
      readonly pick: number;
      readonly region: "shared" | "private";
      readonly offset: number;
      readonly pages: number;
      readonly cpu: number;
    };

export interface ZoneShape {
  readonly maxPageOrder: number;
  readonly nrCpus: number;
  /** Pages of the shared buffer and of each private heap (workload ops only). */
  readonly sharedBufferPages?: number;
  readonly privatePages?: number;
}

export interface OpMix {
  /** Ops per phase, at most. */
  readonly phaseLength: number;
  /** Phases per sequence, at most. */
  readonly maxPhases: number;
}

/** Relative weights of the op kinds within one phase; a weight of 0 leaves the kind out. */
export interface PhaseWeights {
  /** Order-0 unmovable allocations: page tables (GFP_PGTABLE_USER) and GFP_KERNEL memory. */
  readonly unmovable: number;
  /** Movable allocations of order 0-1: small page-cache folios and anonymous pages. */
  readonly movable: number;
  /** Movable allocations of any order up to MAX_PAGE_ORDER. */
  readonly large: number;
  /** Reclaimable (slab-like) allocations of order 0-1. */
  readonly reclaimable: number;
  /** GFP_ATOMIC / GFP_NOWAIT allocations of orders 0-3: reserve access, no reclaim. */
  readonly atomic: number;
  /** Clean page cache of order 0-2 (use "pagecache"): movable, and what reclaim can free. */
  readonly pagecache: number;
  /**
   * Large page-cache folios asked for the way __filemap_get_folio() asks above min_order:
   * GFP_HIGHUSER_MOVABLE|__GFP_NORETRY|__GFP_NOWARN, at orders 1 to MAX_PAGE_ORDER, mostly costly.
   */
  readonly folio: number;
  /** Let kswapd and kcompactd run. */
  readonly tick: number;
  readonly free: number;
  readonly drain: number;
  /** fork() of the server: a child with its own page tables to come. */
  readonly fork: number;
  /** exit() of a child. */
  readonly exit: number;
  /** Page faults over part of the shared buffer or a private heap: page tables and data pages. */
  readonly touch: number;
  /** Buffered writes of 1 to 2^MAX_PAGE_ORDER pages: large page-cache folios through the filemap order loop. */
  readonly write: number;
  /** Reads: readahead folios. */
  readonly read: number;
  /** truncate() of a file: its page cache goes back. */
  readonly truncate: number;
  /**
   * When set, the n-th free of the phase frees live allocation n * freeStride instead of a
   * random one: on a list that shrinks as it goes, that frees every (stride+1)-th allocation,
   * the small evenly spread holes that an exiting process or a munmap leaves behind.
   */
  readonly freeStride?: number;
}

interface MenuEntry {
  readonly weight: number;
  readonly build: (raw: RawOp, shape: ZoneShape, index: number) => PlannedOp;
}

/** The random material of one op, interpreted against its phase's weights. */
interface RawOp {
  readonly roll: number;
  readonly order: number;
  readonly variant: number;
  readonly pick: number;
  readonly cpu: number;
}

const ROLL_RANGE = 1000;

function trailingZeros(n: number): number {
  return 31 - Math.clz32(n & -n);
}

function pickFrom<T>(values: readonly T[], index: number): T {
  return values[index % values.length] as T;
}

function menuFor(w: PhaseWeights): MenuEntry[] {
  const lowOrder = (raw: RawOp, shape: ZoneShape) => raw.order % (Math.min(3, shape.maxPageOrder) + 1);
  const alloc = (order: number, gfp: GfpMask, cpu: number): PlannedOp => ({ kind: "alloc", order, gfp, cpu });
  return [
    { weight: w.unmovable, build: (r) => alloc(0, pickFrom([GFP_PGTABLE_USER, GFP_KERNEL], r.variant), r.cpu) },
    { weight: w.movable, build: (r) => alloc(r.order % 2, GFP_HIGHUSER_MOVABLE, r.cpu) },
    { weight: w.large, build: (r, s) => alloc(r.order % (s.maxPageOrder + 1), GFP_HIGHUSER_MOVABLE, r.cpu) },
    { weight: w.reclaimable, build: (r) => alloc(r.order % 2, GFP_KERNEL | __GFP_RECLAIMABLE, r.cpu) },
    { weight: w.atomic, build: (r, s) => alloc(lowOrder(r, s), pickFrom([GFP_ATOMIC, GFP_NOWAIT], r.variant), r.cpu) },
    {
      weight: w.pagecache,
      build: (r) => ({ kind: "alloc", order: r.order % 3, gfp: GFP_HIGHUSER_MOVABLE, cpu: r.cpu, use: "pagecache" }),
    },
    {
      weight: w.folio,
      build: (r, s) => {
        // Three in four costly (order > 3), like the WAL and checkpoint writes of the thread;
        // each higher costly order half as likely as the one below, so that the compaction gap
        // (2 << order free pages) stays a small share of these small zones, as it is of a server's.
        const costly = r.variant % 4 !== 0;
        const order = costly
          ? Math.min(s.maxPageOrder, PAGE_ALLOC_COSTLY_ORDER + 1 + trailingZeros(r.order | 0x40))
          : 1 + (r.order % PAGE_ALLOC_COSTLY_ORDER);
        return { kind: "alloc", order, gfp: LARGE_FOLIO_GFP, cpu: r.cpu, use: "pagecache" };
      },
    },
    { weight: w.tick, build: () => ({ kind: "tick" }) },
    {
      weight: w.free,
      build: (r, _s, index) => ({
        kind: "free",
        pick: w.freeStride === undefined ? r.pick : index * w.freeStride,
        cpu: r.cpu,
      }),
    },
    { weight: w.drain, build: (r) => ({ kind: "drain", cpu: r.variant % 2 === 0 ? "all" : r.cpu }) },
    { weight: w.fork, build: (r) => ({ kind: "fork", parent: SERVER_PID, cpu: r.cpu }) },
    { weight: w.exit, build: (r) => ({ kind: "exit", pick: r.pick, cpu: r.cpu }) },
    {
      weight: w.touch,
      build: (r, s) => {
        const region = r.variant % 4 === 0 ? "private" : "shared";
        const size = Math.max(1, (region === "shared" ? s.sharedBufferPages : s.privatePages) ?? 1);
        // Mostly the whole region, as a backend touching the shared buffer does over time.
        const pages = r.order % 2 === 0 ? size : 1 + (r.pick % size);
        const offset = pages === size ? 0 : (r.pick * 7) % size;
        return { kind: "touch", pick: r.pick, region, offset, pages, cpu: r.cpu };
      },
    },
    {
      weight: w.write,
      build: (r, s) => {
        // Sizes from a page to the largest folio, the larger the rarer (WAL writes of 8 KiB to
        // 1 MiB and checkpoint writes of whole extents); offsets at the size's alignment or not.
        const pages = 2 ** Math.min(s.maxPageOrder, trailingZeros(r.order | 0x40));
        const aligned = r.variant % 3 !== 0;
        const offset = aligned ? (r.pick % 64) * pages : r.pick % 256;
        return { kind: "write", file: r.variant % 4, offset, pages, cpu: r.cpu };
      },
    },
    {
      weight: w.read,
      build: (r, s) => {
        const pages = 2 ** Math.min(s.maxPageOrder, r.order % (s.maxPageOrder + 1));
        return { kind: "read", file: 4 + (r.variant % 4), offset: (r.pick % 64) * pages, pages, cpu: r.cpu };
      },
    },
    { weight: w.truncate, build: (r) => ({ kind: "truncate", file: r.variant % 8, cpu: r.cpu }) },
  ];
}

function interpret(raw: RawOp, menu: readonly MenuEntry[], shape: ZoneShape, index: number): PlannedOp {
  const total = menu.reduce((n, e) => n + e.weight, 0);
  let point = (raw.roll / ROLL_RANGE) * total;
  for (const entry of menu) {
    if (point < entry.weight) return entry.build(raw, shape, index);
    point -= entry.weight;
  }
  return (menu.findLast((e) => e.weight > 0) as MenuEntry).build(raw, shape, index);
}

const NO_OPS: PhaseWeights = {
  unmovable: 0,
  movable: 0,
  large: 0,
  reclaimable: 0,
  atomic: 0,
  pagecache: 0,
  folio: 0,
  tick: 0,
  free: 0,
  drain: 0,
  fork: 0,
  exit: 0,
  touch: 0,
  write: 0,
  read: 0,
  truncate: 0,
};

/** The gfp of a large page-cache folio above min_order (mm/filemap.c adds NORETRY|NOWARN). */
export const LARGE_FOLIO_GFP = GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN;

const randomWeights: fc.Arbitrary<PhaseWeights> = fc
  .record({
    unmovable: fc.integer({ min: 0, max: 40 }),
    movable: fc.integer({ min: 0, max: 30 }),
    large: fc.integer({ min: 0, max: 30 }),
    reclaimable: fc.integer({ min: 0, max: 8 }),
    atomic: fc.integer({ min: 0, max: 6 }),
    pagecache: fc.integer({ min: 0, max: 20 }),
    folio: fc.integer({ min: 0, max: 8 }),
    tick: fc.integer({ min: 0, max: 4 }),
    free: fc.integer({ min: 0, max: 40 }),
    drain: fc.integer({ min: 0, max: 5 }),
  })
  // Workload ops belong to workloadOps(); keep the allocation-level mixes as they were.
  .map((w) => ({ ...w, fork: 0, exit: 0, touch: 0, write: 0, read: 0, truncate: 0 }))
  // A phase of nothing but zero weights would have no ops; fall back to order-0 unmovable.
  .map((w) => (Object.values(w).some((v) => v > 0) ? w : { ...w, unmovable: 1 }));

/**
 * Phase archetypes from how servers use memory: page cache filling memory with small movable
 * folios, memory being given back in scattered pieces, and a burst of page-table allocations
 * (fork) arriving when the only free pages left sit in movable pageblocks, which is when the
 * allocator steals and pollutes them.
 */
/** The page cache growing into free memory, as it does on a file server. */
export const CACHE_FILL: PhaseWeights = { ...NO_OPS, pagecache: 30, unmovable: 3 };
/** A server forking children: page tables allocated as page cache grows, each pinning a page wherever the allocator found one. */
export const FORKING_SERVER: PhaseWeights = { ...NO_OPS, unmovable: 20, pagecache: 20, free: 3 };
/**
 * Checkpoint writes: large folios asked for repeatedly, with some churn and background work,
 * and now and then a large allocation by another caller without __GFP_NORETRY (a driver's
 * buffer, a THP fault with defrag): the costly requests that a NORETRY-only fix leaves alone.
 */
export const CHECKPOINT: PhaseWeights = {
  ...NO_OPS,
  folio: 30,
  large: 3,
  pagecache: 4,
  unmovable: 4,
  free: 4,
  tick: 2,
};
/** Time passing between checkpoints: kswapd and kcompactd run while the server keeps caching. */
export const BACKGROUND_RECLAIM: PhaseWeights = { ...NO_OPS, tick: 10, pagecache: 10, unmovable: 2 };
/** Every (stride+1)-th allocation given back: an exiting process, a truncated file. */
export const SPARSE_FREE: PhaseWeights = { ...NO_OPS, free: 1, freeStride: 3 };

const ARCHETYPES: readonly PhaseWeights[] = [
  { ...NO_OPS, movable: 30, unmovable: 2 },
  CACHE_FILL,
  FORKING_SERVER,
  CHECKPOINT,
  { ...NO_OPS, free: 30, drain: 4 },
  SPARSE_FREE,
  { ...NO_OPS, unmovable: 30, free: 3, drain: 1 },
];

export const phaseWeights: fc.Arbitrary<PhaseWeights> = fc.oneof(
  { weight: 3, arbitrary: randomWeights },
  { weight: 3, arbitrary: fc.constantFrom(...ARCHETYPES) },
);

function rawOps(shape: ZoneShape, maxLength: number): fc.Arbitrary<RawOp[]> {
  const raw: fc.Arbitrary<RawOp> = fc.record({
    roll: fc.nat({ max: ROLL_RANGE - 1 }),
    order: fc.nat({ max: 63 }),
    variant: fc.nat({ max: 7 }),
    // Small ranges keep shrinking cheap: every value is a shrink candidate.
    pick: fc.nat({ max: 255 }),
    cpu: fc.nat({ max: shape.nrCpus - 1 }),
  });
  // size "max": lengths spread over the whole range; the default bias toward short arrays never fills a zone.
  return fc.array(raw, { minLength: 1, maxLength, size: "max" });
}

/**
 * Phased op sequences. Each phase is (weights, raw ops) mapped to ops, rather than built with
 * chain(), so fast-check shrinks the ops and the weights independently: chain() regenerates
 * the ops whenever the weights shrink, which made shrinking a long counterexample take minutes.
 */
export function fragmentingOps(shape: ZoneShape, mix: OpMix): fc.Arbitrary<PlannedOp[]> {
  const phase = fc.tuple(phaseWeights, rawOps(shape, mix.phaseLength));
  return fc.array(phase, { minLength: 1, maxLength: mix.maxPhases }).map((phases) => phasesToOps(phases, shape));
}

function phasesToOps(phases: readonly (readonly [PhaseWeights, readonly RawOp[]])[], shape: ZoneShape): PlannedOp[] {
  return phases.flatMap(([weights, raws]) => {
    const menu = menuFor(weights);
    return raws.map((r, index) => interpret(r, menu, shape, index));
  });
}

/**
 * A story with a fixed shape and random details: page cache fills memory, a forking server adds
 * page tables among it, some of it is given back or churned, then checkpoints ask for large
 * folios again and again, with background reclaim between them. The shape is what makes large allocations fail on fragmented memory in most
 * runs; the details (weights of the churn phase, every op) stay random and shrinkable.
 */
export function serverOps(shape: ZoneShape, mix: OpMix): fc.Arbitrary<PlannedOp[]> {
  const raws = () => rawOps(shape, mix.phaseLength);
  return fc
    .tuple(
      fc.tuple(fc.constant(CACHE_FILL), raws()),
      fc.tuple(fc.constant(FORKING_SERVER), raws()),
      fc.tuple(fc.constantFrom(SPARSE_FREE, FORKING_SERVER), raws()),
      fc.tuple(phaseWeights, raws()),
      fc.tuple(fc.constant(CHECKPOINT), raws()),
      fc.tuple(fc.constant(BACKGROUND_RECLAIM), raws()),
      fc.tuple(fc.constant(CHECKPOINT), raws()),
    )
    .map((phases) => phasesToOps(phases, shape));
}

/** The server starts its backends: forks, each backend faulting in the shared buffer (page tables). */
export const BACKENDS_START: PhaseWeights = { ...NO_OPS, fork: 10, touch: 20, read: 4 };
/** Queries reading tables: the page cache grows with clean, reclaimable folios. */
export const READS: PhaseWeights = { ...NO_OPS, read: 30, write: 4, touch: 4 };
/** Checkpoint and WAL: buffered writes of every size, large folios through the order loop. */
export const WRITES: PhaseWeights = { ...NO_OPS, write: 30, read: 6, touch: 2, tick: 1 };
/** Connections come and go, files are rotated, background threads run. */
export const CHURN: PhaseWeights = { ...NO_OPS, fork: 4, exit: 4, touch: 8, read: 8, write: 8, truncate: 2, tick: 3 };

const workloadWeights: fc.Arbitrary<PhaseWeights> = fc
  .record({
    fork: fc.integer({ min: 0, max: 10 }),
    exit: fc.integer({ min: 0, max: 6 }),
    touch: fc.integer({ min: 0, max: 20 }),
    write: fc.integer({ min: 0, max: 30 }),
    read: fc.integer({ min: 0, max: 30 }),
    truncate: fc.integer({ min: 0, max: 3 }),
    tick: fc.integer({ min: 0, max: 4 }),
  })
  .map((w) => ({ ...NO_OPS, ...w }))
  .map((w) => (w.write + w.read + w.touch + w.fork > 0 ? w : { ...w, write: 1 }));

/**
 * The forking-server workload as op sequences: backends start and fault in the shared buffer,
 * queries fill the page cache, checkpoints write, connections churn; each phase's mix random
 * or one of the archetypes above, its ops random and shrinkable.
 */
export function workloadOps(shape: ZoneShape, mix: OpMix): fc.Arbitrary<PlannedOp[]> {
  const phaseMix = fc.oneof(
    { weight: 2, arbitrary: workloadWeights },
    { weight: 3, arbitrary: fc.constantFrom(BACKENDS_START, READS, WRITES, CHURN) },
  );
  const raws = () => rawOps(shape, mix.phaseLength);
  return fc
    .tuple(
      fc.tuple(fc.constant(BACKENDS_START), raws()),
      fc.array(fc.tuple(phaseMix, raws()), { minLength: 1, maxLength: Math.max(1, mix.maxPhases - 1) }),
    )
    .map(([first, rest]) => phasesToOps([first, ...rest], shape));
}
