import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Deque,
  dequeBack,
  dequeEdit,
  dequeEditDone,
  dequeEditPopBack,
  dequeEditPopFront,
  dequeEditPushBack,
  dequeEditPushFront,
  dequeFront,
  dequeToArray,
  EMPTY_DEQUE,
} from "./chunked-deque.js";

/*
 * One-operation versions of the session functions, and a builder. The model itself always
 * works inside a session (a ZoneDraft); these let the tests check every single step in
 * isolation, with each version frozen before the next.
 */

/** chunked-deque.ts CHUNK: entries per chunk. */
const CHUNK = 32;

/** Builds a deque holding `values` front to back (fresh chunks, nothing shared). */
function dequeFromArray(values: readonly number[]): Deque {
  const middle: number[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) middle.push(values.slice(i, i + CHUNK));
  return { front: [], middle, back: [], length: values.length };
}

function dequePushFront(deque: Deque, value: number): Deque {
  const editor = dequeEdit(deque);
  dequeEditPushFront(editor, value);
  return dequeEditDone(editor);
}

function dequePushBack(deque: Deque, value: number): Deque {
  const editor = dequeEdit(deque);
  dequeEditPushBack(editor, value);
  return dequeEditDone(editor);
}

/** The deque without its front entry (the same deque when empty). */
function dequePopFront(deque: Deque): Deque {
  if (deque.length === 0) return deque;
  const editor = dequeEdit(deque);
  dequeEditPopFront(editor);
  return dequeEditDone(editor);
}

/** The deque without its back entry (the same deque when empty). */
function dequePopBack(deque: Deque): Deque {
  if (deque.length === 0) return deque;
  const editor = dequeEdit(deque);
  dequeEditPopBack(editor);
  return dequeEditDone(editor);
}

type Cmd =
  | { readonly kind: "pushFront" | "pushBack"; readonly value: number }
  | { readonly kind: "popFront" | "popBack" }
  /** Close the current edit session and open a new one on the result (sessions only). */
  | { readonly kind: "commit" };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pushFront" as const), value: fc.nat({ max: 1 << 20 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pushBack" as const), value: fc.nat({ max: 1 << 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("popFront" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("popBack" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("commit" as const) }) },
);
/**
 * Runs of one command (up to 40 times): a random mix alone seldom fills a chunk (32) from one
 * end, and the ownership rules matter exactly where chunks fill up and empty out.
 */
const cmds: fc.Arbitrary<Cmd[]> = fc
  .array(fc.tuple(cmd, fc.integer({ min: 1, max: 40 })), { maxLength: 40 })
  .map((runs) => runs.flatMap(([c, times]) => Array.from({ length: c.kind === "commit" ? 1 : times }, () => c)));

function deepFreeze(deque: Deque): Deque {
  for (const chunk of deque.middle) Object.freeze(chunk);
  Object.freeze(deque.middle);
  Object.freeze(deque.front);
  Object.freeze(deque.back);
  return Object.freeze(deque);
}

/** A plain array does the same thing: front at index 0. */
function applyToArray(model: number[], c: Cmd): number | undefined {
  if (c.kind === "pushFront") model.unshift(c.value);
  else if (c.kind === "pushBack") model.push(c.value);
  else if (c.kind === "popFront") return model.shift();
  else if (c.kind === "popBack") return model.pop();
  return undefined;
}

function checkShape(deque: Deque, expected: readonly number[]): void {
  expect(dequeToArray(deque)).toEqual(expected);
  expect(deque.length).toBe(expected.length);
  expect(dequeFront(deque)).toBe(expected[0]);
  expect(dequeBack(deque)).toBe(expected[expected.length - 1]);
  expect(deque.front.length).toBeLessThanOrEqual(32);
  expect(deque.back.length).toBeLessThanOrEqual(32);
  for (const chunk of deque.middle) {
    expect(chunk.length).toBeGreaterThan(0);
    expect(chunk.length).toBeLessThanOrEqual(32);
  }
}

describe("chunked deque", () => {
  it("the pure operations behave like an array and never change an older version", () => {
    fc.assert(
      fc.property(cmds, (commands) => {
        let deque = deepFreeze(EMPTY_DEQUE);
        const model: number[] = [];
        const versions: { deque: Deque; contents: number[] }[] = [];
        for (const c of commands) {
          const front = dequeFront(deque);
          const back = dequeBack(deque);
          const popped = applyToArray(model, c);
          if (c.kind === "pushFront") deque = dequePushFront(deque, c.value);
          else if (c.kind === "pushBack") deque = dequePushBack(deque, c.value);
          else if (c.kind === "popFront") {
            expect(popped).toBe(front);
            deque = dequePopFront(deque);
          } else if (c.kind === "popBack") {
            expect(popped).toBe(back);
            deque = dequePopBack(deque);
          }
          // Frozen: a write into a shared chunk or chunk array by a later operation throws.
          deque = deepFreeze(deque);
          checkShape(deque, model);
          versions.push({ deque, contents: model.slice() });
        }
        for (const v of versions) expect(dequeToArray(v.deque)).toEqual(v.contents);
      }),
      { numRuns: 200 },
    );
  });

  it("edit sessions give the same contents and leave every committed version intact", () => {
    fc.assert(
      fc.property(cmds, (commands) => {
        let committed = deepFreeze(EMPTY_DEQUE);
        let editor = dequeEdit(committed);
        const model: number[] = [];
        const versions: { deque: Deque; contents: number[] }[] = [];
        for (const c of commands) {
          if (c.kind === "commit") {
            committed = deepFreeze(dequeEditDone(editor));
            versions.push({ deque: committed, contents: model.slice() });
            editor = dequeEdit(committed);
            continue;
          }
          const expected = applyToArray(model, c);
          if (c.kind === "pushFront") dequeEditPushFront(editor, c.value);
          else if (c.kind === "pushBack") dequeEditPushBack(editor, c.value);
          else if (c.kind === "popFront") expect(dequeEditPopFront(editor)).toBe(expected);
          else expect(dequeEditPopBack(editor)).toBe(expected);
          checkShape(editor.deque, model);
        }
        checkShape(dequeEditDone(editor), model);
        for (const v of versions) expect(dequeToArray(v.deque)).toEqual(v.contents);
      }),
      { numRuns: 300 },
    );
  });

  it("a closed session refuses writes", () => {
    const editor = dequeEdit(EMPTY_DEQUE);
    dequeEditPushBack(editor, 1);
    dequeEditDone(editor);
    expect(() => dequeEditPushFront(editor, 2)).toThrow(/closed/);
    expect(() => dequeEditPopBack(editor)).toThrow(/closed/);
  });

  it("popping an empty deque changes nothing", () => {
    expect(dequePopFront(EMPTY_DEQUE)).toBe(EMPTY_DEQUE);
    expect(dequePopBack(EMPTY_DEQUE)).toBe(EMPTY_DEQUE);
    const editor = dequeEdit(EMPTY_DEQUE);
    expect(dequeEditPopFront(editor)).toBeUndefined();
    expect(editor.deque.length).toBe(0);
  });

  it("a push or pop copies the end chunk it writes and shares every chunk of the middle", () => {
    const base = dequeFromArray(Array.from({ length: 200 }, (_, i) => i));
    for (const next of [dequePushFront(base, -1), dequePushBack(base, 200), dequePopFront(base), dequePopBack(base)]) {
      // Every chunk of the base's middle is still in use, by reference, in the new version
      // (a pop from an empty end copies the middle chunk it starts from: one chunk, no more).
      const parts = [next.front, ...next.middle, next.back];
      const shared = base.middle.filter((chunk) => parts.includes(chunk)).length;
      expect(shared).toBeGreaterThanOrEqual(base.middle.length - 1);
    }
  });
});
