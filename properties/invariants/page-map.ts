/**
 * Who claims each page: the buddy lists, a pcp list or an allocation. Built from scratch,
 * independently of the model's counters, so invariants can compare the two.
 */

import { sparseForEach } from "../../model/persistent/sparse-array.js";
import type { System } from "../../model/system.js";
import { forEachPcpPage } from "../../model/zone.js";

export type ClaimKind = "buddy" | "pcp" | "allocation";

export interface Claim {
  readonly kind: ClaimKind;
  readonly pfn: number;
  readonly order: number;
  /** Allocation handle, for "allocation" claims. */
  readonly handle?: number;
}

export interface PageMap {
  readonly claims: readonly Claim[];
  /** For each pfn, the index of the first claim covering it, or -1. */
  readonly firstClaim: Int32Array;
  /** Pages claimed by two claims: [pfn, claim index, other claim index]. */
  readonly doubles: readonly (readonly [number, number, number])[];
}

export function allClaims(system: System): Claim[] {
  const claims: Claim[] = [];
  sparseForEach(system.zone.freeBlocks, (pfn, block) => {
    claims.push({ kind: "buddy", pfn, order: block.order });
    return true;
  });
  forEachPcpPage(system.zone, (pfn, page) => {
    claims.push({ kind: "pcp", pfn, order: page.order });
  });
  sparseForEach(system.owners.byHandle, (handle, alloc) => {
    claims.push({ kind: "allocation", pfn: alloc.pfn, order: alloc.order, handle });
    return true;
  });
  return claims;
}

export function buildPageMap(system: System): PageMap {
  const nrPages = system.zone.config.nrPages;
  const claims = allClaims(system);
  const firstClaim = new Int32Array(nrPages).fill(-1);
  const doubles: [number, number, number][] = [];
  claims.forEach((claim, index) => {
    const end = Math.min(nrPages, claim.pfn + (1 << claim.order));
    for (let pfn = Math.max(0, claim.pfn); pfn < end; pfn++) {
      const previous = firstClaim[pfn] ?? -1;
      if (previous === -1) firstClaim[pfn] = index;
      else doubles.push([pfn, previous, index]);
    }
  });
  return { claims, firstClaim, doubles };
}

export function describeClaim(claim: Claim): string {
  const where =
    claim.kind === "allocation"
      ? `allocation #${claim.handle}`
      : claim.kind === "pcp"
        ? "a pcp list"
        : "the buddy lists";
  return `${where} (block pfn ${claim.pfn}, order ${claim.order})`;
}

/** Collapses a sorted list of pfns into "a-b, c" ranges for messages. */
export function formatPfnRanges(pfns: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pfns.length; ) {
    let j = i;
    while (j + 1 < pfns.length && pfns[j + 1] === (pfns[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${pfns[i]}` : `${pfns[i]}-${pfns[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
