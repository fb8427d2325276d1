/**
 * A persistent sparse array: a 32-way trie indexed by integers in [0, capacity).
 *
 * Why our own and not Immutable.js: the model's hot paths are get/set by pfn on maps whose
 * keys are dense integers (free-block heads, pageblocks, pcp pages). A fixed-depth trie needs
 * no hashing and no resizing; `bench/structures.ts` measures it against Immutable.List.
 *
 * A set copies one node per level (depth is ceil(log32 capacity): 4 levels at 2^20 pages), so
 * every version shares all untouched subtrees with its predecessor. Absent entries are
 * `undefined`; empty subtrees are not allocated at all.
 *
 * Two additions for the model's hot paths:
 *
 * - A *growing* array (`emptyGrowingSparseArray`) starts one level deep and adds a level above
 *   the root whenever an index outgrows it, for keys that are dense and increasing in a huge
 *   index space (allocation handles: capacity 2^30, but a run uses the first thousands or tens
 *   of thousands, so three or four levels instead of six). Such an array is recognisable by its span
 *   (32^depth) being below its capacity; a fixed array's span always covers its capacity, so
 *   nothing about fixed arrays changes.
 *
 * - An *edit session* (`sparseEdit`), the "transient" of Clojure's persistent vectors: within
 *   one model operation, a run of sets copies each trie node at most once and then writes into
 *   its own copy. See the comment above `SparseEditor` for why that is safe.
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;

/** SPAN[d]: how many indices a trie of depth d covers (32^d). */
const SPAN: readonly number[] = Array.from({ length: 9 }, (_, d) => WIDTH ** d);

/**
 * A trie node: WIDTH slots, then one more, `OWNER`, holding the tag of the edit session that
 * allocated it (NOT_OWNED for nodes built outside a session). See SparseEditor.
 */
type Node = readonly unknown[];
type MutableNode = unknown[];

const OWNER = WIDTH;
const NOT_OWNED = 0;

function newNode(owner: number): MutableNode {
  const node = new Array<unknown>(WIDTH + 1);
  node[OWNER] = owner;
  return node;
}

export interface SparseArray<T> {
  readonly root: Node | undefined;
  /** Number of trie levels; a leaf is level 1. */
  readonly depth: number;
  readonly capacity: number;
  /** Number of defined entries. */
  readonly count: number;
  /**
   * The tag of the edit session that made this version, or of the nearest ancestor version an
   * edit session made (NOT_OWNED if none did): no node of this trie carries a larger tag.
   */
  readonly lastTag: number;
  /** Phantom marker so SparseArray<A> and SparseArray<B> do not unify. */
  readonly __element?: T;
}

/** The mutable view an edit session has of the array it owns; same fields, same hidden class. */
interface OpenArray {
  root: Node | undefined;
  depth: number;
  readonly capacity: number;
  count: number;
  readonly lastTag: number;
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
}

/** Builds every SparseArray the same way, so they all share one hidden class. */
function makeArray<T>(
  root: Node | undefined,
  depth: number,
  capacity: number,
  count: number,
  lastTag: number,
): SparseArray<T> {
  return { root, depth, capacity, count, lastTag };
}

export function emptySparseArray<T>(capacity: number): SparseArray<T> {
  checkCapacity(capacity);
  let depth = 1;
  while (WIDTH ** depth < capacity) depth++;
  return makeArray(undefined, depth, capacity, 0, NOT_OWNED);
}

/**
 * An empty array over [0, capacity) that starts one level deep and grows a level at the top
 * each time a set reaches past 32^depth. For dense, increasing keys in a large index space.
 */
export function emptyGrowingSparseArray<T>(capacity: number): SparseArray<T> {
  checkCapacity(capacity);
  return makeArray(undefined, 1, capacity, 0, NOT_OWNED);
}

export function sparseGet<T>(array: SparseArray<T>, index: number): T | undefined {
  let node = array.root;
  if (node === undefined) return undefined;
  const depth = array.depth;
  // A growing array that has not grown that far yet has nothing past its span (nor below 0,
  // where the masking below would wrap around into its top slots). A fixed array's span covers
  // its capacity, so for it this never fires and lookups behave exactly as they always have.
  const span = SPAN[depth] as number;
  if (span < array.capacity && (index >= span || index < 0)) return undefined;
  for (let shift = (depth - 1) * BITS; shift > 0; shift -= BITS) {
    node = node[(index >>> shift) & MASK] as Node | undefined;
    if (node === undefined) return undefined;
  }
  return node[index & MASK] as T | undefined;
}

function checkIndex(array: SparseArray<unknown>, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= array.capacity) {
    throw new RangeError(`index ${index} outside [0, ${array.capacity})`);
  }
}

/** No slot holds anything (a plain loop: `every` costs a closure call per slot). */
function isEmptyNode(node: Node): boolean {
  for (let i = 0; i < WIDTH; i++) if (node[i] !== undefined) return false;
  return true;
}

/**
 * What `setIn` found at the index it set (undefined: nothing). A module variable rather than a
 * second return value, so a set walks the trie once and allocates nothing but the copied nodes.
 */
let previousAtSetIndex: unknown;

function setIn(node: Node | undefined, shift: number, index: number, value: unknown): Node | undefined {
  const slot = (index >>> shift) & MASK;
  if (shift === 0) previousAtSetIndex = node?.[slot];
  const child = shift === 0 ? value : setIn(node?.[slot] as Node | undefined, shift - BITS, index, value);
  if (node === undefined) {
    if (child === undefined) return undefined;
    const fresh = newNode(NOT_OWNED);
    fresh[slot] = child;
    return fresh;
  }
  if (node[slot] === child) return node;
  const copy = node.slice();
  copy[OWNER] = NOT_OWNED;
  copy[slot] = child;
  // Drop nodes that became empty so `undefined` stays the only representation of "nothing here".
  return child === undefined && isEmptyNode(copy) ? undefined : copy;
}

/** The depth a set of `index` needs: deeper than now only for a growing array. */
function depthFor(array: SparseArray<unknown>, index: number): number {
  let depth = array.depth;
  while (index >= (SPAN[depth] as number)) depth++;
  return depth;
}

/** Puts `root` under `levels` new single-child roots (slot 0 covers the indices it covered), tagged `owner`. */
function deepen(root: Node | undefined, levels: number, owner: number): Node | undefined {
  let node = root;
  if (node === undefined) return undefined;
  for (let i = 0; i < levels; i++) {
    const parent = newNode(owner);
    parent[0] = node;
    node = parent;
  }
  return node;
}

/** Returns a new array with `index` set to `value` (`undefined` deletes). The input is untouched. */
export function sparseSet<T>(array: SparseArray<T>, index: number, value: T | undefined): SparseArray<T> {
  checkIndex(array, index);
  const depth = depthFor(array, index);
  previousAtSetIndex = undefined;
  const root = setIn(deepen(array.root, depth - array.depth, NOT_OWNED), (depth - 1) * BITS, index, value);
  const previous = previousAtSetIndex;
  previousAtSetIndex = undefined;
  // Nothing changed (the same value, or deleting an absent entry): setIn copied nothing either.
  if (previous === value) return array;
  const count = array.count + (previous === undefined ? 1 : 0) - (value === undefined ? 1 : 0);
  return makeArray(root, depth, array.capacity, count, array.lastTag);
}

export function sparseDelete<T>(array: SparseArray<T>, index: number): SparseArray<T> {
  return sparseSet(array, index, undefined);
}

/**
 * An edit session over one SparseArray: the transient of Clojure's persistent vector.
 *
 * `sparseEdit(base)` makes a fresh array object (`editor.array`) that starts out sharing every
 * node with `base`. `sparseEditSet` copies a node the first time the session writes below it
 * and from then on writes into that copy in place, so a run of sets in one leaf copies the path
 * to it once instead of once per set.
 *
 * How the session knows its own nodes: by a *tag*. A session on `base` takes the tag
 * `base.lastTag + 1`, and every node it allocates carries that tag in its extra slot (`OWNER`);
 * nodes built by `sparseSet` carry NOT_OWNED, and a copy never keeps the tag of the node it
 * copies. No node of `base` carries a tag above `base.lastTag` (each was made by `sparseSet`
 * or by a session on an ancestor version), and nodes never move from one trie to another; so
 * in the session's trie, a node carries the session's tag exactly when the session made it.
 * Tags follow from the history of a version alone, so equal histories give equal tries, tags
 * included. (Earlier versions kept the owned nodes' positions in a Set: a lookup and an insert
 * per node copied, which cost more than the tag's one slot. A Set of the node arrays was worse:
 * V8 gives every array put in one an identity hash.) A finished array has the entries, the
 * pruning and the depth `sparseSet` would have built; only the tags differ.
 *
 * Why this is safe (persistence is kept):
 * - Only nodes carrying the session's tag are ever written, and those are nodes this session
 *   allocated. Nodes of `base` and of every older version carry smaller tags: they are copied
 *   before the first write, exactly as `sparseSet` would.
 * - The session's `array` is reachable only through the caller (a model operation in progress)
 *   until `sparseEditDone` closes the session; from then on no write happens (a closed editor
 *   throws), and the array is an ordinary immutable version like any other.
 * - Reads (`sparseGet`, `sparseForEachInRange`) work on `editor.array` at any point of the
 *   session and see the writes made so far.
 * The resulting trie is the one the same sets through `sparseSet` would have built: the same
 * entries, the same pruning of emptied nodes, the same depth.
 */
export interface SparseEditor<T> {
  /** The version being built. Read it freely; write it only through `sparseEditSet`. */
  readonly array: SparseArray<T>;
  /** This session's tag: the nodes carrying it are the only ones it may write into. */
  readonly tag: number;
  /**
   * The path of the last write, root first: nodes the session owns. The next write shares its
   * upper levels with it (same root, and often the same inner nodes: list neighbours are close
   * pfns), and takes them from here without looking at their tags. -1: no usable path.
   */
  pathIndex: number;
  readonly path: MutableNode[];
  open: boolean;
}

export function sparseEdit<T>(base: SparseArray<T>): SparseEditor<T> {
  const tag = base.lastTag + 1;
  return {
    array: makeArray(base.root, base.depth, base.capacity, base.count, tag),
    tag,
    pathIndex: -1,
    path: [],
    open: true,
  };
}

/** The session's own node in place of `node`: `node` if the session made it, else a copy (or a fresh node) it now owns. */
function ownedNode(editor: SparseEditor<unknown>, node: Node | undefined): MutableNode {
  if (node === undefined) return newNode(editor.tag);
  if (node[OWNER] === editor.tag) return node as MutableNode;
  const copy = node.slice();
  copy[OWNER] = editor.tag;
  return copy;
}

/**
 * Walks the path to `index` in the session's array, making every node on it the session's own,
 * and returns the leaf. With `create` false it stops at the first missing node and returns
 * undefined (nothing is created, so no empty node is left behind).
 */
function editLeaf(editor: SparseEditor<unknown>, index: number, create: boolean): MutableNode | undefined {
  const array = editor.array as OpenArray;
  const path = editor.path;
  const top = (array.depth - 1) * BITS;
  let last = editor.pathIndex;
  let node: MutableNode;
  if (last >= 0) {
    node = path[0] as MutableNode;
  } else {
    if (array.root === undefined && !create) return undefined;
    node = ownedNode(editor, array.root);
    array.root = node;
    path[0] = node;
  }
  let level = 0;
  for (let shift = top; shift > 0; shift -= BITS) {
    let child: MutableNode;
    if (last >= 0 && last >>> shift === index >>> shift) {
      child = path[level + 1] as MutableNode;
    } else {
      last = -1;
      const slot = (index >>> shift) & MASK;
      const existing = node[slot] as Node | undefined;
      if (existing === undefined && !create) {
        // The path array now mixes two paths: forget it.
        editor.pathIndex = -1;
        return undefined;
      }
      child = ownedNode(editor, existing);
      node[slot] = child;
    }
    level++;
    path[level] = child;
    node = child;
  }
  editor.pathIndex = index;
  return node;
}

/**
 * `sparseSet` within an edit session: the same entries, the same pruning, copying each node at
 * most once per session. (Unlike `sparseSet`, setting an entry to the value it already has may
 * still copy the path to it; the contents are the same either way.)
 */
export function sparseEditSet<T>(editor: SparseEditor<T>, index: number, value: T | undefined): void {
  if (value === undefined) {
    sparseEditRemove(editor, index);
    return;
  }
  if (!editor.open) throw new Error("sparse array edit session is closed");
  const array = editor.array as OpenArray;
  checkIndex(array, index);
  const depth = depthFor(array, index);
  if (depth !== array.depth) {
    array.root = deepen(array.root, depth - array.depth, editor.tag);
    array.depth = depth;
    editor.pathIndex = -1;
  }
  const leaf = editLeaf(editor, index, true) as MutableNode;
  if (leaf[index & MASK] === undefined) array.count++;
  leaf[index & MASK] = value;
}

/**
 * Deletes `index` within an edit session and returns what was there. Undefined: there was
 * nothing, and the contents are unchanged (the path to it may have been copied all the same).
 */
export function sparseEditRemove<T>(editor: SparseEditor<T>, index: number): T | undefined {
  if (!editor.open) throw new Error("sparse array edit session is closed");
  const array = editor.array as OpenArray;
  checkIndex(array, index);
  const span = SPAN[array.depth] as number;
  if (index >= span) return undefined;
  const leaf = editLeaf(editor, index, false);
  if (leaf === undefined) return undefined;
  const previous = leaf[index & MASK] as T | undefined;
  if (previous === undefined) return undefined;
  leaf[index & MASK] = undefined;
  array.count--;
  // Drop nodes that became empty so `undefined` stays the only representation of "nothing here".
  if (!isEmptyNode(leaf)) return previous;
  editor.pathIndex = -1;
  const path = editor.path;
  const top = (array.depth - 1) * BITS;
  for (let level = array.depth - 1; level > 0; level--) {
    const parent = path[level - 1] as MutableNode;
    parent[(index >>> (top - (level - 1) * BITS)) & MASK] = undefined;
    if (!isEmptyNode(parent)) return previous;
  }
  array.root = undefined;
  return previous;
}

/**
 * Replaces the entry at `index` with `update(old, ctx, a, b)` in one walk of the trie, and
 * returns the old entry. If there is none, the contents are unchanged and the result is
 * undefined. (`ctx`, `a` and `b` are passed through so that callers need no closure per call.)
 */
export function sparseEditUpdate<T, C>(
  editor: SparseEditor<T>,
  index: number,
  update: (old: T, ctx: C, a: number, b: number) => T,
  ctx: C,
  a: number,
  b: number,
): T | undefined {
  if (!editor.open) throw new Error("sparse array edit session is closed");
  const array = editor.array;
  checkIndex(array, index);
  if (index >= (SPAN[array.depth] as number)) return undefined;
  const leaf = editLeaf(editor, index, false);
  if (leaf === undefined) return undefined;
  const old = leaf[index & MASK] as T | undefined;
  if (old === undefined) return undefined;
  leaf[index & MASK] = update(old, ctx, a, b);
  return old;
}

/** Ends the session and returns the finished version (the input itself if nothing was written). */
export function sparseEditDone<T>(editor: SparseEditor<T>, base: SparseArray<T>): SparseArray<T> {
  editor.open = false;
  const array = editor.array;
  if (array.root === base.root && array.depth === base.depth && array.count === base.count) return base;
  return array;
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

function diffNodes<T>(
  a: Node | undefined,
  b: Node | undefined,
  shift: number,
  base: number,
  fn: (index: number, before: T | undefined, after: T | undefined) => void,
): void {
  if (a === b) return;
  for (let slot = 0; slot < WIDTH; slot++) {
    const x = a?.[slot];
    const y = b?.[slot];
    if (x === y) continue;
    const index = base + slot * 2 ** shift;
    if (shift === 0) fn(index, x as T | undefined, y as T | undefined);
    else diffNodes(x as Node | undefined, y as Node | undefined, shift - BITS, index, fn);
  }
}

/**
 * Calls `fn(index, before, after)` for every index whose entry differs (by identity) between
 * `a` and `b`, in index order. Subtrees the two versions share are skipped without a look
 * inside, so comparing a version with a recent ancestor costs about what the sets between
 * them cost, not the size of the array.
 */
export function sparseDiff<T>(
  a: SparseArray<T>,
  b: SparseArray<T>,
  fn: (index: number, before: T | undefined, after: T | undefined) => void,
): void {
  if (a.capacity !== b.capacity) throw new RangeError(`capacities differ: ${a.capacity} and ${b.capacity}`);
  const depth = Math.max(a.depth, b.depth);
  // A growing array shallower than the other is seen under single-child roots, as it would deepen.
  const rootA = deepen(a.root, depth - a.depth, NOT_OWNED);
  const rootB = deepen(b.root, depth - b.depth, NOT_OWNED);
  diffNodes(rootA, rootB, (depth - 1) * BITS, 0, fn);
}

/**
 * The trie as nested arrays of its slots, without edit-session tags (SparseEditor): for tests
 * that check two versions were built alike (the same nodes, the same pruning, the same depth),
 * not only that they hold the same entries.
 */
export function sparseTrieShape(array: SparseArray<unknown>): unknown {
  const strip = (node: Node | undefined, level: number): unknown =>
    node === undefined
      ? undefined
      : Array.from({ length: WIDTH }, (_, slot) => (level === 1 ? node[slot] : strip(node[slot] as Node, level - 1)));
  return { depth: array.depth, capacity: array.capacity, count: array.count, root: strip(array.root, array.depth) };
}

export function sparseEntries<T>(array: SparseArray<T>): [number, T][] {
  const out: [number, T][] = [];
  sparseForEach(array, (i, v) => {
    out.push([i, v]);
    return true;
  });
  return out;
}
