import { describe, expect, it } from "vitest";
import { type AllocCounters, ZERO_ALLOC_COUNTERS } from "../../model/alloc-counters.js";
import { COST_NS, costOf } from "./cost-model.js";

const with_ = (fields: Partial<AllocCounters>): AllocCounters => ({ ...ZERO_ALLOC_COUNTERS, ...fields });

describe("costOf", () => {
  it("charges a write that only copies its pages the copy and nothing else", () => {
    expect(costOf(ZERO_ALLOC_COUNTERS, 10, 8)).toEqual({
      copy: 10 * COST_NS.copyPerPage,
      folio: 0,
      freelist: 0,
      wakeups: 0,
      compaction: 0,
      reclaim: 0,
      drain: 0,
      total: 10 * COST_NS.copyPerPage,
    });
  });

  it("puts each kind of work in its own bucket, direct and background alike", () => {
    const cost = costOf(
      with_({
        getPageFromFreelistCalls: 3,
        zoneLocks: 2,
        kswapdWakeups: 1,
        kcompactdWakeups: 1,
        compactZoneRuns: 2,
        directCompactMigrateScanned: 100,
        directCompactFreeScanned: 50,
        kcompactdMigrateScanned: 10,
        kcompactdFreeScanned: 5,
        compactMigrateAttempted: 4,
        filemapFolios: 6,
        directReclaims: 1,
        kswapdRuns: 1,
        reclaimPasses: 5,
        reclaimRunsThatScanned: 2,
        reclaimFoliosScanned: 7,
        directReclaimScanned: 30,
        kswapdScanned: 20,
        drainAllPagesCalls: 3,
        drainAllPagesSkipped: 1,
        drainAllPagesCpus: 5,
        drainAllPagesPages: 40,
      }),
      0,
      8,
    );
    expect(cost.freelist).toBe(3 * COST_NS.freelistAttempt + 2 * COST_NS.zoneLock);
    expect(cost.wakeups).toBe(2 * COST_NS.threadWakeup);
    expect(cost.compaction).toBe(
      2 * COST_NS.compactZoneRun + 165 * COST_NS.compactScanPerPage + 4 * COST_NS.migratePerPage,
    );
    expect(cost.folio).toBe(6 * COST_NS.writeFolio);
    // Per reclaim run that scanned, not per shrink_node() pass (see COST_NS.reclaimPass).
    // Per folio scanned (7), not per page (50): shrink_folio_list() works a folio at a time.
    expect(cost.reclaim).toBe(2 * COST_NS.reclaimPass + 7 * COST_NS.reclaimScanPerFolio);
    // Two drains ran (one was skipped on the busy mutex): each read all 8 CPUs' pcp counts.
    expect(cost.drain).toBe(2 * 8 * COST_NS.drainCheckPerCpu + 5 * COST_NS.drainPerCpu + 40 * COST_NS.drainPerPage);
    expect(cost.total).toBe(
      cost.copy + cost.folio + cost.freelist + cost.wakeups + cost.compaction + cost.reclaim + cost.drain,
    );
  });

  it("charges no reclaim pass for a costly direct reclaim that found compaction_ready()", () => {
    // shrink_zones(): `sc->compaction_ready = true; continue;`: no shrink_node(), no shrink_slab().
    const cost = costOf(with_({ directReclaims: 1, directReclaimCompactionReady: 1 }), 0, 8);
    expect(cost.reclaim).toBe(0);
  });

  it("does not charge counters that are views of work already charged (allocation calls, retries, fallbacks)", () => {
    const cost = costOf(with_({ allocCalls: 9, compactRetries: 3, fallbackSteals: 4, slowpathEntries: 2 }), 0, 8);
    expect(cost.total).toBe(0);
  });
});
