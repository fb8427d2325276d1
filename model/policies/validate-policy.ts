/**
 * Checking a policy that did not come from this repository: its shape when loaded, and what its
 * hooks return when called. A user's policy file is input like any other, so a mistake in it is
 * a clear error naming the file and the field, not a crash deep in the model or, worse, a
 * silently wrong verdict.
 */

import { __GFP_BITS_MASK } from "../gfp.js";
import type { BeforeReclaimDecision, Policy, SlowpathHooks } from "./policy.js";

/** A policy is malformed or misbehaved. `source` is the file (or "built-in") it came from. */
export class PolicyError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
    this.name = "PolicyError";
  }
}

const POLICY_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DECISIONS: readonly BeforeReclaimDecision[] = ["continue", "nopage", "wake-kcompactd-and-nopage"];
const KNOWN_FIELDS = ["id", "title", "proposedIn", "folioGfp", "slowpath", "folioRange"];
const SLOWPATH_FIELDS = ["entryGfp", "beforeReclaimOrCompaction", "compactOnce"];
const RANGE_FIELDS = ["freelistsFirst", "wakeKcompactdForStartOrder"];

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return typeof value === "object" ? "an object" : typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKnownFields(
  source: string,
  where: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new PolicyError(source, `${where}${key}: unknown field (known: ${known.join(", ")})`);
    }
  }
}

function optionalFunction(source: string, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw new PolicyError(source, `${field}: expected a function, got ${describe(value)}`);
  }
}

function requiredBoolean(source: string, field: string, value: unknown): void {
  if (typeof value !== "boolean")
    throw new PolicyError(source, `${field}: expected true or false, got ${describe(value)}`);
}

function validateSlowpath(source: string, value: unknown): void {
  if (value === undefined) return;
  if (!isRecord(value)) throw new PolicyError(source, `slowpath: expected an object, got ${describe(value)}`);
  onlyKnownFields(source, "slowpath.", value, SLOWPATH_FIELDS);
  optionalFunction(source, "slowpath.entryGfp", value.entryGfp);
  optionalFunction(source, "slowpath.beforeReclaimOrCompaction", value.beforeReclaimOrCompaction);
  if (value.compactOnce !== undefined) requiredBoolean(source, "slowpath.compactOnce", value.compactOnce);
}

function validateRange(source: string, value: unknown): void {
  if (value === undefined) return;
  if (!isRecord(value)) throw new PolicyError(source, `folioRange: expected an object, got ${describe(value)}`);
  onlyKnownFields(source, "folioRange.", value, RANGE_FIELDS);
  requiredBoolean(source, "folioRange.freelistsFirst", value.freelistsFirst);
  requiredBoolean(source, "folioRange.wakeKcompactdForStartOrder", value.wakeKcompactdForStartOrder);
}

/** The shape check: every field named in the error when it is wrong. */
export function validatePolicy(value: unknown, source: string): Policy {
  if (!isRecord(value)) throw new PolicyError(source, `the policy: expected an object, got ${describe(value)}`);
  onlyKnownFields(source, "", value, KNOWN_FIELDS);
  if (typeof value.id !== "string" || !POLICY_ID.test(value.id)) {
    throw new PolicyError(
      source,
      `id: expected lower-case letters, digits, '.', '_' or '-' (at most 64), got ${describe(value.id)}`,
    );
  }
  for (const field of ["title", "proposedIn"] as const) {
    const text = value[field];
    if (typeof text !== "string" || text.trim() === "") {
      throw new PolicyError(source, `${field}: expected a non-empty string, got ${describe(text)}`);
    }
  }
  optionalFunction(source, "folioGfp", value.folioGfp);
  validateSlowpath(source, value.slowpath);
  validateRange(source, value.folioRange);
  return value as unknown as Policy;
}

function checkedGfp(source: string, hook: string, mask: unknown): number {
  if (typeof mask !== "number" || !Number.isInteger(mask) || mask < 0 || (mask & ~__GFP_BITS_MASK) !== 0) {
    throw new PolicyError(source, `${hook} returned ${describe(mask)}, expected a gfp mask (an integer of GFP bits)`);
  }
  return mask;
}

function call<T>(source: string, hook: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new PolicyError(source, `${hook} threw: ${message}`);
  }
}

/**
 * The same policy with every hook checked at each call: a hook that throws or returns something
 * that is not a gfp mask (or a known decision) stops the run with a PolicyError.
 */
export function guardPolicy(policy: Policy, source: string): Policy {
  const { folioGfp, slowpath } = policy;
  const guardedSlowpath: SlowpathHooks | undefined = slowpath && {
    ...slowpath,
    ...(slowpath.entryGfp
      ? {
          entryGfp: (request, h) =>
            checkedGfp(
              source,
              "slowpath.entryGfp",
              call(source, "slowpath.entryGfp", () => slowpath.entryGfp?.(request, h)),
            ),
        }
      : {}),
    ...(slowpath.beforeReclaimOrCompaction
      ? {
          beforeReclaimOrCompaction: (request, h) => {
            const hook = "slowpath.beforeReclaimOrCompaction";
            const decision = call(source, hook, () => slowpath.beforeReclaimOrCompaction?.(request, h));
            if (!DECISIONS.includes(decision as BeforeReclaimDecision)) {
              throw new PolicyError(
                source,
                `${hook} returned ${describe(decision)}, expected one of ${DECISIONS.join(", ")}`,
              );
            }
            return decision as BeforeReclaimDecision;
          },
        }
      : {}),
  };
  return {
    ...policy,
    ...(folioGfp
      ? {
          folioGfp: (request, h) =>
            checkedGfp(
              source,
              "folioGfp",
              call(source, "folioGfp", () => folioGfp(request, h)),
            ),
        }
      : {}),
    ...(guardedSlowpath ? { slowpath: guardedSlowpath } : {}),
  };
}
