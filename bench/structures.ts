/**
 * Micro-benchmark: the model's persistent SparseArray (model/persistent/sparse-array.ts) against
 * Immutable.js List on the model's access pattern: a 2^20-slot map keyed by pfn, half full,
 * read and written at random pfns, every write making a new version. The last column makes a
 * new version only every 64 writes, through each one's transient: a SparseArray edit session
 * (as one model operation uses it) and Immutable's withMutations().
 */

import { List } from "immutable";
import {
  emptySparseArray,
  type SparseArray,
  sparseEdit,
  sparseEditDone,
  sparseEditSet,
  sparseGet,
  sparseSet,
} from "../model/persistent/sparse-array.js";
import { mulberry32 } from "./trace.js";

export interface StructureResult {
  readonly name: string;
  readonly getNs: number;
  readonly setNs: number;
  /** get then set of the same pfn, as buddy / pcp list updates do. */
  readonly updateNs: number;
  /** set, 64 of them per new version (edit session / withMutations). */
  readonly sessionSetNs: number;
}

const SESSION = 64;

interface Entry {
  readonly order: number;
  readonly mt: number;
}

const CAPACITY = 1 << 20;
const OPS = 300_000;

/** CPU time (not wall-clock: the machine is shared) per op, in ns. */
function timeNs(ops: number, fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const spent = process.cpuUsage(start);
  return ((spent.user + spent.system) * 1000) / ops;
}

/** Indices and values drawn once, shared by both structures. */
function workload(seed: number) {
  const random = mulberry32(seed);
  const fill = Array.from({ length: CAPACITY / 2 }, () => Math.floor(random() * CAPACITY));
  const pfns = Array.from({ length: OPS }, () => Math.floor(random() * CAPACITY));
  const values: Entry[] = Array.from({ length: 64 }, (_, i) => ({ order: i % 11, mt: i % 4 }));
  return { fill, pfns, values };
}

function benchSparse(w: ReturnType<typeof workload>): StructureResult {
  let array: SparseArray<Entry> = emptySparseArray(CAPACITY);
  for (const [i, pfn] of w.fill.entries()) array = sparseSet(array, pfn, w.values[i % 64]);
  let sink = 0;
  const getNs = timeNs(OPS, () => {
    for (const pfn of w.pfns) sink += sparseGet(array, pfn)?.order ?? 0;
  });
  let a = array;
  const setNs = timeNs(OPS, () => {
    for (const [i, pfn] of w.pfns.entries()) a = sparseSet(a, pfn, w.values[i & 63]);
  });
  a = array;
  const updateNs = timeNs(OPS, () => {
    for (const pfn of w.pfns) {
      const old = sparseGet(a, pfn);
      a = sparseSet(a, pfn, old === undefined ? w.values[0] : undefined);
    }
  });
  a = array;
  const sessionSetNs = timeNs(OPS, () => {
    for (let start = 0; start < w.pfns.length; start += SESSION) {
      const editor = sparseEdit(a);
      const end = Math.min(start + SESSION, w.pfns.length);
      for (let i = start; i < end; i++) sparseEditSet(editor, w.pfns[i] as number, w.values[i & 63]);
      a = sparseEditDone(editor, a);
    }
  });
  if (sink < 0) console.log(sink);
  return { name: "SparseArray (model)", getNs, setNs, updateNs, sessionSetNs };
}

function benchList(w: ReturnType<typeof workload>): StructureResult {
  let list = List<Entry | undefined>().setSize(CAPACITY);
  list = list.withMutations((l) => {
    for (const [i, pfn] of w.fill.entries()) l.set(pfn, w.values[i % 64]);
  });
  let sink = 0;
  const getNs = timeNs(OPS, () => {
    for (const pfn of w.pfns) sink += list.get(pfn)?.order ?? 0;
  });
  let l = list;
  const setNs = timeNs(OPS, () => {
    for (const [i, pfn] of w.pfns.entries()) l = l.set(pfn, w.values[i & 63]);
  });
  l = list;
  const updateNs = timeNs(OPS, () => {
    for (const pfn of w.pfns) {
      const old = l.get(pfn);
      l = l.set(pfn, old === undefined ? w.values[0] : undefined);
    }
  });
  l = list;
  const sessionSetNs = timeNs(OPS, () => {
    for (let start = 0; start < w.pfns.length; start += SESSION) {
      const end = Math.min(start + SESSION, w.pfns.length);
      l = l.withMutations((m) => {
        for (let i = start; i < end; i++) m.set(w.pfns[i] as number, w.values[i & 63]);
      });
    }
  });
  if (sink < 0) console.log(sink);
  return { name: "Immutable.List 5.2.1", getNs, setNs, updateNs, sessionSetNs };
}

/** Warm-up round first, then the measured one; both structures see the same pfns. */
export function benchStructures(): StructureResult[] {
  const w = workload(0x5eed);
  benchSparse(w);
  benchList(w);
  return [benchSparse(w), benchList(w)];
}
