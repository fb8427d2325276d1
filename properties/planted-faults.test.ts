import { describe, expect, it } from "vitest";
import { PLANTED_FAULTS } from "../model/fault-injection.js";
import { builtinPolicy } from "../model/policies/index.js";
import { checkProperty } from "./check-property.js";
import { INVARIANTS } from "./invariants/index.js";
import { HANDFUL_OF_OPS, PLANTED_FAULT_CASES, PLANTED_FAULT_RUNS, PLANTED_FAULT_SEED } from "./planted-fault-cases.js";
import { propertyById } from "./registry.js";

describe("every invariant catches a fault planted on purpose", () => {
  it("each invariant has a planted fault, and each planted fault belongs to an invariant", () => {
    const covered = new Set(PLANTED_FAULT_CASES.map((c) => c.invariant ?? c.property));
    expect(INVARIANTS.map((i) => i.id).filter((id) => !covered.has(id))).toEqual([]);
    const used = new Set(PLANTED_FAULT_CASES.map((c) => c.fault));
    expect(Object.keys(PLANTED_FAULTS).filter((f) => !used.has(f as never))).toEqual([]);
  });

  for (const { property: id, fault, invariant, policy: policyId, maxOps } of PLANTED_FAULT_CASES) {
    const catcher = invariant ?? id;
    it(`${catcher}${policyId ? ` (under ${policyId})` : ""} finds "${fault}" and shrinks it to ${maxOps ?? HANDFUL_OF_OPS} ops or fewer`, () => {
      const base = propertyById(id);
      if (base === undefined) throw new Error(`no property ${id}`);
      // Only the invariant under test: another one of the property might fire first.
      const property = { ...base, invariants: base.invariants.filter((inv) => inv.id === catcher) };
      expect(property.invariants).toHaveLength(1);
      const policy = policyId === undefined ? undefined : builtinPolicy(policyId);
      const zone = { ...base.system.zone, faults: [fault] };
      const result = checkProperty(property, {
        seed: PLANTED_FAULT_SEED,
        numRuns: PLANTED_FAULT_RUNS,
        system: { ...base.system, zone, ...(policy ? { policy } : {}) },
      });
      expect(result.verdict).toBe("violated");
      const cx = result.counterexample;
      if (cx === null) throw new Error("violated without a counterexample");
      expect(cx.violations.map((v) => v.invariant)).toContain(catcher);
      expect(cx.ops.length).toBeLessThanOrEqual(maxOps ?? HANDFUL_OF_OPS);
      expect(cx.violations[0]?.message.length).toBeGreaterThan(0);
    });
  }
});
