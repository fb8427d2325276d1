import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../model/gfp.js";
import {
  parseRegression,
  type RegressionCase,
  RegressionFileError,
  regressionFileName,
  serializeRegression,
} from "./regression-file.js";
import { parseContext } from "./regression-store.js";

const CASE: RegressionCase = {
  name: "coalescing with planted fault skip-merge",
  description: "order-1 buddies at pfn 0 and 2 are both free but not merged",
  property: "coalescing",
  policy: "baseline",
  config: { zone: { nrPages: 1024, maxPageOrder: 6, pageblockOrder: 3, faults: ["skip-merge"] }, kernel: {} },
  expected: "violated",
  violation: {
    invariant: "coalescing",
    step: 2,
    message: "order-1 buddies at pfn 0 and 2 are both free but not merged",
  },
  provenance: { seed: 1, path: "0", numRuns: 100, foundLength: 50 },
  ops: [
    { kind: "alloc", order: 0, gfp: GFP_KERNEL, cpu: 0 },
    { kind: "free", handle: 1, cpu: 0 },
    { kind: "drain", cpu: "all" },
  ],
};

function mutate(edit: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(serializeRegression(CASE)) as Record<string, unknown>;
  edit(json);
  return JSON.stringify(json);
}

function errorOf(text: string): RegressionFileError {
  try {
    parseRegression(text, "regressions/x.json", parseContext());
  } catch (error) {
    if (error instanceof RegressionFileError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("regression files", () => {
  it("round-trip through their text form", () => {
    const text = serializeRegression(CASE);
    expect(parseRegression(text, "x.json", parseContext())).toEqual(CASE);
    expect(text).toContain('{"op":"alloc","order":0,"gfp":"GFP_KERNEL","cpu":0}');
  });

  it("are named by a hash of what the case is, not how it was found", () => {
    const renamed = { ...CASE, name: "another name", provenance: null };
    expect(regressionFileName(renamed)).toBe(regressionFileName(CASE));
    expect(regressionFileName({ ...CASE, ops: CASE.ops.slice(1) })).not.toBe(regressionFileName(CASE));
    expect(regressionFileName(CASE)).toMatch(/^coalescing--[0-9a-f]{12}\.json$/);
  });

  it.each([
    ["truncated JSON", serializeRegression(CASE).slice(0, 100), "", "not valid JSON"],
    [
      "an older schema",
      mutate((j) => (j.schema = "gfpcheck-regression/0")),
      "schema",
      'this gfpcheck reads "gfpcheck-regression/1"',
    ],
    ["an unknown property", mutate((j) => (j.property = "no-such")), "property", 'unknown property "no-such"'],
    ["an unknown policy", mutate((j) => (j.policy = "nope")), "policy", 'unknown policy "nope"'],
    ["a bad verdict", mutate((j) => (j.expected = "inconclusive")), "expected", 'expected "holds" or "violated"'],
    [
      "a misspelt gfp flag",
      mutate(
        (j) =>
          ((j.ops as { gfp?: string }[])[0] = {
            op: "alloc",
            order: 0,
            gfp: "GFP_KERNEL|__GFP_NORETYR",
            cpu: 0,
          } as never),
      ),
      "ops[0].gfp",
      "__GFP_NORETRY",
    ],
    ["an unknown op", mutate((j) => ((j.ops as unknown[])[1] = { op: "munmap" })), "ops[1].op", '"munmap"'],
    [
      "a negative order",
      mutate((j) => ((j.ops as unknown[])[0] = { op: "alloc", order: -1, gfp: "GFP_KERNEL", cpu: 0 })),
      "ops[0].order",
      "integer",
    ],
    [
      "an extra op field",
      mutate((j) => ((j.ops as unknown[])[2] = { op: "drain", cpu: "all", zone: 1 })),
      "ops[2].zone",
      "unknown field",
    ],
    [
      "a zone that is not a multiple of a pageblock",
      mutate((j) => ((j.config as { zone: { nrPages: number } }).zone.nrPages = 1020)),
      "config.zone.nrPages",
      "multiple of the pageblock size",
    ],
    [
      "an unknown planted fault",
      mutate((j) => ((j.config as { zone: { faults: string[] } }).zone.faults = ["gremlins"])),
      "config.zone.faults[0]",
      '"gremlins"',
    ],
    [
      "a THP setting that is not a boolean",
      mutate((j) => ((j.config as { zone: { thpEnabled: unknown } }).zone.thpEnabled = "madvise")),
      "config.zone.thpEnabled",
      "true or false",
    ],
    [
      "an unknown kernel option",
      mutate((j) => ((j.config as { kernel: object }).kernel = { hugepages: true })),
      "config.kernel.hugepages",
      "unknown option",
    ],
  ])("refuse %s, naming the file and the field", (_what, text, field, words) => {
    const error = errorOf(text);
    expect(error.file).toBe("regressions/x.json");
    expect(error.field).toBe(field);
    expect(error.message).toContain("regressions/x.json");
    expect(error.message).toContain(words);
  });
});
