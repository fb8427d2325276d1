/**
 * The regression file format: one saved counterexample per JSON file, readable like a litmus
 * test of tools/memory-model: a name that says the scenario, a one-line description, the
 * expected verdict, then the ops.
 *
 * Parsing validates every field and names the file and the field in any error. Files written
 * for another schema version are refused with a message saying which version this gfpcheck
 * reads, rather than misread.
 */

import { createHash } from "node:crypto";
import { isPlantedFault } from "../model/fault-injection.js";
import { DEFAULT_KERNEL_OPTIONS, type KernelOptions } from "../model/kernel-options.js";
import type { Op, SystemConfig } from "../model/system.js";
import { buildZoneConfig, ZoneConfigError, type ZoneConfigInput } from "../model/zone-config.js";
import { FieldError, type OpJson, opFromJson, opToJson } from "./op-codec.js";

export const REGRESSION_SCHEMA = "gfpcheck-regression/1";

export type ExpectedVerdict = "holds" | "violated";

export interface RecordedViolation {
  readonly invariant: string;
  readonly step: number;
  readonly message: string;
}

export interface Provenance {
  /** fast-check seed and path of the failing run before shrinking; meaningful only while the generators stay the same. */
  readonly seed: number;
  readonly path: string;
  readonly numRuns: number;
  readonly foundLength: number;
}

export interface RegressionCase {
  readonly name: string;
  readonly description: string;
  readonly property: string;
  readonly policy: string;
  /** Zone and kernel settings; the policy is `policy`, by id. */
  readonly config: Omit<SystemConfig, "policy">;
  readonly expected: ExpectedVerdict;
  /** The violation seen when the case was saved (null for a case saved as "holds"). */
  readonly violation: RecordedViolation | null;
  readonly provenance: Provenance | null;
  readonly ops: readonly Op[];
}

export class RegressionFileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field === "" ? "" : `field "${field}": `}${problem}`);
    this.name = "RegressionFileError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const KERNEL_OPTION_KEYS: readonly (keyof KernelOptions)[] = [
  "kernelVariant",
  "highatomicNeedsMinReserve",
  "dma32Populated",
  "defragMode",
];

function readString(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (typeof value !== "string" || value.length === 0) {
    throw new FieldError(key, `expected a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readZone(value: unknown): ZoneConfigInput {
  if (!isRecord(value)) throw new FieldError("config.zone", "expected an object");
  const { faults, thpEnabled, ...rest } = value;
  for (const [key, v] of Object.entries(rest)) {
    if (v !== null && typeof v !== "number")
      throw new FieldError(`config.zone.${key}`, `expected a number, got ${JSON.stringify(v)}`);
  }
  if (thpEnabled !== undefined && typeof thpEnabled !== "boolean")
    throw new FieldError("config.zone.thpEnabled", `expected true or false, got ${JSON.stringify(thpEnabled)}`);
  if (faults !== undefined) {
    if (!Array.isArray(faults)) throw new FieldError("config.zone.faults", "expected an array of fault names");
    faults.forEach((f, i) => {
      if (!isPlantedFault(f))
        throw new FieldError(`config.zone.faults[${i}]`, `unknown planted fault ${JSON.stringify(f)}`);
    });
  }
  const zone = value as ZoneConfigInput;
  try {
    buildZoneConfig(zone);
  } catch (error) {
    if (error instanceof ZoneConfigError)
      throw new FieldError(`config.zone.${error.field}`, error.message.replace(`${error.field}: `, ""));
    throw error;
  }
  return zone;
}

function readKernel(value: unknown): Partial<KernelOptions> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new FieldError("config.kernel", "expected an object");
  for (const [key, v] of Object.entries(value)) {
    if (!KERNEL_OPTION_KEYS.includes(key as keyof KernelOptions)) {
      throw new FieldError(`config.kernel.${key}`, `unknown option (known: ${KERNEL_OPTION_KEYS.join(", ")})`);
    }
    const expectedType = typeof DEFAULT_KERNEL_OPTIONS[key as keyof KernelOptions];
    if (typeof v !== expectedType)
      throw new FieldError(`config.kernel.${key}`, `expected a ${expectedType}, got ${JSON.stringify(v)}`);
    if (key === "kernelVariant" && v !== "classic" && v !== "v7") {
      throw new FieldError("config.kernel.kernelVariant", `expected "classic" or "v7", got ${JSON.stringify(v)}`);
    }
  }
  return value as Partial<KernelOptions>;
}

function readViolation(value: unknown): RecordedViolation | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw new FieldError("violation", "expected an object or null");
  const step = value.step;
  if (typeof step !== "number" || !Number.isInteger(step) || step < -1)
    throw new FieldError("violation.step", "expected an integer >= -1");
  if (typeof value.invariant !== "string") throw new FieldError("violation.invariant", "expected a string");
  if (typeof value.message !== "string") throw new FieldError("violation.message", "expected a string");
  return { invariant: value.invariant, step, message: value.message };
}

function readProvenance(value: unknown): Provenance | null {
  if (value === null || value === undefined) return null;
  if (!isRecord(value)) throw new FieldError("provenance", "expected an object or null");
  const num = (key: string) => {
    const v = value[key];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new FieldError(`provenance.${key}`, "expected a number");
    return v;
  };
  if (typeof value.path !== "string") throw new FieldError("provenance.path", "expected a string");
  return { seed: num("seed"), path: value.path, numRuns: num("numRuns"), foundLength: num("foundLength") };
}

export interface ParseContext {
  readonly knownProperties: readonly string[];
  readonly knownPolicies: readonly string[];
}

/** Parses and validates the text of a regression file; every error names `file` and the field. */
export function parseRegression(text: string, file: string, context: ParseContext): RegressionCase {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RegressionFileError(
      file,
      "",
      // V8 quotes the offending text, newlines and all; an error must stay one line.
      `not valid JSON (${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ")})`,
    );
  }
  try {
    if (!isRecord(json)) throw new FieldError("", "expected a JSON object at the top level");
    if (json.schema !== REGRESSION_SCHEMA) {
      throw new FieldError(
        "schema",
        `this file says ${JSON.stringify(json.schema)}; this gfpcheck reads "${REGRESSION_SCHEMA}" (re-save the case with the gfpcheck that wrote it, or update it by hand)`,
      );
    }
    const property = readString(json, "property");
    if (!context.knownProperties.includes(property)) {
      throw new FieldError("property", `unknown property "${property}" (known: ${context.knownProperties.join(", ")})`);
    }
    const policy = readString(json, "policy");
    if (!context.knownPolicies.includes(policy)) {
      throw new FieldError("policy", `unknown policy "${policy}" (known: ${context.knownPolicies.join(", ")})`);
    }
    const expected = json.expected;
    if (expected !== "holds" && expected !== "violated") {
      throw new FieldError("expected", `expected "holds" or "violated", got ${JSON.stringify(expected)}`);
    }
    if (!isRecord(json.config)) throw new FieldError("config", "expected an object with zone and kernel settings");
    for (const key of Object.keys(json.config)) {
      if (key !== "zone" && key !== "kernel")
        throw new FieldError(`config.${key}`, "unknown field (allowed: zone, kernel)");
    }
    const config = { zone: readZone(json.config.zone), kernel: readKernel(json.config.kernel) };
    if (!Array.isArray(json.ops)) throw new FieldError("ops", "expected an array of ops");
    const ops = json.ops.map((op, i) => opFromJson(op, `ops[${i}]`));
    return {
      name: readString(json, "name"),
      description: readString(json, "description"),
      property,
      policy,
      config,
      expected,
      violation: readViolation(json.violation),
      provenance: readProvenance(json.provenance),
      ops,
    };
  } catch (error) {
    if (error instanceof FieldError) throw new RegressionFileError(file, error.field, error.problem);
    throw error;
  }
}

/** The JSON written to disk; keys in reading order. */
export function regressionToJson(c: RegressionCase): Record<string, unknown> {
  const ops: OpJson[] = c.ops.map(opToJson);
  return {
    schema: REGRESSION_SCHEMA,
    name: c.name,
    description: c.description,
    property: c.property,
    policy: c.policy,
    expected: c.expected,
    violation: c.violation,
    config: c.config,
    provenance: c.provenance,
    ops,
  };
}

/** Stable text: two-space JSON, one op per line so diffs of a case read op by op. */
export function serializeRegression(c: RegressionCase): string {
  const json = regressionToJson(c);
  const { ops, ...head } = json;
  const headText = JSON.stringify(head, null, 2);
  const opLines = (ops as OpJson[]).map((op) => `    ${JSON.stringify(op)}`).join(",\n");
  const opsText = opLines === "" ? "[]" : `[\n${opLines}\n  ]`;
  return `${headText.slice(0, -2)},\n  "ops": ${opsText}\n}\n`;
}

/** The content hash: what the case *is* (property, policy, config, ops), not how it was found. */
export function regressionHash(c: RegressionCase): string {
  const identity = JSON.stringify({
    property: c.property,
    policy: c.policy,
    config: c.config,
    ops: c.ops.map(opToJson),
  });
  return createHash("sha256").update(identity).digest("hex").slice(0, 12);
}

export function regressionFileName(c: RegressionCase): string {
  return `${c.property}--${regressionHash(c)}.json`;
}
