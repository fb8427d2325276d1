/**
 * The regressions/ directory: saving a new counterexample without ever overwriting what is
 * there, loading every case (refusing bad files with the file and field named), and replaying
 * a case to its verdict.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { builtinPolicy } from "../model/policies/index.js";
import type { Policy } from "../model/policies/policy.js";
import { initSystem } from "../model/system.js";
import type { Violation } from "./invariants/invariant.js";
import { KNOWN_POLICIES, propertyById, propertyIds } from "./registry.js";
import {
  type ExpectedVerdict,
  parseRegression,
  type RegressionCase,
  regressionFileName,
  serializeRegression,
} from "./regression-file.js";
import { type RunResult, runOps } from "./run-ops.js";

export interface SaveResult {
  readonly file: string;
  /** False when a file with the same content hash was already there (it is left alone). */
  readonly created: boolean;
}

/**
 * Writes the case under its content-hash name. An existing file of that name holds the same
 * case and is left alone; a new one is written to a temporary file first and renamed into
 * place, so a crash never leaves half a file and nothing is overwritten.
 */
export function saveRegression(dir: string, c: RegressionCase): SaveResult {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, regressionFileName(c));
  if (existsSync(file)) return { file, created: false };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeRegression(c), { flag: "wx" });
  if (existsSync(file)) {
    // Someone saved the same case meanwhile; theirs stays.
    rmSync(temporary);
    return { file, created: false };
  }
  renameSync(temporary, file);
  return { file, created: true };
}

export function parseContext() {
  return { knownProperties: propertyIds(), knownPolicies: KNOWN_POLICIES };
}

export function loadRegression(file: string): RegressionCase {
  return parseRegression(readFileSync(file, "utf8"), file, parseContext());
}

/** Every `*.json` in `dir`, in name order. */
export function regressionFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(dir, name));
}

export interface ReplayResult {
  readonly verdict: ExpectedVerdict;
  readonly violations: readonly Violation[];
  readonly run: RunResult;
}

/**
 * Runs the case's ops under its configuration, its policy (a built-in one by id, or the one
 * given, e.g. loaded from a user's file) and the invariants of its property.
 */
export function replayRegression(c: RegressionCase, options: { record?: boolean; policy?: Policy } = {}): ReplayResult {
  const property = propertyById(c.property);
  if (property === undefined) throw new Error(`unknown property ${c.property}`);
  const policy = options.policy ?? builtinPolicy(c.policy);
  if (policy === undefined) throw new Error(`policy "${c.policy}" is not built in; pass it to replay this case`);
  const run = runOps(initSystem({ ...c.config, policy }), c.ops, property.invariants, {
    record: options.record ?? false,
  });
  return { verdict: run.violations.length > 0 ? "violated" : "holds", violations: run.violations, run };
}
