/**
 * A persistent deque of numbers, stored in small chunks: list ends that are cheap to work on.
 *
 * Why: the model's pcp lists are only ever used at their two ends. free_frozen_pages() adds at
 * the head and rmqueue_pcplist() takes from the head; rmqueue_bulk() adds at the tail and
 * free_pcppages_bulk() takes from the tail; nothing unlinks a page from the middle (a page on
 * a pcp list is not PageBuddy, so merging, compaction and claiming never touch it). Threading
 * such a list through a pfn-keyed trie, as the buddy free lists are (they do need unlinks from
 * the middle), costs two writes at random pfns per push or pop: the page and its neighbour. A
 * chunked deque writes the one chunk at the end it works on, whose entries sit side by side.
 *
 * Layout: a `front` chunk and a `back` chunk of up to CHUNK entries each, and between them
 * `middle`, an array of chunks. A push or pop copies the end chunk it writes (CHUNK entries at
 * most); once in CHUNK pushes or pops a whole chunk moves between an end and `middle`, which
 * copies `middle` (length / CHUNK references). So a change costs O(CHUNK + length / CHUNK^2)
 * amortised, against O(log32 nrPages) trie nodes per write for a linked list, and every
 * version shares all other chunks with its predecessor.
 *
 * An edit session (`dequeEdit`), like a SparseArray one, lets one model operation (a whole
 * rmqueue_bulk() refill, a whole drain) copy each part at most once and then work in place.
 * See `DequeEditor` for why that keeps every older version intact.
 */

/** Pfns per chunk: a trie node's width, so a chunk copy costs what one node copy costs. */
const CHUNK = 32;

type Chunk = readonly number[];

export interface Deque {
  /** The first entries, front first: 0..CHUNK of them. */
  readonly front: Chunk;
  /** Whole chunks between front and back, each non-empty, front first. */
  readonly middle: readonly Chunk[];
  /** The last entries: 0..CHUNK of them. */
  readonly back: Chunk;
  readonly length: number;
}

const NO_ENTRIES: Chunk = Object.freeze([]);

export const EMPTY_DEQUE: Deque = Object.freeze({
  front: NO_ENTRIES,
  middle: Object.freeze([]) as readonly Chunk[],
  back: NO_ENTRIES,
  length: 0,
});

/** The front (head) entry, or undefined when empty. */
export function dequeFront(deque: Deque): number | undefined {
  if (deque.front.length > 0) return deque.front[0];
  const first = deque.middle[0];
  return first !== undefined ? first[0] : deque.back[0];
}

/** The back (tail) entry, or undefined when empty. */
export function dequeBack(deque: Deque): number | undefined {
  const back = deque.back;
  if (back.length > 0) return back[back.length - 1];
  const last = deque.middle[deque.middle.length - 1];
  if (last !== undefined) return last[last.length - 1];
  return deque.front[deque.front.length - 1];
}

/** Calls `fn` for each entry, front to back. O(length): for views and invariants, not hot paths. */
export function dequeForEach(deque: Deque, fn: (value: number) => void): void {
  for (const value of deque.front) fn(value);
  for (const chunk of deque.middle) for (const value of chunk) fn(value);
  for (const value of deque.back) fn(value);
}

/** The entries front to back. */
export function dequeToArray(deque: Deque): number[] {
  const out: number[] = [];
  dequeForEach(deque, (value) => out.push(value));
  return out;
}

/**
 * An edit session over one deque.
 *
 * `deque` is a fresh object; its `front`, `middle` and `back` start out shared with the base
 * deque. The session writes into one of them only after copying it (or creating it), and
 * remembers which it owns in the three flags. Full chunks move between `middle` and the ends
 * whole (one in every CHUNK pushes or pops), so a run of operations at one end copies that end
 * once and `middle` (length / CHUNK references) at most once.
 *
 * Why this keeps persistence: the parts of older versions are never written (only owned parts
 * are), chunks inside `middle` are never written at all, and the session's `deque` is reachable
 * only through the caller until `dequeEditDone`, after which a closed editor throws on writes.
 */
export interface DequeEditor {
  /** The version being built. Read it freely; write it only through the dequeEdit* functions. */
  readonly deque: Deque;
  frontOwned: boolean;
  middleOwned: boolean;
  backOwned: boolean;
  open: boolean;
}

/** The mutable view a session has of its own deque (same fields, same hidden class). */
interface OpenDeque {
  front: number[];
  middle: Chunk[];
  back: number[];
  length: number;
}

export function dequeEdit(base: Deque): DequeEditor {
  const deque: OpenDeque = {
    front: base.front as number[],
    middle: base.middle as Chunk[],
    back: base.back as number[],
    length: base.length,
  };
  return { deque, frontOwned: false, middleOwned: false, backOwned: false, open: true };
}

function open(editor: DequeEditor): OpenDeque {
  if (!editor.open) throw new Error("deque edit session is closed");
  return editor.deque as OpenDeque;
}

/*
 * Writes to an end chunk. The session's own chunk is changed in place; a shared one is replaced
 * by a changed copy, made in one step (copying and then unshifting would move every entry twice).
 */

function unshiftFront(editor: DequeEditor, deque: OpenDeque, value: number): void {
  if (editor.frontOwned) {
    deque.front.unshift(value);
  } else {
    deque.front = [value, ...deque.front];
    editor.frontOwned = true;
  }
}

function shiftFront(editor: DequeEditor, deque: OpenDeque): number {
  const front = deque.front;
  const value = front[0] as number;
  if (editor.frontOwned) {
    front.shift();
  } else {
    deque.front = front.slice(1);
    editor.frontOwned = true;
  }
  return value;
}

function pushBackChunk(editor: DequeEditor, deque: OpenDeque, value: number): void {
  if (editor.backOwned) {
    deque.back.push(value);
  } else {
    deque.back = [...deque.back, value];
    editor.backOwned = true;
  }
}

function popBackChunk(editor: DequeEditor, deque: OpenDeque): number {
  const back = deque.back;
  const value = back[back.length - 1] as number;
  if (editor.backOwned) {
    back.pop();
  } else {
    deque.back = back.slice(0, -1);
    editor.backOwned = true;
  }
  return value;
}

/** The back chunk's first entry: the front when the rest of the deque is empty. */
function shiftBack(editor: DequeEditor, deque: OpenDeque): number {
  const back = deque.back;
  const value = back[0] as number;
  if (editor.backOwned) {
    back.shift();
  } else {
    deque.back = back.slice(1);
    editor.backOwned = true;
  }
  return value;
}

/** The front chunk's last entry: the back when the rest of the deque is empty. */
function popFrontChunk(editor: DequeEditor, deque: OpenDeque): number {
  const front = deque.front;
  const value = front[front.length - 1] as number;
  if (editor.frontOwned) {
    front.pop();
  } else {
    deque.front = front.slice(0, -1);
    editor.frontOwned = true;
  }
  return value;
}

function ownMiddle(editor: DequeEditor, deque: OpenDeque): Chunk[] {
  if (!editor.middleOwned) {
    deque.middle = deque.middle.slice();
    editor.middleOwned = true;
  }
  return deque.middle;
}

/** list_add(): `value` becomes the front. */
export function dequeEditPushFront(editor: DequeEditor, value: number): void {
  const deque = open(editor);
  if (deque.front.length >= CHUNK) {
    // The full front chunk joins the middle whole (it is never written again) and a new one starts.
    ownMiddle(editor, deque).unshift(deque.front);
    deque.front = [value];
    editor.frontOwned = true;
  } else {
    unshiftFront(editor, deque, value);
  }
  deque.length++;
}

/** list_add_tail(): `value` becomes the back. */
export function dequeEditPushBack(editor: DequeEditor, value: number): void {
  const deque = open(editor);
  if (deque.back.length >= CHUNK) {
    ownMiddle(editor, deque).push(deque.back);
    deque.back = [value];
    editor.backOwned = true;
  } else {
    pushBackChunk(editor, deque, value);
  }
  deque.length++;
}

/** Removes and returns the front entry (undefined, and no change, when empty). */
export function dequeEditPopFront(editor: DequeEditor): number | undefined {
  const deque = open(editor);
  if (deque.length === 0) return undefined;
  deque.length--;
  if (deque.front.length > 0) return shiftFront(editor, deque);
  if (deque.middle.length > 0) {
    // The first middle chunk becomes the front: shared until written, so not owned.
    deque.front = ownMiddle(editor, deque).shift() as number[];
    editor.frontOwned = false;
    return shiftFront(editor, deque);
  }
  return shiftBack(editor, deque);
}

/** Removes and returns the back entry (undefined, and no change, when empty). */
export function dequeEditPopBack(editor: DequeEditor): number | undefined {
  const deque = open(editor);
  if (deque.length === 0) return undefined;
  deque.length--;
  if (deque.back.length > 0) return popBackChunk(editor, deque);
  if (deque.middle.length > 0) {
    deque.back = ownMiddle(editor, deque).pop() as number[];
    editor.backOwned = false;
    return popBackChunk(editor, deque);
  }
  return popFrontChunk(editor, deque);
}

/** Ends the session and returns the finished version. */
export function dequeEditDone(editor: DequeEditor): Deque {
  open(editor);
  editor.open = false;
  return editor.deque;
}
