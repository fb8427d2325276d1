/**
 * Loading a user's policy: a TypeScript (or JavaScript) module outside the project, run through
 * tsx, that exports a Policy as `default` or as `policy`. It needs no import: the hooks receive
 * the gfp constants and helpers as their second argument. `import type` lines are erased on
 * load, so a file can import the Policy type for the compiler without the path resolving at run
 * time.
 *
 * Everything that can go wrong — no such file, a syntax error, a throw at load time, no export,
 * a field of the wrong shape, an id taken by a built-in — is a PolicyError naming the file and,
 * where there is one, the field.
 */

import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { BUILTIN_POLICIES, builtinPolicy } from "../model/policies/index.js";
import type { Policy } from "../model/policies/policy.js";
import { guardPolicy, PolicyError, validatePolicy } from "../model/policies/validate-policy.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * An error as one line, without the stack: what a user needs to find their mistake. esbuild
 * puts "Transform failed with 1 error:" first and the file:line:column second, so keep both.
 */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("at "));
  return lines.slice(0, 2).join(" ").slice(0, 400);
}

export async function loadPolicyFile(path: string, cwd: string): Promise<Policy> {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(absolute)) throw new PolicyError(path, "no such file");
  if (!statSync(absolute).isFile()) throw new PolicyError(path, "not a file");
  let module: Record<string, unknown>;
  try {
    // tsImport(), not import(): a .ts file outside a "type": "module" package is CommonJS to
    // Node, and a plain import() of it from this ESM process fails as a require() cycle.
    module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new PolicyError(path, `cannot load the module: ${oneLine(error)}`);
  }
  // Compiled as CommonJS, the file's exports arrive one level down, under `default`.
  const inner = isObject(module.default) && !("id" in module.default) ? module.default : module;
  const exported = inner.default ?? inner.policy;
  if (exported === undefined) {
    const names = Object.keys(inner).filter((name) => name !== "default" && name !== "module.exports");
    throw new PolicyError(
      path,
      `no policy exported: expected \`export default { id, title, proposedIn, ... }\` or \`export const policy = ...\`` +
        (names.length > 0 ? ` (found exports: ${names.join(", ")})` : ""),
    );
  }
  const policy = validatePolicy(exported, path);
  if (builtinPolicy(policy.id) !== undefined) {
    throw new PolicyError(path, `id: "${policy.id}" is a built-in policy's id; give yours its own`);
  }
  return guardPolicy(policy, path);
}

/** Does a --policy argument name a file rather than a built-in id? */
export function looksLikePolicyFile(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(?:[cm]?[jt]s)$/.test(arg);
}

/** `--policy ID|FILE`: a built-in by id, or a policy file. */
export async function resolvePolicy(arg: string, cwd: string): Promise<Policy> {
  if (looksLikePolicyFile(arg)) return loadPolicyFile(arg, cwd);
  const builtin = builtinPolicy(arg);
  if (builtin === undefined) {
    throw new PolicyError(
      arg,
      `unknown policy (built-in: ${BUILTIN_POLICIES.map((p) => p.id).join(", ")}; or give a policy file's path)`,
    );
  }
  return builtin;
}
