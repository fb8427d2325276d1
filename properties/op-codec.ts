/**
 * Ops as they are written in regression files and printed in replays: one JSON object per op,
 * with gfp masks spelled the way kernel tracepoints print them, so a case reads like a trace:
 *   { "op": "alloc", "order": 9, "gfp": "GFP_HIGHUSER_MOVABLE|__GFP_NORETRY", "cpu": 0 }
 */

import { match } from "ts-pattern";
import { formatGfp, GfpParseError, parseGfp } from "../model/gfp.js";
import type { PageUse } from "../model/page-owner.js";
import type { Op } from "../model/system.js";

export type OpJson =
  | { op: "alloc"; order: number; gfp: string; cpu: number; use?: PageUse }
  | { op: "free"; handle: number; cpu: number }
  | { op: "drain"; cpu: number | "all" }
  | { op: "tick" };

export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field "${field}": ${problem}`);
    this.name = "FieldError";
  }
}

export function opToJson(op: Op): OpJson {
  return match(op)
    .with(
      { kind: "alloc" },
      (o): OpJson => ({
        op: "alloc",
        order: o.order,
        gfp: formatGfp(o.gfp),
        cpu: o.cpu,
        ...(o.use === undefined ? {} : { use: o.use }),
      }),
    )
    .with({ kind: "free" }, (o): OpJson => ({ op: "free", handle: o.handle, cpu: o.cpu }))
    .with({ kind: "drain" }, (o): OpJson => ({ op: "drain", cpu: o.cpu }))
    .with({ kind: "tick" }, (): OpJson => ({ op: "tick" }))
    .exhaustive();
}

const PAGE_USES: readonly PageUse[] = ["anon", "pagecache", "pgtable", "kernel", "slab"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readInt(obj: Record<string, unknown>, key: string, field: string, min = 0, max = 2 ** 31): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(`${field}.${key}`, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function readKeys(obj: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      throw new FieldError(`${field}.${key}`, `unknown field (allowed: ${allowed.join(", ")})`);
  }
}

/** Parses one op, naming the field (e.g. `ops[3].gfp`) in any error. */
export function opFromJson(value: unknown, field: string): Op {
  if (!isRecord(value)) throw new FieldError(field, `expected an object, got ${JSON.stringify(value)}`);
  const kind = value.op;
  switch (kind) {
    case "alloc": {
      readKeys(value, ["op", "order", "gfp", "cpu", "use"], field);
      const order = readInt(value, "order", field, 0, 30);
      if (typeof value.gfp !== "string")
        throw new FieldError(`${field}.gfp`, `expected a gfp string such as "GFP_KERNEL"`);
      let gfp: number;
      try {
        gfp = parseGfp(value.gfp);
      } catch (error) {
        if (error instanceof GfpParseError) throw new FieldError(`${field}.gfp`, error.message);
        throw error;
      }
      const cpu = readInt(value, "cpu", field, 0, 1023);
      if (value.use !== undefined && !PAGE_USES.includes(value.use as PageUse)) {
        throw new FieldError(
          `${field}.use`,
          `expected one of ${PAGE_USES.join(", ")}, got ${JSON.stringify(value.use)}`,
        );
      }
      return { kind: "alloc", order, gfp, cpu, ...(value.use === undefined ? {} : { use: value.use as PageUse }) };
    }
    case "free":
      readKeys(value, ["op", "handle", "cpu"], field);
      return { kind: "free", handle: readInt(value, "handle", field, 1), cpu: readInt(value, "cpu", field, 0, 1023) };
    case "drain": {
      readKeys(value, ["op", "cpu"], field);
      const cpu = value.cpu === "all" ? "all" : readInt(value, "cpu", field, 0, 1023);
      return { kind: "drain", cpu };
    }
    case "tick":
      readKeys(value, ["op"], field);
      return { kind: "tick" };
    default:
      throw new FieldError(`${field}.op`, `expected "alloc", "free", "drain" or "tick", got ${JSON.stringify(kind)}`);
  }
}

/** One line for replays and reports: `alloc order=9 gfp=GFP_HIGHUSER_MOVABLE cpu=0`. */
export function describeOp(op: Op): string {
  return match(op)
    .with(
      { kind: "alloc" },
      (o) => `alloc order=${o.order} gfp=${formatGfp(o.gfp)} cpu=${o.cpu}${o.use ? ` use=${o.use}` : ""}`,
    )
    .with({ kind: "free" }, (o) => `free #${o.handle} cpu=${o.cpu}`)
    .with({ kind: "drain" }, (o) => (o.cpu === "all" ? "drain_all_pages" : `drain cpu=${o.cpu}`))
    .with({ kind: "tick" }, () => "tick (kswapd, kcompactd)")
    .exhaustive();
}
