/**
 * The replay's zone view (stateView) and its step-to-step changes (describeChanges), for what the
 * text and HTML replays print about pcp->high auto-tuning and ZONE_BELOW_HIGH.
 */

import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../../model/gfp.js";
import { initSystem, type System, step } from "../../model/system.js";
import { memoryMap } from "./memory-map.js";
import { describeChanges, stateView } from "./replay-model.js";

/** 1024 pages, 2 CPUs, batch 4; watermarks 64/80/96 from the kernel formulas. */
const ZONE = { nrPages: 1024, maxPageOrder: 6, pageblockOrder: 3, nrCpus: 2, pcpBatch: 4, pcpHigh: 16 } as const;

function allocOnCpu0(system: System): System {
  return step(system, { kind: "alloc", order: 0, gfp: GFP_KERNEL, cpu: 0 }).system;
}

function changes(before: System, after: System): string[] {
  return describeChanges(before, after, memoryMap(before.zone, before.owners), memoryMap(after.zone, after.owners));
}

describe("replay view of pcp->high", () => {
  it("shows each CPU's pcp->high where it is auto-tuned, and how a refill raised it", () => {
    const booted = initSystem({ zone: { ...ZONE, pcpHighMax: 64 } });
    const after = allocOnCpu0(booted);
    // nr_pcp_alloc(): high = clamp(0, 16, 64) + batch 4 = 20; a refill of 4, one taken.
    expect(stateView(after).counters).toBe(
      "NR_FREE_PAGES 1020, pcp 3 (cpu0 3/high 20, cpu1 0/high 0), allocated 1 page in 1 allocation; " +
        "watermarks min 64 low 80 high 96",
    );
    expect(changes(booted, after)).toContain("pcp->high cpu0 0 -> 20");
  });

  it("leaves a hand-set high out, as before", () => {
    const after = allocOnCpu0(initSystem({ zone: ZONE }));
    expect(stateView(after).counters).toBe(
      "NR_FREE_PAGES 1020, pcp 3 (cpu0 3, cpu1 0), allocated 1 page in 1 allocation; watermarks min 64 low 80 high 96",
    );
  });

  it("says when an allocation finds the zone below its high watermark (ZONE_BELOW_HIGH)", () => {
    // min_free_kbytes 2800: min 700, low 875, high 1050. 1024 free pages: below high, above low,
    // so the allocation goes ahead, sets the flag, and the refill does not raise pcp->high (16).
    const booted = initSystem({ zone: { ...ZONE, pcpHighMax: 64, minFreeKbytes: 2800 } });
    const after = allocOnCpu0(booted);
    expect(stateView(after).counters).toMatch(
      /cpu0 3\/high 16, .*watermarks min 700 low 875 high 1050, ZONE_BELOW_HIGH$/,
    );
    expect(changes(booted, after)).toEqual(expect.arrayContaining(["pcp->high cpu0 0 -> 16", "ZONE_BELOW_HIGH set"]));
  });
});
