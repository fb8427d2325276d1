/**
 * How a planned op sequence gets simpler, for minimize.ts: the buddy allocator's own notion of
 * "the same thing, smaller" (two order-k allocations are one order-k+1 allocation's worth of
 * pages; two reads are one longer read), plus the plain ones (CPU 0, the
 * oldest allocation, drain everything).
 */

import { __GFP_ACCOUNT, __GFP_COMP, __GFP_NOWARN, __GFP_ZERO, type GfpMask } from "../model/gfp.js";
import type { PlannedOp } from "./arbitraries.js";
import type { Simplifier } from "./minimize.js";

/**
 * How far apart two allocations may be to be merged; keeps a pass at O(n) candidates. A case
 * that fills a zone to just inside a watermark window needs its fill kept while its layout
 * changes, and the allocations that can merge are often more than 8 ops apart. Measured on the
 * slowpath-never-gives-up planted fault once compaction migrates the last folio it isolated
 * first: with a window of 8 the shrinker stopped at 52 ops (no op or pair removable, no merge in
 * reach), with 16 it reaches 16 ops, in fewer predicate calls (2,555 against 7,511).
 */
const MERGE_WINDOW = 16;

/** drain_all_pages is the simplest op: it hands every pcp page to the buddy lists at once. */
const DRAIN_ALL: PlannedOp = { kind: "drain", cpu: "all" };

function simpler(op: PlannedOp): PlannedOp[] {
  if (op.kind === "drain") return op.cpu === "all" ? [] : [DRAIN_ALL];
  if (op.kind === "tick") return [];
  // A run of frees that only mattered because they spilled a pcp list may be one drain.
  const out: PlannedOp[] = op.kind === "free" ? [DRAIN_ALL] : [];
  if (op.cpu !== 0) out.push({ ...op, cpu: 0 });
  if (op.kind === "free" && "pick" in op && op.pick !== 0) out.push({ ...op, pick: 0 });
  if (op.kind === "alloc") {
    if (op.order > 0) out.push({ ...op, order: op.order - 1 });
    const canonical = canonicalGfp(op.gfp);
    if (canonical !== op.gfp) out.push({ ...op, gfp: canonical });
  }
  return out;
}

/**
 * Flags that change nothing the model decides: zeroing, memcg accounting (memcgs are not
 * modelled), warnings, compound pages. Dropping them keeps every decision of the allocation the
 * same while letting, say, GFP_PGTABLE_USER and GFP_KERNEL allocations merge.
 */
const POLICY_NEUTRAL = __GFP_ZERO | __GFP_ACCOUNT | __GFP_NOWARN | __GFP_COMP;

function canonicalGfp(gfp: GfpMask): GfpMask {
  return gfp & ~POLICY_NEUTRAL;
}

export function plannedOpSimplifier(maxPageOrder: number): Simplifier<PlannedOp> {
  return {
    *candidatesAt(items, i) {
      const a = items[i];
      if (a === undefined) return;
      // Shorter first: merge two same-gfp allocations of one order into one of the next order.
      if (a.kind === "alloc" && a.order < maxPageOrder) {
        for (let j = i + 1; j < Math.min(items.length, i + 1 + MERGE_WINDOW); j++) {
          const b = items[j];
          if (b?.kind !== "alloc" || b.order !== a.order || b.gfp !== a.gfp || b.use !== a.use) continue;
          const merged = items.slice();
          merged[i] = { ...a, order: a.order + 1 };
          merged.splice(j, 1);
          yield merged;
        }
      }
      // Two reads (or two writes): one op. Of one file, over the span of both; of two files,
      // the first one made longer by the second's pages. A case that needs the page cache filled
      // keeps its fill in fewer ops.
      if (a.kind === "read" || a.kind === "write") {
        for (let j = i + 1; j < Math.min(items.length, i + 1 + MERGE_WINDOW); j++) {
          const b = items[j];
          if ((b?.kind !== "read" && b?.kind !== "write") || b.kind !== a.kind) continue;
          const start = Math.min(a.offset, b.offset);
          const merged = items.slice();
          merged[i] =
            b.file === a.file
              ? { ...a, offset: start, pages: Math.max(a.offset + a.pages, b.offset + b.pages) - start }
              : { ...a, pages: a.pages + b.pages };
          merged.splice(j, 1);
          yield merged;
        }
      }
      // Then equally long but simpler, including "allocate the way the first allocation does":
      // uniform allocations can then merge. (Each such change makes one more op like the first,
      // so this cannot cycle.)
      const first = items.find((op) => op.kind === "alloc");
      if (
        a.kind === "alloc" &&
        first?.kind === "alloc" &&
        a !== first &&
        (a.gfp !== first.gfp || a.use !== first.use)
      ) {
        const like: PlannedOp = {
          kind: "alloc",
          order: a.order,
          gfp: first.gfp,
          cpu: a.cpu,
          ...(first.use ? { use: first.use } : {}),
        };
        const next = items.slice();
        next[i] = like;
        yield next;
      }
      for (const variant of simpler(a)) {
        const next = items.slice();
        next[i] = variant;
        yield next;
      }
    },
  };
}
