/**
 * Persistent doubly linked lists whose nodes live in a SparseArray keyed by the node's id
 * (a pfn for free blocks and pcp pages, a handle for LRU entries).
 *
 * The kernel threads `struct list_head` through struct page; this is the same idea with the
 * links stored beside the payload in a persistent trie, so list_add / list_add_tail / list_del
 * are O(1) trie updates and every version of the list shares structure with the last.
 */

import {
  type SparseArray,
  type SparseEditor,
  sparseEditRemove,
  sparseEditSet,
  sparseEditUpdate,
  sparseGet,
  sparseSet,
} from "./sparse-array.js";

export const NIL = -1;

export interface Linked {
  readonly prev: number;
  readonly next: number;
}

export interface ListHead {
  readonly head: number;
  readonly tail: number;
  readonly length: number;
}

export const EMPTY_LIST: ListHead = Object.freeze({ head: NIL, tail: NIL, length: 0 });

export interface ListUpdate<N> {
  readonly nodes: SparseArray<N>;
  readonly list: ListHead;
}

function mustGet<N>(nodes: SparseArray<N>, id: number): N {
  const node = sparseGet(nodes, id);
  if (node === undefined) throw new Error(`linked list: node ${id} is not present`);
  return node;
}

/**
 * Makes a copy of a node with new links: `(node, prev, next) => ({ ...payload, prev, next })`.
 * The edit-session functions take one per node type, written as an object literal: V8 builds a
 * literal in a few nanoseconds, while a spread of an object that was itself made by a spread
 * falls off its fast path and costs hundreds.
 */
export type Relinker<N extends Linked> = (node: N, prev: number, next: number) => N;

/** The generic relinker of the persistent functions (copy, then overwrite the two links). */
function withLinks<N extends Linked>(node: N, prev: number, next: number): N {
  const copy = { ...node } as { -readonly [K in keyof N]: N[K] };
  copy.prev = prev;
  copy.next = next;
  return copy as N;
}

function relink<N extends Linked>(
  nodes: SparseArray<N>,
  id: number,
  prev: number | undefined,
  next: number | undefined,
): SparseArray<N> {
  const node = mustGet(nodes, id);
  return sparseSet(nodes, id, withLinks(node, prev ?? node.prev, next ?? node.next));
}

/** list_add(): insert `node` (its prev/next are overwritten) at the head. */
export function listAddHead<N extends Linked>(
  nodes: SparseArray<N>,
  list: ListHead,
  id: number,
  node: N,
): ListUpdate<N> {
  let next = sparseSet(nodes, id, withLinks(node, NIL, list.head));
  if (list.head !== NIL) next = relink(next, list.head, id, undefined);
  return { nodes: next, list: { head: id, tail: list.tail === NIL ? id : list.tail, length: list.length + 1 } };
}

/** list_add_tail(): insert `node` at the tail. */
export function listAddTail<N extends Linked>(
  nodes: SparseArray<N>,
  list: ListHead,
  id: number,
  node: N,
): ListUpdate<N> {
  let next = sparseSet(nodes, id, withLinks(node, list.tail, NIL));
  if (list.tail !== NIL) next = relink(next, list.tail, undefined, id);
  return { nodes: next, list: { head: list.head === NIL ? id : list.head, tail: id, length: list.length + 1 } };
}

/** list_add_tail(new, &next->lru): insert `node` just before node `before` (on its head side). */
export function listInsertBefore<N extends Linked>(
  nodes: SparseArray<N>,
  list: ListHead,
  before: number,
  id: number,
  node: N,
): ListUpdate<N> {
  const anchor = mustGet(nodes, before);
  let next = sparseSet(nodes, id, withLinks(node, anchor.prev, before));
  next = relink(next, before, id, undefined);
  if (anchor.prev !== NIL) next = relink(next, anchor.prev, undefined, id);
  return {
    nodes: next,
    list: { head: list.head === before ? id : list.head, tail: list.tail, length: list.length + 1 },
  };
}

/** list_del(): unlink node `id` from `list` and remove it from `nodes`. */
export function listDelete<N extends Linked>(nodes: SparseArray<N>, list: ListHead, id: number): ListUpdate<N> {
  const node = mustGet(nodes, id);
  let next = sparseSet(nodes, id, undefined);
  if (node.prev !== NIL) next = relink(next, node.prev, undefined, node.next);
  if (node.next !== NIL) next = relink(next, node.next, node.prev, undefined);
  return {
    nodes: next,
    list: {
      head: list.head === id ? node.next : list.head,
      tail: list.tail === id ? node.prev : list.tail,
      length: list.length - 1,
    },
  };
}

/*
 * The same three operations within a SparseArray edit session (sparse-array.ts `sparseEdit`):
 * the node store is written in place through the editor, so the trie paths a run of list
 * operations shares are copied once per session, not once per operation. Each returns the new
 * list head; the nodes are in `editor.array`. Payload objects are never written: a relinked
 * node is a new object made by `relink`, so node objects stay shared with older versions.
 * An added node is stored as the caller built it, links included (no copy).
 */

/** A link argument meaning "leave this link as it is". */
const KEEP = -2;

function applyRelink<N extends Linked>(old: N, relink: Relinker<N>, prev: number, next: number): N {
  return relink(old, prev === KEEP ? old.prev : prev, next === KEEP ? old.next : next);
}

/** Relinks node `id` in place of the old one, in one walk of the trie. */
function editRelink<N extends Linked>(
  editor: SparseEditor<N>,
  id: number,
  relink: Relinker<N>,
  prev: number,
  next: number,
): void {
  if (sparseEditUpdate(editor, id, applyRelink, relink, prev, next) === undefined) {
    throw new Error(`linked list: node ${id} is not present`);
  }
}

/** listAddHead() within an edit session; `node` is stored as given, its links already set to (NIL, list.head). */
export function listEditAddHead<N extends Linked>(
  editor: SparseEditor<N>,
  list: ListHead,
  id: number,
  node: N,
  relink: Relinker<N>,
): ListHead {
  sparseEditSet(editor, id, node);
  if (list.head !== NIL) editRelink(editor, list.head, relink, id, KEEP);
  return { head: id, tail: list.tail === NIL ? id : list.tail, length: list.length + 1 };
}

/** listAddTail() within an edit session; `node` is stored as given, its links already set to (list.tail, NIL). */
export function listEditAddTail<N extends Linked>(
  editor: SparseEditor<N>,
  list: ListHead,
  id: number,
  node: N,
  relink: Relinker<N>,
): ListHead {
  sparseEditSet(editor, id, node);
  if (list.tail !== NIL) editRelink(editor, list.tail, relink, KEEP, id);
  return { head: list.head === NIL ? id : list.head, tail: id, length: list.length + 1 };
}

/** listDelete() within an edit session. */
export function listEditDelete<N extends Linked>(
  editor: SparseEditor<N>,
  list: ListHead,
  id: number,
  relink: Relinker<N>,
): ListHead {
  const node = sparseEditRemove(editor, id);
  if (node === undefined) throw new Error(`linked list: node ${id} is not present`);
  if (node.prev !== NIL) editRelink(editor, node.prev, relink, KEEP, node.next);
  if (node.next !== NIL) editRelink(editor, node.next, relink, node.prev, KEEP);
  return {
    head: list.head === id ? node.next : list.head,
    tail: list.tail === id ? node.prev : list.tail,
    length: list.length - 1,
  };
}

/** The ids of a list from head to tail; O(length), for views and invariants, not hot paths. */
export function listIds<N extends Linked>(nodes: SparseArray<N>, list: ListHead): number[] {
  const ids: number[] = [];
  for (let id = list.head; id !== NIL; id = mustGet(nodes, id).next) {
    ids.push(id);
    if (ids.length > list.length) throw new Error("linked list: cycle or length mismatch");
  }
  return ids;
}
