/**
 * Which orders have per-CPU lists, and how (order, migratetype) maps to a list index:
 * mm/page_alloc.c pcp_allowed_order(), order_to_pindex(), pindex_to_order().
 */

import { MIGRATE_MOVABLE, MIGRATE_PCPTYPES, type Migratetype, PAGE_ALLOC_COSTLY_ORDER } from "./migratetype.js";
import type { ZoneConfig } from "./zone-config.js";

/** Lists for orders 0..PAGE_ALLOC_COSTLY_ORDER, MIGRATE_PCPTYPES each (NR_LOWORDER_PCP_LISTS). */
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

/** mm/page_alloc.c pcp_allowed_order(): low orders, plus the THP order when THP is configured. */
export function pcpAllowedOrder(config: ZoneConfig, order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER || (config.thpOrder !== null && order === config.thpOrder);
}

/** mm/page_alloc.c order_to_pindex(): the THP order has one movable and one "other" list. */
export function orderToPindex(order: number, mt: Migratetype): number {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (mt === MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + mt;
}

/** mm/page_alloc.c pindex_to_order() */
export function pindexToOrder(config: ZoneConfig, pindex: number): number {
  if (pindex >= NR_LOWORDER_PCP_LISTS) {
    if (config.thpOrder === null) throw new Error(`pindex ${pindex} needs a THP order`);
    return config.thpOrder;
  }
  return Math.floor(pindex / MIGRATE_PCPTYPES);
}
