/**
 * mm/vmstat.c views of a zone: the fragmentation indices compaction and reclaim consult, and
 * the /proc/buddyinfo and /proc/pagetypeinfo text a kernel developer already knows how to read.
 */

import { MIGRATE_TYPES, MIGRATETYPE_NAMES, type Migratetype } from "./migratetype.js";
import { sparseGet } from "./persistent/sparse-array.js";
import { freeAreaNrFree, freeList, nrPageblocks, pageblockNrPages, type ZoneState } from "./zone.js";

/** struct contig_page_info */
export interface ContigPageInfo {
  readonly freePages: number;
  readonly freeBlocksTotal: number;
  /** Free blocks in units of the requested order. */
  readonly freeBlocksSuitable: number;
}

/** mm/vmstat.c fill_contig_page_info(): from nr_free per order; pcp pages are not counted. */
export function fillContigPageInfo(zone: ZoneState, suitableOrder: number): ContigPageInfo {
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let order = 0; order <= zone.config.maxPageOrder; order++) {
    const blocks = freeAreaNrFree(zone, order);
    freeBlocksTotal += blocks;
    freePages += blocks << order;
    if (order >= suitableOrder) freeBlocksSuitable += blocks << (order - suitableOrder);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/**
 * mm/vmstat.c __fragmentation_index(): only meaningful when an allocation of this order would
 * fail. 0 means it fails for lack of memory, 1000 for fragmentation; -1000 when a suitable
 * block exists after all; 0 with no free blocks.
 */
export function fragmentationIndexOf(order: number, info: ContigPageInfo): number {
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable > 0) return -1000;
  const requested = 2 ** order;
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/** mm/vmstat.c fragmentation_index() */
export function fragmentationIndex(zone: ZoneState, order: number): number {
  // __fragmentation_index(): `if (WARN_ON_ONCE(order > MAX_PAGE_ORDER)) return 0;`
  if (order > zone.config.maxPageOrder) return 0;
  return fragmentationIndexOf(order, fillContigPageInfo(zone, order));
}

/**
 * mm/vmstat.c unusable_free_index(): the share of free memory (in thousandths) in blocks too
 * small for this order; 1000 when nothing is free.
 */
export function unusableFreeIndex(zone: ZoneState, order: number): number {
  const info = fillContigPageInfo(zone, order);
  if (info.freePages === 0) return 1000;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/** mm/vmstat.c extfrag_for_order(): percent of free pages in blocks smaller than the order. */
export function extfragForOrder(zone: ZoneState, order: number): number {
  const info = fillContigPageInfo(zone, order);
  if (info.freePages === 0) return 0;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages);
}

const ZONE_NAME = "Normal";

function zoneHeader(): string {
  return `Node 0, zone ${ZONE_NAME.padStart(8)} `;
}

/** /proc/buddyinfo (frag_show_print): nr_free per order. */
export function buddyinfo(zone: ZoneState): string {
  let line = zoneHeader();
  for (let order = 0; order <= zone.config.maxPageOrder; order++)
    line += `${String(freeAreaNrFree(zone, order)).padStart(6)} `;
  return `${line}\n`;
}

/** Pageblocks per migratetype, as pagetypeinfo_showblockcount_print() counts them. */
export function pageblockCounts(zone: ZoneState): number[] {
  const counts = new Array<number>(MIGRATE_TYPES).fill(0);
  for (let i = 0; i < nrPageblocks(zone.config); i++) {
    const mt = sparseGet(zone.pageblockMt, i);
    if (mt !== undefined) counts[mt] = (counts[mt] ?? 0) + 1;
  }
  return counts;
}

/**
 * migratetype_names[] as a kernel with CONFIG_CMA prints them: CMA selects MEMORY_ISOLATION, so
 * both rows follow HighAtomic (alloc-flags.ts assumes CONFIG_CMA too). The model has no CMA area
 * and isolates no pageblock, so their free lists and pageblock counts are always 0.
 */
const PROC_MIGRATETYPE_NAMES: readonly string[] = [...MIGRATETYPE_NAMES, "CMA", "Isolate"];

/**
 * pagetypeinfo_showfree_print() stops counting a free list at 100000 entries
 * (`if (++freecount >= 100000) { overflow = true; break; }`) and prints ">100000".
 */
const PAGETYPEINFO_FREECOUNT_CAP = 100000;

/** One cell of the free-pages table: "%s%6lu " with ">" when the count was capped. */
function freecountCell(length: number): string {
  if (length >= PAGETYPEINFO_FREECOUNT_CAP) return `>${String(PAGETYPEINFO_FREECOUNT_CAP).padStart(6)} `;
  return `${String(length).padStart(6)} `;
}

/** /proc/pagetypeinfo (pagetypeinfo_show): free blocks per order and type, then pageblocks per type. */
export function pagetypeinfo(zone: ZoneState): string {
  const { maxPageOrder, pageblockOrder } = zone.config;
  const lines: string[] = [];
  lines.push(`Page block order: ${pageblockOrder}`);
  lines.push(`Pages per block:  ${pageblockNrPages(zone.config)}`);
  lines.push("");
  let header = `${"Free pages count per migrate type at order".padEnd(43)} `;
  for (let order = 0; order <= maxPageOrder; order++) header += `${String(order).padStart(6)} `;
  lines.push(header);
  PROC_MIGRATETYPE_NAMES.forEach((name, mt) => {
    let line = `Node ${"0".padStart(4)}, zone ${ZONE_NAME.padStart(8)}, type ${name.padStart(12)} `;
    for (let order = 0; order <= maxPageOrder; order++) {
      line += freecountCell(mt < MIGRATE_TYPES ? freeList(zone, order, mt as Migratetype).length : 0);
    }
    lines.push(line);
  });
  lines.push("");
  lines.push(
    `${"Number of blocks type ".padEnd(23)}${PROC_MIGRATETYPE_NAMES.map((n) => `${n.padStart(12)} `).join("")}`,
  );
  const modelled = pageblockCounts(zone);
  const counts = PROC_MIGRATETYPE_NAMES.map((_, mt) => modelled[mt] ?? 0);
  lines.push(`${zoneHeader()}${counts.map((c) => `${String(c).padStart(12)} `).join("")}`);
  return `${lines.join("\n")}\n`;
}
