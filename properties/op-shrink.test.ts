/**
 * op-shrink.ts's domain simplifications, as candidates: two same-gfp allocations of one order
 * become one of the next order; two reads (or writes) become one longer one.
 */

import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../model/gfp.js";
import type { PlannedOp } from "./arbitraries.js";
import { shrinkSequence } from "./minimize.js";
import { plannedOpSimplifier } from "./op-shrink.js";

const simplifier = plannedOpSimplifier(10);
const candidates = (ops: readonly PlannedOp[], index: number) => [...simplifier.candidatesAt(ops, index)];

describe("plannedOpSimplifier", () => {
  it("merges two order-2 allocations of one gfp into one order-3 allocation", () => {
    const alloc: PlannedOp = { kind: "alloc", order: 2, gfp: GFP_KERNEL, cpu: 0 };
    expect(candidates([alloc, alloc], 0)[0]).toEqual([{ ...alloc, order: 3 }]);
  });

  it("merges two reads of one file into one read over their span, the first op's CPU", () => {
    const ops: PlannedOp[] = [
      { kind: "read", file: 5, offset: 64, pages: 8, cpu: 1 },
      { kind: "write", file: 5, offset: 0, pages: 4, cpu: 0 },
      { kind: "read", file: 5, offset: 16, pages: 4, cpu: 0 },
    ];
    expect(candidates(ops, 0)[0]).toEqual([
      { kind: "read", file: 5, offset: 16, pages: 56, cpu: 1 },
      { kind: "write", file: 5, offset: 0, pages: 4, cpu: 0 },
    ]);
  });

  it("merges reads of two files into the first one's read, longer by the second's pages", () => {
    const ops: PlannedOp[] = [
      { kind: "read", file: 4, offset: 0, pages: 8, cpu: 0 },
      { kind: "read", file: 6, offset: 32, pages: 16, cpu: 1 },
    ];
    expect(candidates(ops, 0)[0]).toEqual([{ kind: "read", file: 4, offset: 0, pages: 24, cpu: 0 }]);
  });

  it("lets shrinkSequence() turn many reads that only fill the page cache into one", () => {
    // The "failure", page-cache-like: at least 200 distinct pages read, then a write.
    const reads: PlannedOp[] = Array.from({ length: 30 }, (_, i) => ({
      kind: "read",
      file: 4 + (i % 4),
      offset: i * 8,
      pages: 8,
      cpu: i % 2,
    }));
    const write: PlannedOp = { kind: "write", file: 0, offset: 0, pages: 1, cpu: 0 };
    const cached = (ops: readonly PlannedOp[]) => {
      const pages = new Set<string>();
      for (const op of ops)
        if (op.kind === "read") for (let p = 0; p < op.pages; p++) pages.add(`${op.file}:${op.offset + p}`);
      return pages.size;
    };
    const fails = (ops: readonly PlannedOp[]) => ops.at(-1)?.kind === "write" && cached(ops) >= 200;
    const shrunk = shrinkSequence([...reads, write], fails, simplifier);
    expect(shrunk).toHaveLength(2);
    expect(fails(shrunk)).toBe(true);
  });
});
