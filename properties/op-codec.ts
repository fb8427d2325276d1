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
  | { op: "tick" }
  | { op: "fork"; parent: number; cpu: number }
  | { op: "exit"; pid: number; cpu: number }
  | { op: "touch"; pid: number; region: "shared" | "private"; offset: number; pages: number; cpu: number }
  | { op: "write" | "read"; file: number; offset: number; pages: number; cpu: number }
  | { op: "truncate"; file: number; cpu: number };

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
    .with({ kind: "fork" }, (o): OpJson => ({ op: "fork", parent: o.parent, cpu: o.cpu }))
    .with({ kind: "exit" }, (o): OpJson => ({ op: "exit", pid: o.pid, cpu: o.cpu }))
    .with(
      { kind: "touch" },
      (o): OpJson => ({ op: "touch", pid: o.pid, region: o.region, offset: o.offset, pages: o.pages, cpu: o.cpu }),
    )
    .with(
      { kind: "write" },
      (o): OpJson => ({ op: "write", file: o.file, offset: o.offset, pages: o.pages, cpu: o.cpu }),
    )
    .with({ kind: "read" }, (o): OpJson => ({ op: "read", file: o.file, offset: o.offset, pages: o.pages, cpu: o.cpu }))
    .with({ kind: "truncate" }, (o): OpJson => ({ op: "truncate", file: o.file, cpu: o.cpu }))
    .exhaustive();
}

const PAGE_USES: readonly PageUse[] = ["anon", "shmem", "pagecache", "pgtable", "kernel", "slab"];

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
    case "fork":
      readKeys(value, ["op", "parent", "cpu"], field);
      return { kind: "fork", parent: readInt(value, "parent", field, 1), cpu: readInt(value, "cpu", field, 0, 1023) };
    case "exit":
      readKeys(value, ["op", "pid", "cpu"], field);
      return { kind: "exit", pid: readInt(value, "pid", field, 1), cpu: readInt(value, "cpu", field, 0, 1023) };
    case "touch": {
      readKeys(value, ["op", "pid", "region", "offset", "pages", "cpu"], field);
      if (value.region !== "shared" && value.region !== "private") {
        throw new FieldError(`${field}.region`, `expected "shared" or "private", got ${JSON.stringify(value.region)}`);
      }
      return {
        kind: "touch",
        pid: readInt(value, "pid", field, 1),
        region: value.region,
        offset: readInt(value, "offset", field),
        pages: readInt(value, "pages", field, 1, 1 << 26),
        cpu: readInt(value, "cpu", field, 0, 1023),
      };
    }
    case "write":
    case "read":
      readKeys(value, ["op", "file", "offset", "pages", "cpu"], field);
      return {
        kind,
        file: readInt(value, "file", field, 0, 1023),
        offset: readInt(value, "offset", field, 0, 1 << 24),
        pages: readInt(value, "pages", field, 1, 1 << 20),
        cpu: readInt(value, "cpu", field, 0, 1023),
      };
    case "truncate":
      readKeys(value, ["op", "file", "cpu"], field);
      return {
        kind: "truncate",
        file: readInt(value, "file", field, 0, 1023),
        cpu: readInt(value, "cpu", field, 0, 1023),
      };
    default:
      throw new FieldError(
        `${field}.op`,
        `expected one of alloc, free, drain, tick, fork, exit, touch, write, read, truncate; got ${JSON.stringify(kind)}`,
      );
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
    .with({ kind: "tick" }, () => "tick (flusher, kswapd, kcompactd)")
    .with({ kind: "fork" }, (o) => `fork ${o.parent} cpu=${o.cpu}`)
    .with({ kind: "exit" }, (o) => `exit ${o.pid} cpu=${o.cpu}`)
    .with(
      { kind: "touch" },
      (o) => `touch ${o.pid} ${o.region} pages ${o.offset}..${o.offset + o.pages - 1} cpu=${o.cpu}`,
    )
    .with({ kind: "write" }, (o) => `write file ${o.file} pages ${o.offset}..${o.offset + o.pages - 1} cpu=${o.cpu}`)
    .with({ kind: "read" }, (o) => `read file ${o.file} pages ${o.offset}..${o.offset + o.pages - 1} cpu=${o.cpu}`)
    .with({ kind: "truncate" }, (o) => `truncate file ${o.file} cpu=${o.cpu}`)
    .exhaustive();
}
