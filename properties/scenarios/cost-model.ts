/**
 * The cost model of kernel-semantics.md §7: CPU time as a weighted sum of the work the model
 * counts. Every weight is an order-of-magnitude estimate of what the kernel does for one unit of
 * that work on a current x86-64 server, argued from the mechanism, not read off a benchmark and
 * never adjusted to make a policy come out ahead. Change one only with a better argument, and
 * say it in the comment.
 *
 * Throughput: the checkpoint windows are CPU-bound (the thread's server ran one backend per
 * vCPU), so the CPU time spent per page written, by the writer itself or by kswapd and kcompactd
 * on other CPUs, is what the transactions lose. Relative throughput is baseline's cost per page
 * written divided by the policy's; pages a write failed to write (ENOMEM) earn nothing.
 */

import type { AllocCounters } from "../../model/alloc-counters.js";

/** Nanoseconds per unit of work. */
export const COST_NS = Object.freeze({
  /**
   * copy_page_from_iter() of one 4 KiB page into the page cache: a memcpy at about 10 GB/s
   * per core, so about 400 ns. The work every write does however it gets its folios; it is
   * the "base latency" of §7, computed from the write's size rather than assumed.
   */
  copyPerPage: 400,
  /**
   * The page-cache work of one folio a write creates, whatever its size: the lookup miss in
   * __filemap_get_folio() (an xarray walk, ~50 ns); filemap_add_folio(): mem_cgroup_charge()
   * (page counter atomics, ~200 ns), the xarray store under xa_lock (~100 ns), the LRU add and
   * vmstat updates (~80 ns); iomap_write_begin()/iomap_write_end(): the folio lock, an
   * iomap_folio_state for a large folio (~100 ns), marking it dirty (__folio_mark_dirty(): the
   * xarray tag under xa_lock and the dirty accounting, ~200 ns); the dirty-ratelimit check
   * (~20 ns). About 800 ns in all: why large folios make buffered writes cheaper, and what a
   * policy that writes in smaller folios pays back.
   */
  writeFolio: 800,
  /**
   * One get_page_from_freelist() pass: the zonelist walk, a watermark check and a list removal
   * touch a handful of cache lines (struct zone, the free_area, the page); a few misses at
   * ~50 ns each.
   */
  freelistAttempt: 150,
  /** spin_lock_irqsave() + unlock of zone->lock, uncontended: an atomic and the irq flag save. */
  zoneLock: 50,
  /**
   * A wakeup that finds kswapd or kcompactd asleep: try_to_wake_up() takes the target
   * runqueue's lock and usually sends a reschedule IPI to its CPU; about a microsecond.
   */
  threadWakeup: 1000,
  /**
   * isolate_migratepages_block() / isolate_freepages_block() per pfn: read one struct page
   * (64 bytes, sequential, so the prefetcher hides most misses) and test a few flags.
   */
  compactScanPerPage: 20,
  /**
   * migrate_pages() of one base page: isolate it, unmap it (rmap walk, PTE clear, TLB flush),
   * copy 4 KiB (~400 ns), remap it; several microseconds in all.
   */
  migratePerPage: 3000,
  /**
   * shrink_folio_list() per folio scanned, whatever its size: lock it, check its references
   * through the rmap, and for a clean page-cache folio remove it from the mapping under the
   * xarray lock.
   */
  reclaimScanPerFolio: 200,
  /**
   * compact_zone() setup per run: compaction_suitable() and watermark checks, scanner position
   * set-up, lru_add_drain() of the local CPU; about a microsecond before scanning.
   */
  compactZoneRun: 1000,
  /**
   * The fixed part of a reclaim run's shrink_node() pass: shrink_slab() walks every registered
   * shrinker and shrink_lruvec() takes the lruvec locks; a few microseconds before any page is
   * freed. Charged once per direct reclaim call or kswapd run that made a pass with pages to
   * scan: a costly direct reclaim that finds compaction_ready() makes none. Not once per pass:
   * the model's LRU is thousands of times smaller than a server's, so its reclaim climbs the
   * priority ladder in many passes of a few pages each, where on a server priority 12 alone
   * scans thousands of pages (the per-page weight below carries that work).
   */
  reclaimPass: 3000,
  /**
   * drain_all_pages(), per online CPU: __drain_all_pages() reads every CPU's pcp count to build
   * cpus_with_pcps; each read pulls a cache line another CPU owns, ~100 ns.
   */
  drainCheckPerCpu: 100,
  /**
   * drain_all_pages(), per CPU with pcp pages: since 6.0 the caller drains remote CPUs itself
   * (spin_lock(&pcp->lock) on their pcp, a contended line, then free_pcppages_bulk()), ~300 ns
   * before the pages themselves.
   */
  drainPerCpu: 300,
  /** free_pcppages_bulk() per page returned: __free_one_page()'s merge loop under zone->lock. */
  drainPerPage: 50,
});

export type CostWeights = typeof COST_NS;

/** Where the nanoseconds of some work went; `total` is their sum. */
export interface CostBreakdown {
  readonly copy: number;
  /** The page-cache work per folio the writes created. */
  readonly folio: number;
  readonly freelist: number;
  readonly wakeups: number;
  readonly compaction: number;
  readonly reclaim: number;
  readonly drain: number;
  readonly total: number;
}

/**
 * CPU nanoseconds for the work in `counters`, plus copying `pagesWritten` pages. Background
 * work (kswapd reclaim, kcompactd scanning) is included: it runs on CPUs the backends needed.
 */
export function costOf(
  counters: AllocCounters,
  pagesWritten: number,
  nrCpus: number,
  w: CostWeights = COST_NS,
): CostBreakdown {
  const copy = pagesWritten * w.copyPerPage;
  const folio = counters.filemapFolios * w.writeFolio;
  const freelist = counters.getPageFromFreelistCalls * w.freelistAttempt + counters.zoneLocks * w.zoneLock;
  const wakeups = (counters.kswapdWakeups + counters.kcompactdWakeups) * w.threadWakeup;
  const scanned =
    counters.directCompactMigrateScanned +
    counters.directCompactFreeScanned +
    counters.kcompactdMigrateScanned +
    counters.kcompactdFreeScanned;
  const compaction =
    counters.compactZoneRuns * w.compactZoneRun +
    scanned * w.compactScanPerPage +
    counters.compactMigrateAttempted * w.migratePerPage;
  const reclaim =
    counters.reclaimRunsThatScanned * w.reclaimPass + counters.reclaimFoliosScanned * w.reclaimScanPerFolio;
  const drainsRun = counters.drainAllPagesCalls - counters.drainAllPagesSkipped;
  const drain =
    drainsRun * nrCpus * w.drainCheckPerCpu +
    counters.drainAllPagesCpus * w.drainPerCpu +
    counters.drainAllPagesPages * w.drainPerPage;
  return {
    copy,
    folio,
    freelist,
    wakeups,
    compaction,
    reclaim,
    drain,
    total: copy + folio + freelist + wakeups + compaction + reclaim + drain,
  };
}
