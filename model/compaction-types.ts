/** The vocabulary of compaction: include/linux/compaction.h and the constants of mm/compaction.c. */

/** enum compact_result, in the kernel's order: try_to_compact_pages() takes the max over zones. */
export const COMPACT_RESULTS = [
  "COMPACT_NOT_SUITABLE_ZONE",
  "COMPACT_SKIPPED",
  "COMPACT_DEFERRED",
  "COMPACT_NO_SUITABLE_PAGE",
  "COMPACT_CONTINUE",
  "COMPACT_COMPLETE",
  "COMPACT_PARTIAL_SKIPPED",
  "COMPACT_CONTENDED",
  "COMPACT_SUCCESS",
] as const;

export type CompactResult = (typeof COMPACT_RESULTS)[number];

/** max(a, b) over enum compact_result, as try_to_compact_pages() keeps its best zone's (rc = max(status, rc)). */
export function maxCompactResult(a: CompactResult, b: CompactResult): CompactResult {
  return COMPACT_RESULTS.indexOf(a) >= COMPACT_RESULTS.indexOf(b) ? a : b;
}

/** enum compact_priority: a lower number tries harder. */
export const COMPACT_PRIO_SYNC_FULL = 0;
export const COMPACT_PRIO_SYNC_LIGHT = 1;
export const COMPACT_PRIO_ASYNC = 2;
export type CompactPriority = 0 | 1 | 2;
export const MIN_COMPACT_PRIORITY: CompactPriority = COMPACT_PRIO_SYNC_FULL;
export const MIN_COMPACT_COSTLY_PRIORITY: CompactPriority = COMPACT_PRIO_SYNC_LIGHT;
export const DEF_COMPACT_PRIORITY: CompactPriority = COMPACT_PRIO_SYNC_LIGHT;
export const INIT_COMPACT_PRIORITY: CompactPriority = COMPACT_PRIO_ASYNC;

export const COMPACT_PRIORITY_NAMES: readonly string[] = [
  "COMPACT_PRIO_SYNC_FULL",
  "COMPACT_PRIO_SYNC_LIGHT",
  "COMPACT_PRIO_ASYNC",
];

/** enum migrate_mode, as far as compaction uses it. */
export type MigrateMode = "MIGRATE_ASYNC" | "MIGRATE_SYNC_LIGHT";

/** mm/compaction.c: do not skip compaction more than 1 << 6 = 64 times. */
export const COMPACT_MAX_DEFER_SHIFT = 6;

/** include/linux/swap.h SWAP_CLUSTER_MAX, which compaction uses as COMPACT_CLUSTER_MAX: pages isolated per batch. */
export const COMPACT_CLUSTER_MAX = 32;

/** mm/compaction.c sysctl_extfrag_threshold: costly compaction only when fragmentation_index > 500. */
export const SYSCTL_EXTFRAG_THRESHOLD = 500;

/** include/linux/compaction.h compact_gap(): free pages compaction needs as migration targets. */
export function compactGap(order: number): number {
  return 2 * 2 ** order;
}

/** page_alloc.c MAX_COMPACT_RETRIES */
export const MAX_COMPACT_RETRIES = 16;
