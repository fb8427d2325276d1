/**
 * Persistent doubly linked lists whose nodes live in a SparseArray keyed by the node's id
 * (a pfn for free blocks and pcp pages, a handle for LRU entries).
 *
 * The kernel threads `struct list_head` through struct page; this is the same idea with the
 * links stored beside the payload in a persistent trie, so list_add / list_add_tail / list_del
 * are O(1) trie updates and every version of the list shares structure with the last.
 */

import { type SparseArray, sparseGet, sparseSet } from "./sparse-array.js";

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

function relink<N extends Linked>(nodes: SparseArray<N>, id: number, links: Partial<Linked>): SparseArray<N> {
  return sparseSet(nodes, id, { ...mustGet(nodes, id), ...links });
}

/** list_add(): insert `node` (its prev/next are overwritten) at the head. */
export function listAddHead<N extends Linked>(
  nodes: SparseArray<N>,
  list: ListHead,
  id: number,
  node: N,
): ListUpdate<N> {
  let next = sparseSet(nodes, id, { ...node, prev: NIL, next: list.head });
  if (list.head !== NIL) next = relink(next, list.head, { prev: id });
  return { nodes: next, list: { head: id, tail: list.tail === NIL ? id : list.tail, length: list.length + 1 } };
}

/** list_add_tail(): insert `node` at the tail. */
export function listAddTail<N extends Linked>(
  nodes: SparseArray<N>,
  list: ListHead,
  id: number,
  node: N,
): ListUpdate<N> {
  let next = sparseSet(nodes, id, { ...node, prev: list.tail, next: NIL });
  if (list.tail !== NIL) next = relink(next, list.tail, { next: id });
  return { nodes: next, list: { head: list.head === NIL ? id : list.head, tail: id, length: list.length + 1 } };
}

/** list_del(): unlink node `id` from `list` and remove it from `nodes`. */
export function listDelete<N extends Linked>(nodes: SparseArray<N>, list: ListHead, id: number): ListUpdate<N> {
  const node = mustGet(nodes, id);
  let next = sparseSet(nodes, id, undefined);
  if (node.prev !== NIL) next = relink(next, node.prev, { next: node.next });
  if (node.next !== NIL) next = relink(next, node.next, { prev: node.prev });
  return {
    nodes: next,
    list: {
      head: list.head === id ? node.next : list.head,
      tail: list.tail === id ? node.prev : list.tail,
      length: list.length - 1,
    },
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
