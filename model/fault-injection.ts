/**
 * Planted faults: deliberately broken variants of single mechanisms, switched on through
 * ZoneConfig.faults. They exist to prove that each invariant catches the class of bug it is
 * about (a property that no planted fault can trip proves nothing). The kernel's own analogue
 * is mm/fail_page_alloc.c: fault injection compiled into the real code path, off by default.
 *
 * Each fault names the one line it breaks; the sites are marked `hasFault(...)` in the model.
 */

export const PLANTED_FAULTS = {
  "skip-merge": "__free_one_page() stops merging above order 0",
  "wrong-buddy-pfn": "__find_buddy_pfn() returns pfn + (1 << order) instead of pfn ^ (1 << order)",
  "double-count-free": "account_freepages() adds a freed block to NR_FREE_PAGES twice",
  "keep-free-blocks-count":
    "__del_page_from_free_list() leaves a block of pageblock order or more in NR_FREE_PAGES_BLOCKS",
  "lose-expand-remainder": "expand() forgets to put the smallest split-off half back on a free list",
  "free-wrong-pfn": "__free_pages() hands back a block starting one page past the one allocated",
  "claim-keeps-pageblock-type":
    "try_to_claim_block() gives a pageblock's free pages to the requester's type but leaves the pageblock's type alone",
  "slowpath-skips-watermark": "get_page_from_freelist() allocates even when the min watermark check fails",
  "slowpath-never-gives-up":
    "__alloc_pages_slowpath() skips its two early exits: __GFP_NORETRY, and costly orders without __GFP_RETRY_MAYFAIL",
  "compact-once-forgets": "the compact-once policy never records a failed compaction",
  "min-order-without-reclaim":
    "__filemap_get_folio() makes its min_order attempt without __GFP_DIRECT_RECLAIM (the v1 patch's slip, planted in baseline)",
} as const;

export type PlantedFault = keyof typeof PLANTED_FAULTS;

export function isPlantedFault(value: unknown): value is PlantedFault {
  return typeof value === "string" && Object.hasOwn(PLANTED_FAULTS, value);
}
