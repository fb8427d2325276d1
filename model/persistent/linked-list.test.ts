import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EMPTY_LIST,
  type Linked,
  type ListHead,
  listAddHead,
  listAddTail,
  listDelete,
  listEditAddHead,
  listEditAddTail,
  listEditDelete,
  listIds,
  listInsertBefore,
  NIL,
} from "./linked-list.js";
import {
  emptySparseArray,
  type SparseArray,
  sparseEdit,
  sparseEditDone,
  sparseGet,
  sparseTrieShape,
} from "./sparse-array.js";

interface Node extends Linked {
  readonly tag: number;
}

type EditCmd =
  | { readonly kind: "head" | "tail"; readonly list: number; readonly id: number }
  | { readonly kind: "delete"; readonly pick: number };

/** The persistent operations have one more: insert before a node (the edit sessions do not). */
type Cmd = EditCmd | { readonly kind: "before"; readonly pick: number; readonly id: number };

const CAPACITY = 256;
const LISTS = 3;

const editCmd: fc.Arbitrary<EditCmd> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("head" as const, "tail" as const),
    list: fc.nat({ max: LISTS - 1 }),
    id: fc.nat({ max: CAPACITY - 1 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat({ max: 1000 }) }),
);

const editCmds: fc.Arbitrary<EditCmd[]> = fc.array(editCmd, { maxLength: 150 });

const cmds: fc.Arbitrary<Cmd[]> = fc.array(
  fc.oneof(
    editCmd,
    fc.record({
      kind: fc.constant("before" as const),
      pick: fc.nat({ max: 1000 }),
      id: fc.nat({ max: CAPACITY - 1 }),
    }),
  ),
  { maxLength: 150 },
);

/** Several lists threaded through one node store, as the free lists of all orders and types are. */
interface State {
  readonly nodes: SparseArray<Node>;
  readonly lists: readonly ListHead[];
}

/** The node `pick` names among every node on some list, and its list (undefined: none yet). */
function pickNode(model: readonly number[][], pick: number): { id: number; list: number } | undefined {
  const all = model.flatMap((ids, list) => ids.map((id) => ({ id, list })));
  return all[pick % Math.max(1, all.length)];
}

function run(commands: readonly Cmd[], check: (state: State, model: readonly number[][]) => void): void {
  let state: State = {
    nodes: emptySparseArray<Node>(CAPACITY),
    lists: Array.from({ length: LISTS }, () => EMPTY_LIST),
  };
  const model: number[][] = Array.from({ length: LISTS }, () => []);
  /** A new node for id, its links deliberately wrong: the operation must set them. */
  const fresh = (id: number): Node => ({ tag: id * 10, prev: 99, next: 99 });
  const apply = (list: number, update: { nodes: SparseArray<Node>; list: ListHead }) => {
    const lists = state.lists.slice();
    lists[list] = update.list;
    state = { nodes: update.nodes, lists };
  };
  for (const cmd of commands) {
    if (cmd.kind === "before") {
      // Insert just before (on the head side of) a node already on some list.
      const anchor = pickNode(model, cmd.pick);
      if (anchor === undefined || sparseGet(state.nodes, cmd.id) !== undefined) continue;
      const list = state.lists[anchor.list] ?? EMPTY_LIST;
      apply(anchor.list, listInsertBefore(state.nodes, list, anchor.id, cmd.id, fresh(cmd.id)));
      const ids = model[anchor.list] ?? [];
      ids.splice(ids.indexOf(anchor.id), 0, cmd.id);
    } else if (cmd.kind === "delete") {
      const victim = pickNode(model, cmd.pick);
      if (victim === undefined) continue;
      apply(victim.list, listDelete(state.nodes, state.lists[victim.list] ?? EMPTY_LIST, victim.id));
      const ids = model[victim.list] ?? [];
      ids.splice(ids.indexOf(victim.id), 1);
    } else {
      // A node id lives on at most one list, like a pfn on at most one free list.
      if (sparseGet(state.nodes, cmd.id) !== undefined) continue;
      const add = cmd.kind === "head" ? listAddHead : listAddTail;
      apply(cmd.list, add(state.nodes, state.lists[cmd.list] ?? EMPTY_LIST, cmd.id, fresh(cmd.id)));
      const ids = model[cmd.list] ?? [];
      if (cmd.kind === "head") ids.unshift(cmd.id);
      else ids.push(cmd.id);
    }
    check(state, model);
  }
}

function expectListsMatch(state: State, model: readonly number[][]): void {
  for (let l = 0; l < LISTS; l++) {
    const expected = model[l] ?? [];
    const list = state.lists[l] ?? EMPTY_LIST;
    expect(listIds(state.nodes, list)).toEqual(expected);
    expect(list.length).toBe(expected.length);
    expect(list.head).toBe(expected[0] ?? NIL);
    expect(list.tail).toBe(expected.at(-1) ?? NIL);
  }
  // prev links mirror next links, and the payload survives relinking.
  for (const ids of model) {
    ids.forEach((id, i) => {
      const node = sparseGet(state.nodes, id);
      expect(node?.prev).toBe(ids[i - 1] ?? NIL);
      expect(node?.next).toBe(ids[i + 1] ?? NIL);
      expect(node?.tag).toBe(id * 10);
    });
  }
  expect(state.nodes.count).toBe(model.reduce((n, ids) => n + ids.length, 0));
}

describe("persistent linked lists against plain arrays", () => {
  it("list_add / list_add_tail / insert-before / list_del agree with unshift / push / splice", () => {
    fc.assert(
      fc.property(cmds, (commands) => run(commands, expectListsMatch)),
      { numRuns: 200 },
    );
  });

  it("leaves every earlier version unchanged (persistence)", () => {
    fc.assert(
      fc.property(cmds, (commands) => {
        const versions: { state: State; model: number[][] }[] = [];
        run(commands, (state, model) => versions.push({ state, model: model.map((ids) => ids.slice()) }));
        for (const v of versions) expectListsMatch(v.state, v.model);
      }),
      { numRuns: 100 },
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}

const relinkNode = (node: Node, prev: number, next: number): Node => ({ tag: node.tag, prev, next });

describe("linked lists in edit sessions", () => {
  it("give the same nodes and heads as the persistent operations, and leave the input alone", () => {
    fc.assert(
      fc.property(editCmds, fc.nat({ max: 6 }), (commands, sessionLength) => {
        // The persistent run gives the expected state after every command.
        const expected: State[] = [];
        run(commands, (state) => expected.push(state));
        let base: State = deepFreeze({
          nodes: emptySparseArray<Node>(CAPACITY),
          lists: Array.from({ length: LISTS }, () => EMPTY_LIST),
        });
        let editor = sparseEdit(base.nodes);
        let lists = base.lists.slice();
        let inSession = 0;
        let step = 0;
        const model: number[][] = Array.from({ length: LISTS }, () => []);
        for (const cmd of commands) {
          if (cmd.kind === "delete") {
            const victim = pickNode(model, cmd.pick);
            if (victim === undefined) continue;
            lists[victim.list] = listEditDelete(editor, lists[victim.list] ?? EMPTY_LIST, victim.id, relinkNode);
            const ids = model[victim.list] ?? [];
            ids.splice(ids.indexOf(victim.id), 1);
          } else {
            if (sparseGet(editor.array, cmd.id) !== undefined) continue;
            const list = lists[cmd.list] ?? EMPTY_LIST;
            const tag = cmd.id * 10;
            lists[cmd.list] =
              cmd.kind === "head"
                ? listEditAddHead(editor, list, cmd.id, { tag, prev: NIL, next: list.head }, relinkNode)
                : listEditAddTail(editor, list, cmd.id, { tag, prev: list.tail, next: NIL }, relinkNode);
            const ids = model[cmd.list] ?? [];
            if (cmd.kind === "head") ids.unshift(cmd.id);
            else ids.push(cmd.id);
          }
          const want = expected[step++];
          expect({ nodes: sparseTrieShape(editor.array), lists }).toEqual({
            nodes: want === undefined ? undefined : sparseTrieShape(want.nodes),
            lists: want?.lists,
          });
          if (++inSession > sessionLength) {
            const before = JSON.stringify(base);
            const nodes = sparseEditDone(editor, base.nodes);
            expect(JSON.stringify(base)).toBe(before);
            base = deepFreeze({ nodes, lists });
            editor = sparseEdit(base.nodes);
            lists = base.lists.slice();
            inSession = 0;
          }
        }
        const last = expected.at(-1) ?? base;
        expect({ nodes: sparseTrieShape(sparseEditDone(editor, base.nodes)), lists }).toEqual({
          nodes: sparseTrieShape(last.nodes),
          lists: last.lists,
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe("linked list details", () => {
  it("inserts at the head and at the tail of a one-element list", () => {
    // list_add(5) then list_add(7): 7 -> 5.  list_add_tail(9): 7 -> 5 -> 9.
    let nodes = emptySparseArray<Node>(16);
    let list = EMPTY_LIST;
    ({ nodes, list } = listAddHead(nodes, list, 5, { tag: 0, prev: NIL, next: NIL }));
    expect(list).toEqual({ head: 5, tail: 5, length: 1 });
    ({ nodes, list } = listAddHead(nodes, list, 7, { tag: 0, prev: NIL, next: NIL }));
    ({ nodes, list } = listAddTail(nodes, list, 9, { tag: 0, prev: NIL, next: NIL }));
    expect(listIds(nodes, list)).toEqual([7, 5, 9]);
    // Deleting the middle relinks both neighbours; deleting the ends moves head and tail.
    const middle = listDelete(nodes, list, 5);
    expect(listIds(middle.nodes, middle.list)).toEqual([7, 9]);
    expect(sparseGet(middle.nodes, 5)).toBeUndefined();
    const ends = listDelete(middle.nodes, middle.list, 7);
    const last = listDelete(ends.nodes, ends.list, 9);
    expect(last.list).toEqual({ head: NIL, tail: NIL, length: 0 });
    expect(last.nodes.count).toBe(0);
  });

  it("refuses to delete a node that is not there", () => {
    expect(() => listDelete(emptySparseArray<Node>(8), EMPTY_LIST, 3)).toThrow(/node 3 is not present/);
  });

  it("EMPTY_LIST is frozen", () => {
    expect(Object.isFrozen(EMPTY_LIST)).toBe(true);
  });
});
