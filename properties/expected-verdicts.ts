/** The checked-in expected-verdict matrix (expected-verdicts.json), policy x property. */

import { readFileSync } from "node:fs";
import type { ExpectedVerdict } from "./regression-file.js";

const MATRIX_FILE = new URL("./expected-verdicts.json", import.meta.url);

export type VerdictMatrix = Readonly<Record<string, Readonly<Record<string, ExpectedVerdict>>>>;

export function loadExpectedVerdicts(): VerdictMatrix {
  const json = JSON.parse(readFileSync(MATRIX_FILE, "utf8")) as Record<string, unknown>;
  const matrix: Record<string, Record<string, ExpectedVerdict>> = {};
  for (const [policy, row] of Object.entries(json)) {
    if (policy.startsWith("$")) continue;
    if (typeof row !== "object" || row === null)
      throw new Error(`expected-verdicts.json: field "${policy}": expected an object`);
    matrix[policy] = {};
    for (const [property, verdict] of Object.entries(row)) {
      if (verdict !== "holds" && verdict !== "violated") {
        throw new Error(
          `expected-verdicts.json: field "${policy}.${property}": expected "holds" or "violated", got ${JSON.stringify(verdict)}`,
        );
      }
      matrix[policy][property] = verdict;
    }
  }
  return matrix;
}

export function expectedVerdict(matrix: VerdictMatrix, policy: string, property: string): ExpectedVerdict | null {
  return matrix[policy]?.[property] ?? null;
}
