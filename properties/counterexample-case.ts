/** Turns a property's counterexample into a regression case worth committing. */

import type { SystemConfig } from "../model/system.js";
import type { PropertyResult } from "./check-property.js";
import type { RegressionCase } from "./regression-file.js";

export function counterexampleCase(
  result: PropertyResult,
  policy: string,
  config: SystemConfig,
  numRuns: number,
): RegressionCase | undefined {
  const cx = result.counterexample;
  const first = cx?.violations[0];
  if (cx === null || first === undefined) return undefined;
  const faults = config.zone?.faults ?? [];
  // The policy is named by id; its functions do not belong in a JSON file.
  const { policy: _policy, ...saved } = config;
  const where = faults.length > 0 ? ` with planted fault ${faults.join("+")}` : ` under ${policy}`;
  const when = first.step === -1 ? "at the end of the run" : `at step ${first.step}`;
  return {
    name: `${result.property}${where}: violated ${when} of ${cx.ops.length} ops`,
    description: first.message,
    property: result.property,
    policy,
    config: saved,
    expected: "violated",
    violation: { invariant: first.invariant, step: first.step, message: first.message },
    provenance: { seed: cx.seed, path: cx.path, numRuns, foundLength: cx.foundLength },
    ops: cx.ops,
  };
}
