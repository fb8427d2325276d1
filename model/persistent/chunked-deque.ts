/**
 * A persistent deque of numbers (pfns), stored as a short array of small chunks.
 *
 * Why: a per-CPU page list is only ever used at its two ends. free_frozen_pages() adds at the
 * head and rmqueue_pcplist() takes from the head; rmqueue_bulk() adds at the tail and
 * free_pcppages_bulk() takes from the tail. Nothing unlinks a page from the middle of a pcp
 * list (a page on a pcp list is not PageBuddy, so merging, compaction and claiming never touch
 * it). Threading such a list through a pfn-keyed trie, as the buddy free lists are, costs two
 * writes at random pfns per push or pop: the page and its neighbour. A chunked deque touches
 * one chunk at the end it works on, whose pfns sit side by side.
 *
 * Layout: `chunks[0]` holds the front (the list head), the last chunk the back (the tail),
 * each chunk holds 1..CHUNK pfns in list order, and no chunk is empty. A change copies the
 * chunk array (length / CHUNK references) and the one chunk it writes: O(CHUNK + length / CHUNK)
 * per push or pop, against O(log32 nrPages) trie nodes for a linked list. Every version shares
 * all its other chunks with its predecessor.
 *
 * An edit session (`dequeEdit`), like a SparseArray one, lets one model operation (a whole
 * rmqueue_bulk() refill, a whole drain) copy the chunk array and each end chunk once and then
 * work in place. See `DequeEditor` for why that keeps every older version intact.
 */

/** Pfns per chunk: a trie node's width, so a chunk copy costs what one node copy costs. */
const CHUNK = 32;

export interface Deque {
  /** Non-empty chunks, front first; each in list order. */
  readonly chunks: readonly (readonly number[])[];
  readonly length: number;
}

export const EMPTY_DEQUE: Deque = Object.freeze({
  chunks: Object.freeze([]) as readonly (readonly number[])[],
  length: 0,
});

/** The front (head) entry, or undefined when empty. */
export function dequeFront(deque: Deque): number | undefined {
  return deque.chunks[0]?.[0];
}

/** The back (tail) entry, or undefined when empty. */
export function dequeBack(deque: Deque): number | undefined {
  const last = deque.chunks[deque.chunks.length - 1];
  return last?.[last.length - 1];
}

/** The entries front to back. O(length): for views and invariants, not hot paths. */
export function dequeToArray(deque: Deque): number[] {
  const out: number[] = [];
  for (const chunk of deque.chunks) for (const value of chunk) out.push(value);
  return out;
}

/** Builds a deque holding `values` front to back (fresh chunks, nothing shared). */
export function dequeFromArray(values: readonly number[]): Deque {
  const chunks: number[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) chunks.push(values.slice(i, i + CHUNK));
  return { chunks, length: values.length };
}

/**
 * An edit session over one deque.
 *
 * `deque` is a fresh object with its own copy of the chunk array: the session may replace,
 * add and remove chunk references in it freely. Chunks themselves start out shared with the
 * base deque, and the session writes into a chunk only after copying it (or creating it).
 * Only the two end chunks are ever written, so the session tracks ownership of those two:
 * `frontOwned` means `deque.chunks[0]` is the session's own; `backOwned`, the last chunk.
 * When a removal makes another chunk the new end, its flag is cleared: it may be shared (a
 * chunk the session did create is then copied once more, which is wasteful but safe).
 *
 * Why this keeps persistence: chunks of older versions are never written (only owned chunks
 * are), the base's chunk array is never written (the session has its own copy), and the
 * session's `deque` is reachable only through the caller until `dequeEditDone`, after which
 * a closed editor throws on any write.
 */
export interface DequeEditor {
  /** The version being built. Read it freely; write it only through the dequeEdit* functions. */
  readonly deque: Deque;
  frontOwned: boolean;
  backOwned: boolean;
  open: boolean;
}

/** The mutable view a session has of its own deque (same fields, same hidden class). */
interface OpenDeque {
  chunks: number[][];
  length: number;
}

export function dequeEdit(base: Deque): DequeEditor {
  const deque: OpenDeque = { chunks: base.chunks.slice() as number[][], length: base.length };
  return { deque, frontOwned: false, backOwned: false, open: true };
}

function open(editor: DequeEditor): OpenDeque {
  if (!editor.open) throw new Error("deque edit session is closed");
  return editor.deque as OpenDeque;
}

/** The front chunk, made the session's own. The deque must not be empty. */
function ownFront(editor: DequeEditor, deque: OpenDeque): number[] {
  const chunks = deque.chunks;
  if (!editor.frontOwned) {
    chunks[0] = (chunks[0] as number[]).slice();
    editor.frontOwned = true;
    // With one chunk, front and back are the same chunk, and the old back copy (if any) is gone.
    if (chunks.length === 1) editor.backOwned = true;
  }
  return chunks[0] as number[];
}

/** The back chunk, made the session's own. The deque must not be empty. */
function ownBack(editor: DequeEditor, deque: OpenDeque): number[] {
  const chunks = deque.chunks;
  const last = chunks.length - 1;
  if (!editor.backOwned) {
    chunks[last] = (chunks[last] as number[]).slice();
    editor.backOwned = true;
    if (last === 0) editor.frontOwned = true;
  }
  return chunks[last] as number[];
}

/** list_add(): `value` becomes the front. */
export function dequeEditPushFront(editor: DequeEditor, value: number): void {
  const deque = open(editor);
  const chunks = deque.chunks;
  if (chunks.length === 0 || (chunks[0] as number[]).length >= CHUNK) {
    chunks.unshift([value]);
    editor.frontOwned = true;
    if (chunks.length === 1) editor.backOwned = true;
  } else {
    ownFront(editor, deque).unshift(value);
  }
  deque.length++;
}

/** list_add_tail(): `value` becomes the back. */
export function dequeEditPushBack(editor: DequeEditor, value: number): void {
  const deque = open(editor);
  const chunks = deque.chunks;
  if (chunks.length === 0 || (chunks[chunks.length - 1] as number[]).length >= CHUNK) {
    chunks.push([value]);
    editor.backOwned = true;
    if (chunks.length === 1) editor.frontOwned = true;
  } else {
    ownBack(editor, deque).push(value);
  }
  deque.length++;
}

/** Removes and returns the front entry (undefined, and no change, when empty). */
export function dequeEditPopFront(editor: DequeEditor): number | undefined {
  const deque = open(editor);
  const chunks = deque.chunks;
  const first = chunks[0];
  if (first === undefined) return undefined;
  const value = first[0] as number;
  deque.length--;
  if (first.length === 1) {
    chunks.shift();
    // The next chunk (if any) is the new front; it is the session's own only if it is also the back it owns.
    editor.frontOwned = chunks.length === 1 && editor.backOwned;
    if (chunks.length === 0) editor.backOwned = false;
  } else {
    ownFront(editor, deque).shift();
  }
  return value;
}

/** Removes and returns the back entry (undefined, and no change, when empty). */
export function dequeEditPopBack(editor: DequeEditor): number | undefined {
  const deque = open(editor);
  const chunks = deque.chunks;
  const last = chunks[chunks.length - 1];
  if (last === undefined) return undefined;
  const value = last[last.length - 1] as number;
  deque.length--;
  if (last.length === 1) {
    chunks.pop();
    editor.backOwned = chunks.length === 1 && editor.frontOwned;
    if (chunks.length === 0) editor.frontOwned = false;
  } else {
    ownBack(editor, deque).pop();
  }
  return value;
}

/** Ends the session and returns the finished version. */
export function dequeEditDone(editor: DequeEditor): Deque {
  open(editor);
  editor.open = false;
  return editor.deque;
}

/*
 * The same operations as pure functions: one-operation sessions, for callers outside a draft.
 */

export function dequePushFront(deque: Deque, value: number): Deque {
  const editor = dequeEdit(deque);
  dequeEditPushFront(editor, value);
  return dequeEditDone(editor);
}

export function dequePushBack(deque: Deque, value: number): Deque {
  const editor = dequeEdit(deque);
  dequeEditPushBack(editor, value);
  return dequeEditDone(editor);
}

/** The deque without its front entry (the same deque when empty). */
export function dequePopFront(deque: Deque): Deque {
  if (deque.length === 0) return deque;
  const editor = dequeEdit(deque);
  dequeEditPopFront(editor);
  return dequeEditDone(editor);
}

/** The deque without its back entry (the same deque when empty). */
export function dequePopBack(deque: Deque): Deque {
  if (deque.length === 0) return deque;
  const editor = dequeEdit(deque);
  dequeEditPopBack(editor);
  return dequeEditDone(editor);
}
