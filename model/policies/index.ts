/** The built-in policies, by id: what `gfpcheck check` runs and regression files name. */

import { baseline } from "./baseline.js";
import { compactOnce } from "./compact-once.js";
import type { Policy } from "./policy.js";

export const BUILTIN_POLICIES: readonly Policy[] = [baseline, compactOnce];

export function builtinPolicy(id: string): Policy | undefined {
  return BUILTIN_POLICIES.find((p) => p.id === id);
}

export type { Policy } from "./policy.js";
