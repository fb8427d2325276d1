/**
 * DESIGN.md "Pure core": step(system, op) never modifies its inputs and is deterministic.
 *
 * Every input is deep-frozen before it is used. ESM modules run in strict mode, so any write to
 * a frozen object (a push onto a shared list head, an in-place trie update) throws a TypeError
 * instead of silently corrupting an older version. A JSON-ish snapshot taken before and after
 * each step also catches anything freezing cannot see.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fragmentingOps, type PlannedOp } from "../properties/arbitraries.js";
import { concretize } from "../properties/run-ops.js";
import { SMALL_ZONE, TINY_ZONE } from "../properties/test-zones.js";
import type { TraceEvent } from "./events.js";
import { initSystem, type Op, type Outcome, type System, step } from "./system.js";

function deepFreeze<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (value === null || typeof value !== "object" || seen.has(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  return Object.freeze(value);
}

/** JSON with `undefined` (trie holes, absent links) kept distinct from null. */
function snapshot(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v === undefined ? "<undefined>" : v));
}

interface Trace {
  readonly final: System;
  readonly ops: readonly Op[];
  readonly outcomes: readonly Outcome[];
  readonly events: readonly (readonly TraceEvent[])[];
}

/** Runs planned ops with every input frozen, checking each input is unchanged by its step. */
function runFrozen(initial: System, planned: readonly PlannedOp[]): Trace {
  let system = deepFreeze(initial);
  const ops: Op[] = [];
  const outcomes: Outcome[] = [];
  const events: (readonly TraceEvent[])[] = [];
  for (const p of planned) {
    const op = concretize(system, p);
    if (op === undefined) continue;
    deepFreeze(op);
    const before = snapshot(system);
    const opBefore = snapshot(op);
    const result = step(system, op);
    expect(snapshot(system)).toBe(before);
    expect(snapshot(op)).toBe(opBefore);
    expect(Object.isFrozen(result.events)).toBe(true);
    ops.push(op);
    outcomes.push(result.outcome);
    events.push(result.events);
    system = deepFreeze(result.system);
  }
  return { final: system, ops, outcomes, events };
}

const zones = [
  { name: "SMALL_ZONE", config: SMALL_ZONE, maxPageOrder: 6 },
  { name: "TINY_ZONE", config: TINY_ZONE, maxPageOrder: 5 },
] as const;

describe("step() purity", () => {
  it("deep-freezing really bites: a write into a frozen system throws", () => {
    const system = deepFreeze(initSystem({ zone: SMALL_ZONE }));
    const pcp = system.zone.pcp[0] as { count: number };
    expect(() => {
      pcp.count = 1;
    }).toThrow(TypeError);
    expect(() => (system.zone.freeLists as unknown[]).push(1)).toThrow(TypeError);
  });

  it.each(zones)("never writes to a frozen system or op ($name)", ({ config, maxPageOrder }) => {
    const nrCpus = config.nrCpus ?? 1;
    fc.assert(
      fc.property(fragmentingOps({ maxPageOrder, nrCpus }, { phaseLength: 40, maxPhases: 4 }), (planned) => {
        const initial = initSystem({ zone: config });
        runFrozen(initial, planned);
        // The initial system is still the booted zone, untouched by the whole run.
        expect(snapshot(initial)).toBe(snapshot(initSystem({ zone: config })));
      }),
      { numRuns: 8 },
    );
  });

  it("keeps every intermediate system intact while later steps run", () => {
    // Structural sharing means later systems reuse earlier nodes: replaying from any saved
    // intermediate must give the same continuation as the original run.
    fc.assert(
      fc.property(fragmentingOps({ maxPageOrder: 6, nrCpus: 2 }, { phaseLength: 30, maxPhases: 3 }), (planned) => {
        const systems: System[] = [];
        let system = deepFreeze(initSystem({ zone: SMALL_ZONE }));
        const ops: Op[] = [];
        for (const p of planned) {
          const op = concretize(system, p);
          if (op === undefined) continue;
          systems.push(system);
          ops.push(op);
          system = deepFreeze(step(system, op).system);
        }
        const middle = Math.floor(ops.length / 2);
        const from = systems[middle];
        if (from === undefined) return;
        let replay = from;
        for (const op of ops.slice(middle)) replay = step(replay, op).system;
        expect(replay).toEqual(system);
      }),
      { numRuns: 10 },
    );
  });
});

describe("step() determinism", () => {
  it("gives deeply equal systems, outcomes and events for the same ops from the same start", () => {
    fc.assert(
      fc.property(fragmentingOps({ maxPageOrder: 6, nrCpus: 2 }, { phaseLength: 40, maxPhases: 4 }), (planned) => {
        const a = runFrozen(initSystem({ zone: SMALL_ZONE }), planned);
        // The second run starts from a separate, unfrozen initial system and takes the concrete ops.
        let system = initSystem({ zone: SMALL_ZONE });
        const outcomes: Outcome[] = [];
        const events: (readonly TraceEvent[])[] = [];
        for (const op of a.ops) {
          const result = step(system, op);
          system = result.system;
          outcomes.push(result.outcome);
          events.push(result.events);
        }
        expect(system).toEqual(a.final);
        expect(outcomes).toEqual(a.outcomes);
        expect(events).toEqual(a.events);
      }),
      { numRuns: 10 },
    );
  });

  it("boots the same system every time", () => {
    expect(initSystem({ zone: SMALL_ZONE })).toEqual(initSystem({ zone: SMALL_ZONE }));
    expect(snapshot(initSystem())).toBe(snapshot(initSystem()));
  });
});
