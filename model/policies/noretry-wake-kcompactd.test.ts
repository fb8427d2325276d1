/**
 * P4 against the v3 patch: a costly __GFP_NORETRY request wakes kcompactd and fails before any
 * direct reclaim or compaction, on the 7.x slow path (where the patch sits) and on the classic
 * one (where the decision has to come before the initial compaction).
 */

import { describe, expect, it } from "vitest";
import { __GFP_NORETRY, GFP_HIGHUSER_MOVABLE } from "../gfp.js";
import type { KernelOptions } from "../kernel-options.js";
import { step } from "../system.js";
import { allocPath, counters, pathCounters } from "../test-support/alloc-path.js";
import { buildZone, pinnedLayout } from "../test-support/zone-layout.js";
import { noretryWakeKcompactd } from "./noretry-wake-kcompactd.js";

const VARIANTS: readonly KernelOptions["kernelVariant"][] = ["classic", "v7"];

describe("noretry-wake-kcompactd (P4)", () => {
  it.each(VARIANTS)("order 4, NORETRY, fragmented zone (%s): wake kcompactd, fail, no compaction", (variant) => {
    // model/slowpath.test.ts's fragmented zone: 200 free order-0 pages, a page table every 4
    // pages. Baseline compacts (async) before or after one reclaim; P4 stops at its decision
    // point. wakeup_kcompactd(): kcompactd sleeps and compaction_suitable() holds (200 free >
    // min 90 + compact_gap(4) 32), so it is woken.
    const built = buildZone({ nrPages: 2048, kernelVariant: variant, slot: pinnedLayout(200, 200) }).system;
    const system = { ...built, policy: noretryWakeKcompactd };
    const result = step(system, { kind: "alloc", order: 4, gfp: GFP_HIGHUSER_MOVABLE | __GFP_NORETRY, cpu: 0 });
    expect(allocPath(result.events)).toEqual([
      "fast_path fail",
      "wake_all_kswapds kswapd woken",
      "get_page_from_freelist fail",
      "wakeup_kcompactd woken",
      "nopage policy noretry-wake-kcompactd: wake-kcompactd-and-nopage",
    ]);
    expect(pathCounters(result.events)).toEqual(
      counters({ allocFailures: 1, wakeAllKswapds: 1, kswapdWakeups: 1, kcompactdWakeups: 1 }),
    );
  });
});
