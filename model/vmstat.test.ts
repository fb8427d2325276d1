/**
 * mm/vmstat.c views (research/buddy.md §9): golden vectors for fragmentation_index(),
 * unusable_free_index() and extfrag_for_order() from hand-built free lists, with the kernel's
 * integer arithmetic written out, and the exact /proc/buddyinfo and /proc/pagetypeinfo text of a
 * small zone against the kernel's seq_printf() formats.
 *
 * fill_contig_page_info(): for every order, blocks = free_area[order].nr_free (all migratetypes,
 * pcp pages not counted); free_blocks_total += blocks; free_pages += blocks << order;
 * free_blocks_suitable += blocks << (order - suitable_order) for order >= suitable_order.
 *   __fragmentation_index(): 0 if !free_blocks_total; -1000 if free_blocks_suitable; else
 *     1000 - div_u64(1000 + div_u64(free_pages * 1000ULL, requested), free_blocks_total)
 *   unusable_free_index(): 1000 if !free_pages; else
 *     div_u64((free_pages - (free_blocks_suitable << order)) * 1000ULL, free_pages)
 *   extfrag_for_order(): 0 if !free_pages; else
 *     div_u64((free_pages - (free_blocks_suitable << order)) * 100, free_pages)
 */

import { describe, expect, it } from "vitest";
import { accountFreepages, addToFreeList } from "./buddy.js";
import {
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  type Migratetype,
} from "./migratetype.js";
import type { ListHead } from "./persistent/linked-list.js";
import {
  buddyinfo,
  extfragForOrder,
  fillContigPageInfo,
  fragmentationIndex,
  pagetypeinfo,
  unusableFreeIndex,
} from "./vmstat.js";
import { emptyZone, freeListIndex, setPageblockMigratetype, type ZoneState } from "./zone.js";

/** 2048 pages, MAX_PAGE_ORDER 10 (11 orders), pageblock_order 9: four pageblocks, all MOVABLE. */
function zone(): ZoneState {
  return emptyZone({ nrPages: 2048, maxPageOrder: 10, pageblockOrder: 9 });
}

/** Put free blocks on the lists, as __add_to_free_list() + account_freepages() would. */
function withFree(base: ZoneState, blocks: readonly { pfn: number; order: number; mt: Migratetype }[]): ZoneState {
  let next = base;
  for (const { pfn, order, mt } of blocks) {
    next = accountFreepages(addToFreeList(next, pfn, order, mt, true), 1 << order, mt);
  }
  return next;
}

/**
 * Zone A, used throughout:
 *   order 0: pfn 1, pfn 3 (Movable), pfn 513 (Unmovable)   nr_free[0] = 3
 *   order 1: pfn 6 (Movable), pfn 1026 (Reclaimable)       nr_free[1] = 2
 *   order 2: pfn 1540 (HighAtomic)                         nr_free[2] = 1
 *   order 3: pfn 8 (Movable)                               nr_free[3] = 1
 * free_pages = 3 + 2*2 + 1*4 + 1*8 = 19, free_blocks_total = 3 + 2 + 1 + 1 = 7.
 * Pageblocks: 0 Movable, 1 (pfn 512) Unmovable, 2 (pfn 1024) Reclaimable, 3 (pfn 1536) HighAtomic.
 */
function zoneA(): ZoneState {
  let z = zone();
  z = setPageblockMigratetype(z, 512, MIGRATE_UNMOVABLE);
  z = setPageblockMigratetype(z, 1024, MIGRATE_RECLAIMABLE);
  z = setPageblockMigratetype(z, 1536, MIGRATE_HIGHATOMIC);
  return withFree(z, [
    { pfn: 1, order: 0, mt: MIGRATE_MOVABLE },
    { pfn: 3, order: 0, mt: MIGRATE_MOVABLE },
    { pfn: 513, order: 0, mt: MIGRATE_UNMOVABLE },
    { pfn: 6, order: 1, mt: MIGRATE_MOVABLE },
    { pfn: 1026, order: 1, mt: MIGRATE_RECLAIMABLE },
    { pfn: 1540, order: 2, mt: MIGRATE_HIGHATOMIC },
    { pfn: 8, order: 3, mt: MIGRATE_MOVABLE },
  ]);
}

describe("fill_contig_page_info()", () => {
  it("counts blocks of every type, pages, and suitable blocks in units of the order (zone A)", () => {
    const z = zoneA();
    expect(z.nrFreePages).toBe(19);
    // suitable_order 0: every block, in pages: 3 + 2<<1 + 1<<2 + 1<<3 = 19.
    expect(fillContigPageInfo(z, 0)).toEqual({ freePages: 19, freeBlocksTotal: 7, freeBlocksSuitable: 19 });
    // suitable_order 2: 1<<0 (the order-2 block) + 1<<1 (the order-3 block) = 3.
    expect(fillContigPageInfo(z, 2)).toEqual({ freePages: 19, freeBlocksTotal: 7, freeBlocksSuitable: 3 });
    expect(fillContigPageInfo(z, 4)).toEqual({ freePages: 19, freeBlocksTotal: 7, freeBlocksSuitable: 0 });
  });
});

describe("fragmentation_index()", () => {
  it("is -1000 while a block of the order exists (zone A, orders 0 to 3)", () => {
    // "Fragmentation index only makes sense when a request would fail": free_blocks_suitable > 0.
    for (let order = 0; order <= 3; order++) expect(fragmentationIndex(zoneA(), order), `order ${order}`).toBe(-1000);
  });

  it("zone A above the largest free block: external fragmentation", () => {
    const z = zoneA();
    // order 4, requested 16: 19*1000/16 = 1187 (1187.5); (1000 + 1187)/7 = 312 (312.4); 1000 - 312 = 688.
    expect(fragmentationIndex(z, 4)).toBe(688);
    // order 9, requested 512: 19000/512 = 37 (37.1); 1037/7 = 148 (148.1); 1000 - 148 = 852.
    expect(fragmentationIndex(z, 9)).toBe(852);
    // order 10, requested 1024: 19000/1024 = 18 (18.6); 1018/7 = 145 (145.4); 1000 - 145 = 855.
    expect(fragmentationIndex(z, 10)).toBe(855);
  });

  it("two order-8 blocks for an order-9 request: 0, lack of memory", () => {
    const z = withFree(zone(), [
      { pfn: 0, order: 8, mt: MIGRATE_MOVABLE },
      { pfn: 512, order: 8, mt: MIGRATE_MOVABLE },
    ]);
    // free_pages 512, total 2: 512*1000/512 = 1000; (1000 + 1000)/2 = 1000; 1000 - 1000 = 0.
    expect(fragmentationIndex(z, 9)).toBe(0);
    // order 10: 512000/1024 = 500; 1500/2 = 750; 1000 - 750 = 250.
    expect(fragmentationIndex(z, 10)).toBe(250);
    expect(fragmentationIndex(z, 8)).toBe(-1000);
  });

  it("exactly extfrag_threshold: 16 pages in 4 blocks for an order-4 request give 500", () => {
    // orders 3 + 2 + 1 + 1 (no two of them buddies): free_pages 16, total 4, requested 16:
    // 16000/16 = 1000; (1000 + 1000)/4 = 500; 1000 - 500 = 500. compaction_suitable() calls
    // 0 <= 500 <= sysctl_extfrag_threshold (500) "lack of memory" and does not compact.
    const z = withFree(zone(), [
      { pfn: 8, order: 3, mt: MIGRATE_MOVABLE },
      { pfn: 4, order: 2, mt: MIGRATE_MOVABLE },
      { pfn: 2, order: 1, mt: MIGRATE_MOVABLE },
      { pfn: 18, order: 1, mt: MIGRATE_MOVABLE },
    ]);
    expect(fragmentationIndex(z, 4)).toBe(500);
  });

  it("100 scattered single pages for an order-9 request: 989, fragmentation", () => {
    const z = withFree(
      zone(),
      Array.from({ length: 100 }, (_, i) => ({ pfn: 2 * i + 1, order: 0, mt: MIGRATE_MOVABLE as Migratetype })),
    );
    // 100000/512 = 195 (195.3); 1195/100 = 11 (11.95); 1000 - 11 = 989.
    expect(fragmentationIndex(z, 9)).toBe(989);
  });

  it("is 0 with no free blocks at all, and -1000 for every order with one order-10 block", () => {
    for (const order of [0, 4, 9, 10]) expect(fragmentationIndex(zone(), order), `order ${order}`).toBe(0);
    const whole = withFree(zone(), [{ pfn: 0, order: 10, mt: MIGRATE_MOVABLE }]);
    for (let order = 0; order <= 10; order++) expect(fragmentationIndex(whole, order), `order ${order}`).toBe(-1000);
  });

  it(
    "an order above MAX_PAGE_ORDER gives 0 — __fragmentation_index() starts with " +
      "`if (WARN_ON_ONCE(order > MAX_ORDER)) return 0;` (research/buddy.md §9); vmstat.ts " +
      "fragmentationIndexOf() has no such check and computes 1000 - (1000 + 19000/2048)/7 = 856 for zone A at order 11",
    () => {
      expect(fragmentationIndex(zoneA(), 11)).toBe(0);
    },
  );
});

describe("unusable_free_index()", () => {
  it("zone A: the share of free memory in blocks too small for the order, in thousandths", () => {
    const z = zoneA();
    // order 0: suitable 19 pages: (19 - 19) * 1000 / 19 = 0.
    expect(unusableFreeIndex(z, 0)).toBe(0);
    // order 1: suitable 2 + 1<<1 + 1<<2 = 8 blocks of 2: (19 - 16) * 1000 / 19 = 3000/19 = 157 (157.9).
    expect(unusableFreeIndex(z, 1)).toBe(157);
    // order 2: suitable 1 + 1<<1 = 3 blocks of 4: (19 - 12) * 1000 / 19 = 7000/19 = 368 (368.4).
    expect(unusableFreeIndex(z, 2)).toBe(368);
    // order 3: suitable 1 block of 8: (19 - 8) * 1000 / 19 = 11000/19 = 578 (578.9).
    expect(unusableFreeIndex(z, 3)).toBe(578);
    // order 4: none: 19000/19 = 1000.
    expect(unusableFreeIndex(z, 4)).toBe(1000);
  });

  it("is 1000 with nothing free ('No free memory is interpreted as all free memory is unusable')", () => {
    for (const order of [0, 3, 10]) expect(unusableFreeIndex(zone(), order), `order ${order}`).toBe(1000);
  });
});

describe("extfrag_for_order()", () => {
  it("zone A: percent of free pages in blocks smaller than the order", () => {
    const z = zoneA();
    expect(extfragForOrder(z, 0)).toBe(0); // (19 - 19) * 100 / 19
    expect(extfragForOrder(z, 1)).toBe(15); // (19 - 16) * 100 / 19 = 300/19 = 15 (15.8)
    expect(extfragForOrder(z, 2)).toBe(36); // (19 - 12) * 100 / 19 = 700/19 = 36 (36.8)
    expect(extfragForOrder(z, 3)).toBe(57); // (19 - 8) * 100 / 19 = 1100/19 = 57 (57.9)
    expect(extfragForOrder(z, 4)).toBe(100); // 1900/19
  });

  it("is 0 with nothing free", () => {
    expect(extfragForOrder(zone(), 9)).toBe(0);
  });
});

describe("/proc/buddyinfo", () => {
  it("zone A: frag_show_print(): 'Node %d, zone %8s ' then '%6lu ' per order, then '\\n'", () => {
    expect(buddyinfo(zoneA())).toBe(
      "Node 0, zone   Normal      3      2      1      1      0      0      0      0      0      0      0 \n",
    );
  });

  it("an empty zone prints eleven zeros", () => {
    expect(buddyinfo(zone())).toBe(
      "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      0 \n",
    );
  });
});

describe("/proc/pagetypeinfo", () => {
  it("zone A: pagetypeinfo_show() line by line", () => {
    expect(pagetypeinfo(zoneA()).split("\n")).toEqual([
      // seq_printf(m, "Page block order: %d\n", pageblock_order);
      "Page block order: 9",
      // seq_printf(m, "Pages per block:  %lu\n", pageblock_nr_pages);
      "Pages per block:  512",
      // seq_putc(m, '\n');
      "",
      // pagetypeinfo_showfree(): "%-43s " of the title, "%6d " per order, '\n'.
      "Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 ",
      // pagetypeinfo_showfree_print(): "Node %4d, zone %8s, type %12s ", then "%s%6lu " per order (the
      // free_list length; ">" only past 100000), '\n'.
      "Node    0, zone   Normal, type    Unmovable      1      0      0      0      0      0      0      0      0      0      0 ",
      "Node    0, zone   Normal, type      Movable      2      1      0      1      0      0      0      0      0      0      0 ",
      "Node    0, zone   Normal, type  Reclaimable      0      1      0      0      0      0      0      0      0      0      0 ",
      "Node    0, zone   Normal, type   HighAtomic      0      0      1      0      0      0      0      0      0      0      0 ",
      // migratetype_names[] under CONFIG_CMA, which selects MEMORY_ISOLATION: two more rows, empty here.
      "Node    0, zone   Normal, type          CMA      0      0      0      0      0      0      0      0      0      0      0 ",
      "Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 ",
      // pagetypeinfo_showblockcount(): seq_printf(m, "\n%-23s", "Number of blocks type "), "%12s " per
      // type, '\n'.
      "",
      "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate ",
      // pagetypeinfo_showblockcount_print(): "Node %d, zone %8s ", "%12lu " per type, '\n'.
      "Node 0, zone   Normal            1            1            1            1            0            0 ",
      // The output ends with that '\n' (no page_owner mixed-count section).
      "",
    ]);
  });

  it("stops counting a free list at 100000 and prints >100000, as pagetypeinfo_showfree_print() does", () => {
    // A list that long needs a zone of 2^18 pages or more; only its length is printed, so the
    // test sets the length of zone A's order-0 Movable list directly.
    const withOrder0MovableLength = (length: number): ZoneState => {
      const z = zoneA();
      const freeLists = z.freeLists.slice();
      const index = freeListIndex(0, MIGRATE_MOVABLE);
      freeLists[index] = { ...(freeLists[index] as ListHead), length };
      return { ...z, freeLists };
    };
    const movableRow = (z: ZoneState) => pagetypeinfo(z).split("\n")[5] as string;
    expect(movableRow(withOrder0MovableLength(99999))).toMatch(/type {6}Movable {2}99999 {6}1 /);
    // `if (++freecount >= 100000) { overflow = true; break; }`, then "%s%6lu ": 100000 itself is capped.
    expect(movableRow(withOrder0MovableLength(100000))).toMatch(/type {6}Movable >100000 {6}1 /);
    expect(movableRow(withOrder0MovableLength(131072))).toMatch(/type {6}Movable >100000 {6}1 /);
  });
});
