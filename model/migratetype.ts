/**
 * Migratetypes and the orders that matter to the allocator: include/linux/mmzone.h.
 *
 * CMA and ISOLATE are not modelled (no CMA areas, no memory hotplug / alloc_contig_range);
 * the free_area arrays are sized by MIGRATE_TYPES below, so adding them is one line each here.
 */

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
/** MIGRATE_PCPTYPES: the number of migratetypes that have per-CPU lists. */
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
export const MIGRATE_TYPES = 4;

export type Migratetype = 0 | 1 | 2 | 3;

export const MIGRATETYPE_NAMES: readonly string[] = ["Unmovable", "Movable", "Reclaimable", "HighAtomic"];

/** include/linux/mmzone.h: "costly" means order > PAGE_ALLOC_COSTLY_ORDER. */
export const PAGE_ALLOC_COSTLY_ORDER = 3;

/** include/linux/mmzone.h migratetype_is_mergeable(): only the pcp types merge across pageblocks. */
export function migratetypeIsMergeable(mt: Migratetype): boolean {
  return mt < MIGRATE_PCPTYPES;
}

export function migratetypeName(mt: Migratetype): string {
  return MIGRATETYPE_NAMES[mt] ?? `mt${mt}`;
}

export function isMigratetype(value: unknown): value is Migratetype {
  return value === 0 || value === 1 || value === 2 || value === 3;
}
