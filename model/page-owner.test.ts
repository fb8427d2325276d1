/**
 * page-owner.ts: splitting a folio in place (split_folio(), as migration does when no target of
 * the folio's size is left), and finding its pieces again.
 */

import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER_MOVABLE } from "./gfp.js";
import { MIGRATE_MOVABLE } from "./migratetype.js";
import {
  type Allocation,
  emptyPageOwners,
  folioPieces,
  getAllocation,
  handleAt,
  lruOldestFirst,
  type PageOwners,
  type PageUse,
  recordAllocation,
  setDirty,
  setReadahead,
  splitAllocation,
} from "./page-owner.js";

function record(owners: PageOwners, pfn: number, order: number, use: PageUse) {
  const alloc: Omit<Allocation, "handle"> = {
    pfn,
    order,
    gfp: GFP_HIGHUSER_MOVABLE,
    migratetype: MIGRATE_MOVABLE,
    use,
  };
  return recordAllocation(owners, alloc);
}

describe("splitAllocation()", () => {
  // Page cache: #1 at pfn 0 (order 0), #2 at pfn 8 (order 2, dirty), #3 at pfn 16 (order 0).
  let owners = emptyPageOwners(64);
  owners = record(owners, 0, 0, "pagecache").owners;
  owners = setDirty(record(owners, 8, 2, "pagecache").owners, 2, true);
  owners = record(owners, 16, 0, "pagecache").owners;
  const before = owners;
  const split = splitAllocation(before, 2);

  it("leaves the head page with the handle and gives each tail page a new one, in pfn order", () => {
    expect(split.pieces.map((p) => [p.handle, p.pfn, p.order])).toEqual([
      [2, 8, 0],
      [4, 9, 0],
      [5, 10, 0],
      [6, 11, 0],
    ]);
    for (const piece of split.pieces) {
      expect(getAllocation(split.owners, piece.handle)).toEqual(piece);
      expect(piece).toMatchObject({ use: "pagecache", dirty: true, gfp: GFP_HIGHUSER_MOVABLE });
      expect(handleAt(split.owners, piece.pfn)).toBe(piece.handle);
    }
    expect(split.owners.nextHandle).toBe(7);
  });

  it("copies PG_dirty to the tail pages but leaves PG_readahead on the head alone", () => {
    // __split_folio_to_order() copies a fixed set of head flags to each tail (PG_dirty among
    // them, PG_readahead not).
    const marked = splitAllocation(setReadahead(before, 2, true), 2);
    expect(marked.pieces.map((p) => [p.dirty, p.readahead ?? false])).toEqual([
      [true, true],
      [true, false],
      [true, false],
      [true, false],
    ]);
  });

  it("puts the tail pages on the file LRU just newer than the head", () => {
    // Oldest first: #1, #2, #3 before; the tails go between #2 and its newer neighbour #3.
    expect(lruOldestFirst(before)).toEqual([1, 2, 3]);
    expect(lruOldestFirst(split.owners)).toEqual([1, 2, 6, 5, 4, 3]);
  });

  it("lists a split folio's pieces, head first, and an unsplit one alone", () => {
    expect(folioPieces(split.owners, 2)).toEqual([2, 4, 5, 6]);
    expect(folioPieces(split.owners, 1)).toEqual([1]);
    expect(folioPieces(before, 2)).toEqual([2]);
  });

  it("leaves the input alone, and an order-0 folio as it is", () => {
    expect(getAllocation(before, 2)?.order).toBe(2);
    expect(before.nextHandle).toBe(4);
    expect(splitAllocation(before, 1).owners).toBe(before);
  });

  it("keeps anonymous memory off the LRU", () => {
    const anon = record(emptyPageOwners(64), 4, 2, "anon").owners;
    const pieces = splitAllocation(anon, 1);
    expect(pieces.pieces).toHaveLength(4);
    expect(lruOldestFirst(pieces.owners)).toEqual([]);
  });
});
