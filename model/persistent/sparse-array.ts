/**
 * A persistent sparse array: a fixed-depth 32-way trie indexed by integers in [0, capacity).
 *
 * Why our own and not Immutable.js: the model's hot paths are get/set by pfn on maps whose
 * keys are dense integers (free-block heads, pageblocks, pcp pages). A fixed-depth trie needs
 * no hashing and no resizing; `bench/structures.bench.ts` measures it against Immutable.List.
 *
 * A set copies one node per level (depth is ceil(log32 capacity): 4 levels at 2^20 pages), so
 * every version shares all untouched subtrees with its predecessor. Absent entries are
 * `undefined`; empty subtrees are not allocated at all.
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

type Node = readonly unknown[];

export interface SparseArray<T> {
  readonly root: Node | undefined;
  /** Number of trie levels; a leaf is level 1. */
  readonly depth: number;
  readonly capacity: number;
  /** Number of defined entries. */
  readonly count: number;
  /** Phantom marker so SparseArray<A> and SparseArray<B> do not unify. */
  readonly __element?: T;
}

export function emptySparseArray<T>(capacity: number): SparseArray<T> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  let depth = 1;
  while (WIDTH ** depth < capacity) depth++;
  return { root: undefined, depth, capacity, count: 0 };
}

export function sparseGet<T>(array: SparseArray<T>, index: number): T | undefined {
  let node = array.root;
  for (let shift = (array.depth - 1) * BITS; shift > 0; shift -= BITS) {
    if (node === undefined) return undefined;
    node = node[(index >>> shift) & MASK] as Node | undefined;
  }
  return node?.[index & MASK] as T | undefined;
}

function checkIndex(array: SparseArray<unknown>, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= array.capacity) {
    throw new RangeError(`index ${index} outside [0, ${array.capacity})`);
  }
}

function setIn(node: Node | undefined, shift: number, index: number, value: unknown): Node | undefined {
  const slot = (index >>> shift) & MASK;
  const child = shift === 0 ? value : setIn(node?.[slot] as Node | undefined, shift - BITS, index, value);
  if (node === undefined) {
    if (child === undefined) return undefined;
    const fresh = new Array<unknown>(WIDTH);
    fresh[slot] = child;
    return fresh;
  }
  if (node[slot] === child) return node;
  const copy = node.slice();
  copy[slot] = child;
  // Drop nodes that became empty so `undefined` stays the only representation of "nothing here".
  return child === undefined && copy.every((c) => c === undefined) ? undefined : copy;
}

/** Returns a new array with `index` set to `value` (`undefined` deletes). The input is untouched. */
export function sparseSet<T>(array: SparseArray<T>, index: number, value: T | undefined): SparseArray<T> {
  checkIndex(array, index);
  const previous = sparseGet(array, index);
  if (previous === value) return array;
  const root = setIn(array.root, (array.depth - 1) * BITS, index, value);
  const count = array.count + (previous === undefined ? 1 : 0) - (value === undefined ? 1 : 0);
  return { root, depth: array.depth, capacity: array.capacity, count };
}

export function sparseDelete<T>(array: SparseArray<T>, index: number): SparseArray<T> {
  return sparseSet(array, index, undefined);
}

function visit<T>(
  node: Node | undefined,
  shift: number,
  base: number,
  lo: number,
  hi: number,
  fn: (index: number, value: T) => boolean | undefined,
): boolean {
  if (node === undefined) return true;
  const span = 1 << shift;
  for (let slot = 0; slot < WIDTH; slot++) {
    const start = base + slot * span;
    if (start >= hi) return true;
    if (start + span <= lo) continue;
    const child = node[slot];
    if (child === undefined) continue;
    if (shift === 0) {
      if (fn(start, child as T) === false) return false;
    } else if (!visit(child as Node, shift - BITS, start, lo, hi, fn)) {
      return false;
    }
  }
  return true;
}

/**
 * Calls `fn` for each defined entry with lo <= index < hi, in index order, skipping empty
 * subtrees. Returning `false` from `fn` stops the walk.
 */
export function sparseForEachInRange<T>(
  array: SparseArray<T>,
  lo: number,
  hi: number,
  fn: (index: number, value: T) => boolean | undefined,
): void {
  visit(array.root, (array.depth - 1) * BITS, 0, lo, hi, fn);
}

export function sparseForEach<T>(array: SparseArray<T>, fn: (index: number, value: T) => boolean | undefined): void {
  sparseForEachInRange(array, 0, array.capacity, fn);
}

export function sparseEntries<T>(array: SparseArray<T>): [number, T][] {
  const out: [number, T][] = [];
  sparseForEach(array, (i, v) => {
    out.push([i, v]);
    return true;
  });
  return out;
}
