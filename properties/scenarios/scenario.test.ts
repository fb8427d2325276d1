import { describe, expect, it } from "vitest";
import { BUILTIN_POLICIES, builtinPolicy } from "../../model/policies/index.js";
import { compareScenario, comparisonJson } from "./compare.js";
import {
  type ForkingServerShape,
  FULL_SCALE,
  forkingServerPlan,
  forkingServerScenario,
} from "./forking-server-checkpoint.js";

/** A small forking server: 32 MiB, one checkpoint; the full scale is for `compare` and `npm start`. */
const SMALL: ForkingServerShape = {
  ...FULL_SCALE,
  nrPages: 8192,
  backends: 120,
  checkpoints: 1,
  transactionsPerCycle: 100,
  checkpointWrites: 16,
};
const scenario = forkingServerScenario(SMALL);
const comparison = compareScenario(scenario, BUILTIN_POLICIES, 1);
const figures = (id: string) => {
  const found = comparison.policies.find((p) => p.policy === id);
  if (found === undefined) throw new Error(`no figures for ${id}`);
  return found;
};

describe("the forking-server-checkpoint plan", () => {
  it("is the same for the same seed and differs for another", () => {
    expect(forkingServerPlan(SMALL, 7)).toEqual(forkingServerPlan(SMALL, 7));
    expect(forkingServerPlan(SMALL, 7)).not.toEqual(forkingServerPlan(SMALL, 8));
  });

  it("lets the flusher run before a tenth of memory is dirty (vm.dirty_background_ratio)", () => {
    let dirty = 0;
    for (const { op } of forkingServerPlan(SMALL, 1)) {
      if (op.kind === "tick") dirty = 0;
      if (op.kind !== "write") continue;
      expect(dirty, "pages written since the last tick, before this write").toBeLessThan(SMALL.nrPages / 10);
      dirty += op.pages;
    }
  });

  it("ends every checkpoint window with a tick, so the background work its writes woke is measured", () => {
    const plan = forkingServerPlan(SMALL, 1);
    const lastOfEachCheckpoint = plan.filter(
      (s, i) => s.window === "checkpoint" && plan[i + 1]?.window !== "checkpoint",
    );
    expect(lastOfEachCheckpoint.map((s) => s.op.kind)).toEqual(Array(SMALL.checkpoints).fill("tick"));
  });

  it("asks for 2 MiB folios in its checkpoints, with min_order 0", () => {
    const checkpointWrites = forkingServerPlan(SMALL, 1).filter(
      (s) => s.window === "checkpoint" && s.op.kind === "write",
    );
    expect(checkpointWrites.some((s) => s.op.kind === "write" && s.op.pages === 512)).toBe(true);
    expect(scenario.system.workload?.pagecache?.minOrder ?? 0).toBe(0);
  });
});

describe("compare on forking-server-checkpoint", () => {
  it("lists baseline first, at a relative throughput of exactly 1, then the others in the order given", () => {
    expect(comparison.policies.map((p) => p.policy)).toEqual(BUILTIN_POLICIES.map((p) => p.id));
    expect(figures("baseline").relativeThroughput).toBe(1);
  });

  it("gives the same figures for the same seed", () => {
    const again = compareScenario(
      scenario,
      [builtinPolicy("baseline"), builtinPolicy("compact-once")].flatMap((p) => (p ? [p] : [])),
      1,
    );
    expect(comparisonJson(again).policies).toEqual(
      comparisonJson(comparison).policies.filter((p) => p.policy === "baseline" || p.policy === "compact-once"),
    );
  });

  it("has the `compare --json` fields and nothing else", () => {
    const json = comparisonJson(comparison);
    expect(Object.keys(json)).toEqual(["scenario", "seed", "policies"]);
    for (const p of json.policies) {
      expect(Object.keys(p)).toEqual(["policy", "relativeThroughput", "counters"]);
      expect(Object.keys(p.counters).sort()).toEqual(
        [
          "compactPagesScanned",
          "directCompactions",
          "directReclaims",
          "drainAllPages",
          "enomem",
          "folioOrders",
          "kcompactdWakes",
          "kswapdWakes",
          "slowpathEntries",
          "writes",
        ].sort(),
      );
    }
  });

  it("counts every folio the writes created, by order, and each -ENOMEM as order -1", () => {
    for (const p of comparison.policies) {
      const folios = Object.values(p.counters.folioOrders).reduce((n, c) => n + c, 0);
      expect(folios, p.policy).toBe(p.writeCounters.filemapFolios + p.writeCounters.filemapFolioEnomem);
      expect(p.counters.folioOrders["-1"] ?? 0, p.policy).toBe(p.counters.enomem);
    }
  });

  it("reproduces the thread's symptom under baseline: checkpoint writes run direct compaction and drain_all_pages", () => {
    const base = figures("baseline").counters;
    expect(base.directCompactions).toBeGreaterThan(0);
    expect(base.compactPagesScanned).toBeGreaterThan(0);
    expect(base.drainAllPages).toBeGreaterThan(0);
  });

  it.each(["filemap-no-direct-reclaim", "folio-order-range"])(
    "%s never compacts for a write: every order above min_order skips direct reclaim, and order 0 never compacts",
    (id) => {
      expect(figures(id).counters.directCompactions).toBe(0);
      expect(figures(id).counters.compactPagesScanned).toBe(0);
    },
  );
});
