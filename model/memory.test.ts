/**
 * memory.ts against kernel/fork.c and mm/mmap.c: fork gives the child its own pgd
 * (mm_init() -> pgd_alloc(), GFP_PGTABLE_USER); exit_mmap() frees the data pages at once, the
 * page tables after an RCU grace period (tlb_remove_table(); the model's grace period is the
 * next tick), and the pgd with the mm.
 */

import { describe, expect, it } from "vitest";
import type { TraceEvent } from "./events.js";
import { GFP_PGTABLE_USER } from "./gfp.js";
import { getProcess } from "./memory.js";
import { MIGRATE_UNMOVABLE } from "./migratetype.js";
import { getAllocation, handleAt } from "./page-owner.js";
import { initSystem, type Op, type System, step } from "./system.js";
import { buildZone, pinnedLayout } from "./test-support/zone-layout.js";

const SERVER = 1;
const CHILD = 2;

function run(system: System, ops: readonly Op[]): { system: System; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  let next = system;
  for (const op of ops) {
    const result = step(next, op);
    next = result.system;
    events.push(...result.events);
  }
  return { system: next, events };
}

function small(pgdOrder?: number): System {
  const memory = {
    sharedBufferPages: 16,
    privatePages: 8,
    ptrsPerPte: 4,
    ...(pgdOrder === undefined ? {} : { pgdOrder }),
  };
  return initSystem({ zone: { nrPages: 4096 }, workload: { memory } });
}

/** What each page freed in `events` was used for, in order, looked up in the state before. */
function freedUses(before: System, events: readonly TraceEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.name !== "mm_page_free") return [];
    const handle = handleAt(before.owners, e.pfn);
    const alloc = handle === undefined ? undefined : getAllocation(before.owners, handle);
    return [`${alloc?.use ?? "?"}/${e.order}`];
  });
}

describe("fork(): the child's pgd", () => {
  it.each([0, 1])("pgd_alloc() of order %i with GFP_PGTABLE_USER, unmovable, before any PTE page", (pgdOrder) => {
    const forked = run(small(pgdOrder), [{ kind: "fork", parent: SERVER, cpu: 0 }]);
    const allocs = forked.events.filter((e) => e.name === "mm_page_alloc" && e.pfn >= 0);
    expect(allocs).toHaveLength(1);
    const [pgd] = allocs;
    expect(pgd?.name === "mm_page_alloc" && [pgd.order, pgd.gfp_flags, pgd.migratetype]).toEqual([
      pgdOrder,
      GFP_PGTABLE_USER,
      MIGRATE_UNMOVABLE,
    ]);
  });
});

describe("exit(): data pages now, page tables after the RCU grace period, the pgd with the mm", () => {
  // The child touches 8 pages of the shared buffer (2 PTE pages, 8 shmem pages, which outlive
  // it) and 2 private pages (1 PTE page, 2 anon pages).
  const setUp = run(small(), [
    { kind: "fork", parent: SERVER, cpu: 0 },
    { kind: "touch", pid: CHILD, region: "shared", offset: 0, pages: 8, cpu: 0 },
    { kind: "touch", pid: CHILD, region: "private", offset: 0, pages: 2, cpu: 0 },
  ]).system;

  it("frees the anon pages and the pgd at exit; the three PTE pages stay allocated", () => {
    const exited = run(setUp, [{ kind: "exit", pid: CHILD, cpu: 0 }]);
    expect(freedUses(setUp, exited.events)).toEqual(["anon/0", "anon/0", "pgtable/0"]);
    expect(exited.system.memory.rcuPendingTables).toHaveLength(3);
    const outcome = step(setUp, { kind: "exit", pid: CHILD, cpu: 0 }).outcome;
    expect(outcome).toEqual({ kind: "exited", pid: CHILD, freed: 6 });
  });

  it("a fork before the grace period cannot get those PTE pages back; the next tick frees them", () => {
    const child = getProcess(setUp.memory, CHILD);
    const ptes = [...(child?.sharedPtes ?? []), ...(child?.privatePtes ?? [])].filter((h) => h !== undefined);
    const ptePfns = ptes.map((h) => getAllocation(setUp.owners, h)?.pfn);
    expect(ptePfns).toHaveLength(3);
    const exited = run(setUp, [{ kind: "exit", pid: CHILD, cpu: 0 }]).system;
    const refork = run(exited, [
      { kind: "fork", parent: SERVER, cpu: 0 },
      { kind: "touch", pid: 3, region: "shared", offset: 0, pages: 16, cpu: 0 },
    ]);
    const taken = refork.events.flatMap((e) => (e.name === "mm_page_alloc" && e.pfn >= 0 ? [e.pfn] : []));
    expect(taken.filter((pfn) => ptePfns.includes(pfn))).toEqual([]);
    const ticked = run(exited, [{ kind: "tick" }]);
    expect(freedUses(exited, ticked.events)).toEqual(["pgtable/0", "pgtable/0", "pgtable/0"]);
    expect(ticked.system.memory.rcuPendingTables).toEqual([]);
  });
});

describe("touch(): a shared fault whose page cannot be allocated", () => {
  it("frees the PTE page it preallocated (do_fault(): pte_free() of vmf->prealloc_pte)", () => {
    // 91 free pages, nothing reclaimable, min watermark 90: the PTE page takes the 91st; the
    // shmem page then fails (no reclaim, nothing for the OOM killer). The table stays empty.
    const system = buildZone({ nrPages: 2048, kernelVariant: "v7", slot: pinnedLayout(91, 0) }).system;
    const touched = run(system, [{ kind: "touch", pid: SERVER, region: "shared", offset: 0, pages: 1, cpu: 0 }]);
    const pte = touched.events.find((e) => e.name === "mm_page_alloc" && e.pfn >= 0);
    const freed = touched.events.filter((e) => e.name === "mm_page_free");
    expect(pte?.name === "mm_page_alloc" && pte.gfp_flags).toBe(GFP_PGTABLE_USER);
    expect(freed).toEqual([{ name: "mm_page_free", pfn: pte?.name === "mm_page_alloc" ? pte.pfn : -1, order: 0 }]);
    expect(getProcess(touched.system.memory, SERVER)?.sharedPtes[0]).toBeUndefined();
    expect(step(system, { kind: "touch", pid: SERVER, region: "shared", offset: 0, pages: 1, cpu: 0 }).outcome).toEqual(
      {
        kind: "touched",
        pid: SERVER,
        ptePages: 0,
        dataPages: 0,
        failed: true,
      },
    );
  });
});
