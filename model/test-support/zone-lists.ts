/**
 * The zone's lists as plain pfn arrays, for tests that compare them with hand-worked layouts:
 * one free list, every non-empty free list at once, one pcp list.
 */

import { MIGRATE_TYPES, type Migratetype } from "../migratetype.js";
import { dequeToArray } from "../persistent/chunked-deque.js";
import { listIds } from "../persistent/linked-list.js";
import { freeList, type ZoneState } from "../zone.js";

/** free_area[order].free_list[mt], head to tail. */
export function freeListPfns(zone: ZoneState, order: number, mt: Migratetype): number[] {
  return listIds(zone.freeBlocks, freeList(zone, order, mt));
}

/** Every non-empty free list as "order/mt": pfns, for whole-state comparisons. */
export function nonEmptyFreeLists(zone: ZoneState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let order = 0; order <= zone.config.maxPageOrder; order++) {
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      const pfns = freeListPfns(zone, order, mt as Migratetype);
      if (pfns.length > 0) out[`${order}/${mt}`] = pfns;
    }
  }
  return out;
}

/** pcp->lists[pindex] of `cpu`, head to tail ([] for a CPU or list that does not exist). */
export function pcpListPfns(zone: ZoneState, pindex: number, cpu = 0): number[] {
  const list = zone.pcp[cpu]?.lists[pindex];
  return list === undefined ? [] : dequeToArray(list);
}
