/**
 * page-owner's reverse map, head pfn -> handle: what struct page says about the pfn of an
 * allocated block. Derived on demand from the handle table instead of kept in PageOwners.
 *
 * Why derived: every allocation and every free would write a stored index at its pfn, which
 * can be anywhere in the zone; in a zone of 2^20 pages each write copies four trie nodes that
 * are each a cache miss, about a quarter of a step's time. Yet only compaction's scanners and
 * prep_move_freepages_block() ask what sits at a pfn, and most steps run neither.
 *
 * How: `pfnIndex()` is a pure function of the handle table, memoized. It keeps the index it
 * built last, with the handle table it was built from, and builds the next one by applying the
 * differences between the two tables (`sparseDiff`, which skips every subtree they share) in one
 * edit session. Asked about successive versions of one run, it costs about what the stored
 * index would have cost, but only when something asks. The memo is the one piece of module
 * state here, and it stays within DESIGN.md's pure core: it is not part of any model state, it
 * never changes an input, and the index for a table is the same whichever table was indexed
 * before it (pfn-index.test.ts checks that on a tree of versions queried in random order).
 *
 * A model with a planted fault can hand one head pfn to two live allocations. The index then
 * keeps every handle there (the entry becomes a sorted list), so that which one it reports does
 * not depend on what was indexed before; it reports the newest, as a stored index written at
 * each allocation would.
 */

import type { Allocation } from "./page-owner.js";
import {
  emptyGrowingSparseArray,
  emptySparseArray,
  type SparseArray,
  sparseDiff,
  sparseEdit,
  sparseEditDone,
  sparseEditSet,
  sparseGet,
} from "./persistent/sparse-array.js";

/** A handle, or the handles (ascending, two or more) of a pfn claimed twice. */
export type PfnIndexEntry = number | readonly number[];

export type PfnIndex = SparseArray<PfnIndexEntry>;

/**
 * The memo: the last table indexed and its index. One entry, not a table of them: a run asks
 * about its newest version, which is close to the last one it asked about, and one entry keeps
 * at most one older table alive.
 */
let lastIndexed: { readonly byHandle: SparseArray<Allocation>; readonly index: PfnIndex } | undefined;

function addHandle(entry: PfnIndexEntry | undefined, handle: number): PfnIndexEntry {
  if (entry === undefined) return handle;
  const handles = typeof entry === "number" ? [entry] : [...entry];
  handles.push(handle);
  return handles.sort((x, y) => x - y);
}

function removeHandle(entry: PfnIndexEntry | undefined, handle: number): PfnIndexEntry | undefined {
  if (entry === undefined || entry === handle) return undefined;
  if (typeof entry === "number") return entry;
  const handles = entry.filter((h) => h !== handle);
  return handles.length === 1 ? handles[0] : handles;
}

/** The index of `byHandle`'s allocations over a zone of `nrPages` pages. */
export function pfnIndex(byHandle: SparseArray<Allocation>, nrPages: number): PfnIndex {
  const last = lastIndexed;
  if (last !== undefined && last.byHandle === byHandle && last.index.capacity === nrPages) return last.index;
  const from = last !== undefined && last.index.capacity === nrPages ? last : undefined;
  const base: PfnIndex = from?.index ?? emptySparseArray(nrPages);
  const editor = sparseEdit(base);
  sparseDiff(
    from?.byHandle ?? emptyGrowingSparseArray<Allocation>(byHandle.capacity),
    byHandle,
    (handle, before, after) => {
      // A pfn's entry is a set of handles, so removals and additions commute: a pfn freed by
      // one handle and taken by another between the two tables comes out right in either order.
      if (before !== undefined)
        sparseEditSet(editor, before.pfn, removeHandle(sparseGet(editor.array, before.pfn), handle));
      if (after !== undefined) sparseEditSet(editor, after.pfn, addHandle(sparseGet(editor.array, after.pfn), handle));
    },
  );
  const index = sparseEditDone(editor, base);
  lastIndexed = { byHandle, index };
  return index;
}

/** The handle an entry reports: the newest, if the pfn was claimed twice. */
export function newestHandle(entry: PfnIndexEntry): number {
  return typeof entry === "number" ? entry : (entry[entry.length - 1] as number);
}

/** The handle whose allocation has its head at `pfn`, if any. */
export function indexedHandle(index: PfnIndex, pfn: number): number | undefined {
  const entry = sparseGet(index, pfn);
  return entry === undefined ? undefined : newestHandle(entry);
}
