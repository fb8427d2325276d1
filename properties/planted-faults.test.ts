import { describe, expect, it } from "vitest";
import { PLANTED_FAULTS } from "../model/fault-injection.js";
import { checkProperty } from "./check-property.js";
import { INVARIANTS } from "./invariants/index.js";
import { HANDFUL_OF_OPS, PLANTED_FAULT_CASES, PLANTED_FAULT_RUNS, PLANTED_FAULT_SEED } from "./planted-fault-cases.js";
import { propertyById } from "./registry.js";

describe("every invariant catches a fault planted on purpose", () => {
  it("each invariant has a planted fault, and each planted fault belongs to an invariant", () => {
    const covered = new Set(PLANTED_FAULT_CASES.map((c) => c.property));
    expect(INVARIANTS.map((i) => i.id).filter((id) => !covered.has(id))).toEqual([]);
    const used = new Set(PLANTED_FAULT_CASES.map((c) => c.fault));
    expect(Object.keys(PLANTED_FAULTS).filter((f) => !used.has(f as never))).toEqual([]);
  });

  for (const { property: id, fault } of PLANTED_FAULT_CASES) {
    it(`${id} finds "${fault}" and shrinks it to a handful of ops`, () => {
      const property = propertyById(id);
      if (property === undefined) throw new Error(`no property ${id}`);
      const zone = { ...property.system.zone, faults: [fault] };
      const result = checkProperty(property, {
        seed: PLANTED_FAULT_SEED,
        numRuns: PLANTED_FAULT_RUNS,
        system: { ...property.system, zone },
      });
      expect(result.verdict).toBe("violated");
      const cx = result.counterexample;
      if (cx === null) throw new Error("violated without a counterexample");
      expect(cx.violations.map((v) => v.invariant)).toContain(id);
      expect(cx.ops.length).toBeLessThanOrEqual(HANDFUL_OF_OPS);
      expect(cx.violations[0]?.message.length).toBeGreaterThan(0);
    });
  }
});
